package unleashbench

import (
	"sync/atomic"
	"testing"

	"github.com/Unleash/unleash-client-go/v4"

	"github.com/switchyardhq/switchyard/bench/cases"
)

func setup(tb testing.TB) (*cases.Suite, *Client) {
	tb.Helper()
	s := cases.MustLoad()
	c, err := NewClient(s, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return s, c
}

// TestEquivalence checks Unleash's results against Switchyard's variants.
func TestEquivalence(t *testing.T) {
	s, c := setup(t)
	var opts []unleash.FeatureOption
	for _, m := range s.Contexts() {
		opts = append(opts, unleash.WithContext(Context(m)))
	}
	s.Check(t, "unleash", func(flag string, i int) (string, error) {
		return Variant(c.IsEnabled(flag, opts[i])), nil
	})
}

// BenchmarkEvaluate calls IsEnabled for each case's toggle with the
// benchmark context, or, in the realistic cases, the realistic contexts
// cycled (each context and its FeatureOption built once, outside the loop,
// as Switchyard's maps are). Unleash has no details call for toggles:
// IsEnabled returns the bool alone.
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
	fixed := []unleash.FeatureOption{unleash.WithContext(Context(s.BenchContext))}
	var realistic []unleash.FeatureOption
	for _, m := range s.RealisticContexts() {
		realistic = append(realistic, unleash.WithContext(Context(m)))
	}
	bodies := map[string]func(*testing.B){}
	for _, bc := range s.Benchmarks {
		bodies[bc.Name] = func(b *testing.B) {
			opts := fixed
			if bc.Realistic {
				opts = realistic
			}
			if v := Variant(c.IsEnabled(bc.Flag, opts[0])); bc.Want != "" && v != bc.Want {
				b.Fatalf("IsEnabled(%q) = %s, want %s", bc.Flag, v, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				var start atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					i := int(start.Add(7919)) % len(opts) // goroutines start apart in the cycle
					for pb.Next() {
						c.IsEnabled(key, opts[i])
						if i++; i == len(opts) {
							i = 0
						}
					}
				})
				return
			}
			i := 0
			for b.Loop() {
				c.IsEnabled(key, opts[i])
				if i++; i == len(opts) {
					i = 0
				}
			}
		}
	}
	return bodies
}
