package launchdarklybench

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/launchdarkly/go-sdk-common/v3/ldcontext"
	evaluation "github.com/launchdarkly/go-server-sdk-evaluation/v3"

	"github.com/switchyardhq/switchyard/bench/cases"
)

func setup(tb testing.TB) (*cases.Suite, *Store, evaluation.Evaluator) {
	tb.Helper()
	s := cases.MustLoad()
	st, err := NewStore(s)
	if err != nil {
		tb.Fatal(err)
	}
	return s, st, evaluation.NewEvaluator(st)
}

// TestEquivalence checks LaunchDarkly's variants against Switchyard's.
func TestEquivalence(t *testing.T) {
	s, st, ev := setup(t)
	var ctxs []ldcontext.Context
	for _, c := range s.Contexts() {
		ctxs = append(ctxs, Context(c))
	}
	s.Check(t, "launchdarkly", func(flag string, i int) (string, error) {
		r := ev.Evaluate(st.GetFeatureFlag(flag), ctxs[i], nil)
		if v := VariantName(r); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("Evaluate(%q) = %+v, want a variation", flag, r.Detail)
	})
}

// BenchmarkEvaluate looks each case's flag up by key in the store and
// evaluates it for the benchmark context, or, in the realistic cases, for
// the realistic contexts cycled (ldcontext values built once, outside the
// loop, as Switchyard's maps are).
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
	s, st, ev := setup(tb)
	fixed := []ldcontext.Context{Context(s.BenchContext)}
	var realistic []ldcontext.Context
	for _, m := range s.RealisticContexts() {
		realistic = append(realistic, Context(m))
	}
	bodies := map[string]func(*testing.B){}
	for _, bc := range s.Benchmarks {
		bodies[bc.Name] = func(b *testing.B) {
			ctxs := fixed
			if bc.Realistic {
				ctxs = realistic
			}
			r := ev.Evaluate(st.GetFeatureFlag(bc.Flag), ctxs[0], nil)
			if v := VariantName(r); v == "" || (bc.Want != "" && v != bc.Want) {
				b.Fatalf("Evaluate(%q) = %+v, want variant %q", bc.Flag, r.Detail, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				var start atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					i := int(start.Add(7919)) % len(ctxs) // goroutines start apart in the cycle
					for pb.Next() {
						ev.Evaluate(st.GetFeatureFlag(key), ctxs[i], nil)
						if i++; i == len(ctxs) {
							i = 0
						}
					}
				})
				return
			}
			i := 0
			for b.Loop() {
				ev.Evaluate(st.GetFeatureFlag(key), ctxs[i], nil)
				if i++; i == len(ctxs) {
					i = 0
				}
			}
		}
	}
	return bodies
}
