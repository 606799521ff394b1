// Package leakcheck finds goroutines that a test leaves running, counting
// every goroutine of the process (net/http's connection goroutines
// included), not only those in this module's packages.
//
//	func TestShutdown(t *testing.T) {
//		leakcheck.Check(t) // snapshot now, compare when the test ends
//		p := start(t)
//		p.Shutdown()
//	}
//
// A snapshot records the IDs of the goroutines running when it is taken
// (goroutine IDs are never reused in a process). A check lists the
// goroutines running now whose IDs are not in the snapshot, and polls for
// up to Timeout while any remain, so goroutines that are still winding down
// (a connection closing after Shutdown returned) are not reported. It
// ignores exactly:
//
//   - goroutines in the snapshot;
//   - the goroutine that runs the check;
//   - goroutines created by package testing ("created by testing."): the
//     runners of other tests and subtests, such as a parallel test paused
//     until the sequential ones are done;
//   - goroutines created by package runtime ("created by runtime."): the
//     finalizer and cleanup runners, started on first use.
//
// Everything else started after the snapshot and still running is a leak,
// whichever package it runs in. Because the comparison counts every
// goroutine, a check must not overlap with other tests: Take refuses a
// parallel test (through t.Setenv, which panics in one and keeps the test
// from calling t.Parallel later). Sequential tests never overlap with
// parallel ones: those start only after every sequential test is done.
//
// Inside a testing/synctest bubble, use the bubble instead: after Shutdown
// and synctest.Wait, every goroutine of the bubble that is not the test's
// own is a leak (provider/remote_test.go's bubbleLeaks lists them), and
// synctest.Test fails if one can never end. A poll in real time, as here,
// would not see time pass in a bubble.
package leakcheck

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Timeout is how long a check waits for new goroutines to end.
const Timeout = 5 * time.Second

// Snapshot is the set of goroutines running when it was taken.
type Snapshot struct {
	ids     map[uint64]bool
	timeout time.Duration // Timeout; shorter in this package's tests
}

// Take records the goroutines running now. It panics in a parallel test
// (see the package documentation).
func Take(t testing.TB) *Snapshot {
	t.Helper()
	t.Setenv("SWITCHYARD_LEAKCHECK", "1") // panics if t is parallel, and keeps it sequential
	s := &Snapshot{ids: map[uint64]bool{}, timeout: Timeout}
	for _, g := range goroutines() {
		s.ids[g.id] = true
	}
	return s
}

// Check takes a snapshot now and checks it when t ends, after the cleanups
// registered later (a Shutdown registered with t.Cleanup included).
func Check(t testing.TB) {
	t.Helper()
	s := Take(t)
	t.Cleanup(func() { s.Check(t) })
}

// Check fails t, with their stacks, if goroutines started since s are still
// running Timeout from now.
func (s *Snapshot) Check(t testing.TB) {
	t.Helper()
	if left := s.leaked(s.timeout); len(left) > 0 {
		t.Errorf("leakcheck: %d goroutine(s) started during the test still run %v after it:\n\n%s",
			len(left), s.timeout, strings.Join(left, "\n\n"))
	}
}

// leaked returns the stacks of the goroutines started since s that are
// still running after waiting up to timeout for them to end.
func (s *Snapshot) leaked(timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for {
		self := currentID()
		var left []string
		for _, g := range goroutines() {
			if !s.ids[g.id] && g.id != self && !ignored(g.stack) {
				left = append(left, g.stack)
			}
		}
		if len(left) == 0 || !time.Now().Before(deadline) {
			return left
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// ignored reports whether a goroutine belongs to the test framework or the
// runtime, by the function that created it.
func ignored(stack string) bool {
	i := strings.LastIndex(stack, "\ncreated by ")
	if i < 0 {
		return false
	}
	creator := stack[i+len("\ncreated by "):]
	return strings.HasPrefix(creator, "testing.") || strings.HasPrefix(creator, "runtime.")
}

type goroutine struct {
	id    uint64
	stack string
}

// goroutines parses runtime.Stack(all): blocks separated by a blank line,
// each starting "goroutine ID [state]:".
func goroutines() []goroutine {
	buf := stacks(true)
	var out []goroutine
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		if id, ok := parseID(block); ok {
			out = append(out, goroutine{id: id, stack: string(bytes.TrimSpace(block))})
		}
	}
	return out
}

func currentID() uint64 {
	id, _ := parseID(stacks(false))
	return id
}

func stacks(all bool) []byte {
	for size := 1 << 16; ; size *= 2 {
		buf := make([]byte, size)
		if n := runtime.Stack(buf, all); n < size {
			return buf[:n]
		}
	}
}

func parseID(block []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(bytes.TrimSpace(block), []byte("goroutine "))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	return id, err == nil
}
