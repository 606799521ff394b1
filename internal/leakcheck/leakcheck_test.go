package leakcheck

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:noinline
func blockedForever(stop <-chan struct{}) { <-stop }

func TestLeakedGoroutineIsCaught(t *testing.T) {
	s := Take(t)
	stop := make(chan struct{})
	go blockedForever(stop)
	left := s.leaked(100 * time.Millisecond)
	if len(left) != 1 || !strings.Contains(left[0], "leakcheck.blockedForever") {
		t.Fatalf("leaked() = %q, want the one blocked goroutine", left)
	}
	close(stop)
	if left := s.leaked(Timeout); len(left) != 0 {
		t.Fatalf("after it ended, leaked() = %q, want none", left)
	}
}

func TestFinishedGoroutinesAreNot(t *testing.T) {
	s := Take(t)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {})
	}
	wg.Wait()
	go time.Sleep(200 * time.Millisecond) // still winding down when the check starts
	if left := s.leaked(Timeout); len(left) != 0 {
		t.Fatalf("leaked() = %q, want none", left)
	}
}

func TestGoroutinesOfTheSnapshotAreNot(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	go blockedForever(stop)
	s := Take(t)
	if left := s.leaked(0); len(left) != 0 {
		t.Fatalf("leaked() = %q, want none: the goroutine was running at the snapshot", left)
	}
}

// TestTestRunnersAreIgnored: a subtest's goroutine (created by testing) is
// the framework's own, and so is the goroutine that runs the check.
func TestTestRunnersAreIgnored(t *testing.T) {
	s := Take(t)
	t.Run("sub", func(t *testing.T) {
		if left := s.leaked(0); len(left) != 0 {
			t.Fatalf("leaked() = %q, want none", left)
		}
	})
}

// recorder is a testing.TB that records errors instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCheckReportsTheStack(t *testing.T) {
	r := &recorder{TB: t}
	s := Take(r)
	s.timeout = 100 * time.Millisecond
	stop := make(chan struct{})
	defer close(stop)
	go blockedForever(stop)
	s.Check(r)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "1 goroutine(s)") || !strings.Contains(r.errs[0], "leakcheck.blockedForever") {
		t.Fatalf("Check reported %q, want one leak with its stack", r.errs)
	}
}

func TestTakeRefusesParallelTests(t *testing.T) {
	t.Run("parallel", func(t *testing.T) {
		t.Parallel()
		defer func() {
			if recover() == nil {
				t.Error("Take in a parallel test did not panic")
			}
		}()
		Take(t)
	})
}
