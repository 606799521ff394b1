// Command loadmem measures evaluator.Load of a document in a fresh process,
// as a service loads its first ruleset: wall time, bytes allocated (and as
// a multiple of the document), heap retained by the Evaluator, and peak
// resident memory during Load above what the process held before (Linux:
// VmHWM, reset through /proc/self/clear_refs). SPEC 7's Load targets are
// stated in these terms.
//
//	go test ./evaluator -run TestWriteLoadDocument -args -write-load-doc /tmp/doc.json
//	cd bench/switchyard && go run ./cmd/loadmem -runs 5 /tmp/doc.json
//
// Each run is a new process (the command runs itself), so no run inherits
// a grown heap from another.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/switchyardhq/switchyard/evaluator"
)

func main() {
	runs := flag.Int("runs", 5, "how many fresh processes to measure")
	once := flag.Bool("once", false, "measure in this process (what each run does)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: loadmem [-runs N] DOCUMENT.json")
		os.Exit(2)
	}
	if *once {
		if err := measure(flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "loadmem:", err)
			os.Exit(1)
		}
		return
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadmem:", err)
		os.Exit(1)
	}
	for range *runs {
		cmd := exec.Command(self, "-once", flag.Arg(0))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			os.Exit(1)
		}
	}
}

func measure(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	runtime.GC()
	var before, after, kept runtime.MemStats
	runtime.ReadMemStats(&before)
	peakReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	rss := status("VmRSS")
	start := time.Now()
	ev, err := evaluator.Load(data)
	took := time.Since(start)
	if err != nil {
		return err
	}
	runtime.ReadMemStats(&after)
	peak := status("VmHWM") - rss
	runtime.GC()
	runtime.ReadMemStats(&kept)
	allocated := float64(after.TotalAlloc - before.TotalAlloc)
	retained := float64(int64(kept.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
	fmt.Printf("%d bytes: Load %v, allocated %.1f MB (%.2fx the document), retained %.2f MiB",
		len(data), took.Round(100*time.Microsecond), allocated/1e6, allocated/float64(len(data)), retained)
	if peakReset && peak >= 0 {
		fmt.Printf(", peak RSS +%.1f MiB (%.2fx retained)", float64(peak)/1024, float64(peak)/1024/retained)
	}
	fmt.Println()
	runtime.KeepAlive(ev)
	runtime.KeepAlive(data)
	return nil
}

// status reads a kB field of /proc/self/status (0 where there is none).
func status(field string) int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
