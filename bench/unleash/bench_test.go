package unleashbench

import (
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
// benchmark context (the context and its FeatureOption built once, outside
// the loop, as Switchyard's map is). Unleash has no details call for
// toggles: IsEnabled returns the bool alone.
func BenchmarkEvaluate(b *testing.B) {
	s, c := setup(b)
	opt := unleash.WithContext(Context(s.BenchContext))
	for _, bc := range s.Benchmarks {
		b.Run("case="+bc.Name, func(b *testing.B) {
			if v := Variant(c.IsEnabled(bc.Flag, opt)); bc.Want != "" && v != bc.Want {
				b.Fatalf("IsEnabled(%q) = %s, want %s", bc.Flag, v, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						c.IsEnabled(key, opt)
					}
				})
				return
			}
			for b.Loop() {
				c.IsEnabled(key, opt)
			}
		})
	}
}
