package flagdbench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/open-feature/flagd/core/pkg/evaluator"

	"github.com/switchyardhq/switchyard/bench/cases"
)

func setup(tb testing.TB) (*cases.Suite, *evaluator.JSON) {
	tb.Helper()
	s := cases.MustLoad()
	je, err := NewEvaluator(s)
	if err != nil {
		tb.Fatal(err)
	}
	return s, je
}

// TestEquivalence checks flagd's variants against Switchyard's.
func TestEquivalence(t *testing.T) {
	s, je := setup(t)
	ctxs := s.Contexts()
	bg := context.Background()
	s.Check(t, "flagd", func(flag string, i int) (string, error) {
		_, variant, reason, _, err := je.ResolveBooleanValue(bg, "equivalence", flag, ctxs[i])
		if err != nil {
			return "", fmt.Errorf("ResolveBooleanValue(%q) = %q %s, %v", flag, variant, reason, err)
		}
		return variant, nil
	})
}

// BenchmarkEvaluate resolves each case's flag with ResolveBooleanValue for
// the benchmark context, or, in the realistic cases, for the realistic
// contexts cycled (the flattened context maps are built once, outside the
// loop, as Switchyard's are).
func BenchmarkEvaluate(b *testing.B) {
	s := cases.MustLoad()
	bodies := evaluateBodies(b)
	for _, bc := range s.Benchmarks {
		b.Run("case="+bc.Name, bodies[bc.Name])
	}
}

// TestServe serves BenchmarkEvaluate's cases to cmd/perf, which alternates
// them with another SDK's in short rounds (cases.ServeBenchmarks); skipped
// unless BENCH_SERVE=1.
func TestServe(t *testing.T) {
	cases.ServeBenchmarks(t, func() map[string]func(*testing.B) { return evaluateBodies(t) })
}

// evaluateBodies returns BenchmarkEvaluate's body of every case, by name.
func evaluateBodies(tb testing.TB) map[string]func(*testing.B) {
	s, je := setup(tb)
	fixed := []map[string]any{s.BenchContext}
	realistic := s.RealisticContexts()
	bg := context.Background()
	bodies := map[string]func(*testing.B){}
	for _, bc := range s.Benchmarks {
		bodies[bc.Name] = func(b *testing.B) {
			ctxs := fixed
			if bc.Realistic {
				ctxs = realistic
			}
			_, v, reason, _, err := je.ResolveBooleanValue(bg, "bench", bc.Flag, ctxs[0])
			if err != nil || v == "" || (bc.Want != "" && v != bc.Want) {
				b.Fatalf("ResolveBooleanValue(%q) = %q %s, %v; want variant %q", bc.Flag, v, reason, err, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				var start atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					i := int(start.Add(7919)) % len(ctxs) // goroutines start apart in the cycle
					for pb.Next() {
						_, _, _, _, _ = je.ResolveBooleanValue(bg, "bench", key, ctxs[i])
						if i++; i == len(ctxs) {
							i = 0
						}
					}
				})
				return
			}
			i := 0
			for b.Loop() {
				_, _, _, _, _ = je.ResolveBooleanValue(bg, "bench", key, ctxs[i])
				if i++; i == len(ctxs) {
					i = 0
				}
			}
		}
	}
	return bodies
}
