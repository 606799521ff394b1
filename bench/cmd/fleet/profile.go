package main

import (
	"bufio"
	"bytes"
	"math"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// The double and the providers share the process; these tell their
// goroutines and allocations apart by the frames on the stack.
func isServerStack(stack string) bool {
	return strings.Contains(stack, "net/http.(*conn).serve") ||
		strings.Contains(stack, "net/http.(*connReader).backgroundRead") ||
		strings.Contains(stack, "net/http/httptest.") ||
		strings.Contains(stack, "/client/clienttest.")
}

// isHarnessStack: this program's own goroutines (the event readers).
func isHarnessStack(stack string) bool {
	for _, line := range strings.Split(stack, "\n") {
		if strings.HasPrefix(line, "main.") {
			return true
		}
	}
	return false
}

// goroutineCounts splits the live goroutines into the double's, this
// program's and the rest (the providers', net/http's client side, the
// runtime's).
func goroutineCounts() (server, harness, other int) {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	return classifyGoroutines(b.String())
}

func classifyGoroutines(dump string) (server, harness, other int) {
	for _, g := range strings.Split(dump, "\n\n") {
		if !strings.HasPrefix(strings.TrimSpace(g), "goroutine ") {
			continue
		}
		// Frames start their lines; "created by" lines name the parent
		// and match none of the patterns.
		stack := g
		switch {
		case isServerStack(stack):
			server++
		case isHarnessStack(stack):
			harness++
		default:
			other++
		}
	}
	return server, harness, other
}

// serverHeapBytes estimates the bytes in use that the double allocated,
// from the sampled heap profile (as of the last GC), unbiased the way
// pprof scales samples.
func serverHeapBytes() float64 {
	var b bytes.Buffer
	_ = pprof.Lookup("heap").WriteTo(&b, 1)
	server, _ := attributeHeap(b.String(), runtime.MemProfileRate)
	return server
}

// attributeHeap sums the scaled in-use bytes of a debug=1 heap profile
// into the double's and the rest.
func attributeHeap(profile string, rate int) (server, other float64) {
	sc := bufio.NewScanner(strings.NewReader(profile))
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	var (
		objects, bytes_ float64
		stack           strings.Builder
		open            bool
	)
	flush := func() {
		if !open {
			return
		}
		v := scaleSample(objects, bytes_, rate)
		if isServerStack(stack.String()) {
			server += v
		} else {
			other += v
		}
		open = false
		stack.Reset()
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			if open {
				stack.WriteString(line)
				stack.WriteByte('\n')
			}
		case strings.Contains(line, ": ") && strings.Contains(line, " @ "):
			flush()
			if strings.HasPrefix(line, "heap profile:") {
				continue
			}
			// "inuseObjects: inuseBytes [allocObjects: allocBytes] @ pcs"
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			o, err1 := strconv.ParseFloat(strings.TrimSuffix(f[0], ":"), 64)
			by, err2 := strconv.ParseFloat(f[1], 64)
			if err1 != nil || err2 != nil {
				continue
			}
			objects, bytes_, open = o, by, true
		default:
			flush()
		}
	}
	flush()
	return server, other
}

// scaleSample undoes heap sampling: an allocation of average size s is
// sampled with probability 1-exp(-s/rate).
func scaleSample(objects, bytes float64, rate int) float64 {
	if objects == 0 || bytes == 0 || rate <= 1 {
		return bytes
	}
	avg := bytes / objects
	return bytes / (1 - math.Exp(-avg/float64(rate)))
}
