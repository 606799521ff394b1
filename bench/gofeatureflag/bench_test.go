package gofeatureflagbench

import (
	"fmt"
	"sync/atomic"
	"testing"

	ffclient "github.com/thomaspoignant/go-feature-flag"
	"github.com/thomaspoignant/go-feature-flag/ffcontext"

	"github.com/switchyardhq/switchyard/bench/cases"
)

func setup(tb testing.TB) (*cases.Suite, *ffclient.GoFeatureFlag) {
	tb.Helper()
	s := cases.MustLoad()
	c, err := NewClient(s, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return s, c
}

// TestEquivalence checks go-feature-flag's variants against Switchyard's.
func TestEquivalence(t *testing.T) {
	s, c := setup(t)
	var ctxs []ffcontext.Context
	for _, m := range s.Contexts() {
		ctxs = append(ctxs, Context(m))
	}
	s.Check(t, "go-feature-flag", func(flag string, i int) (string, error) {
		r, err := c.BoolVariationDetails(flag, ctxs[i], false)
		if err != nil || r.Failed {
			return "", fmt.Errorf("BoolVariationDetails(%q) = %+v, %v", flag, r, err)
		}
		return r.VariationType, nil
	})
}

// BenchmarkEvaluate calls BoolVariationDetails for each case's flag and the
// benchmark context, or, in the realistic cases, the realistic contexts
// cycled (ffcontext values built once, outside the loop, as Switchyard's
// maps are).
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
	s, c := setup(tb)
	fixed := []ffcontext.Context{Context(s.BenchContext)}
	var realistic []ffcontext.Context
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
			r, err := c.BoolVariationDetails(bc.Flag, ctxs[0], false)
			if err != nil || r.Failed || (bc.Want != "" && r.VariationType != bc.Want) {
				b.Fatalf("BoolVariationDetails(%q) = %+v, %v; want variant %q", bc.Flag, r, err, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				var start atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					i := int(start.Add(7919)) % len(ctxs) // goroutines start apart in the cycle
					for pb.Next() {
						_, _ = c.BoolVariationDetails(key, ctxs[i], false)
						if i++; i == len(ctxs) {
							i = 0
						}
					}
				})
				return
			}
			i := 0
			for b.Loop() {
				_, _ = c.BoolVariationDetails(key, ctxs[i], false)
				if i++; i == len(ctxs) {
					i = 0
				}
			}
		}
	}
	return bodies
}
