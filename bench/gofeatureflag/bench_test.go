package gofeatureflagbench

import (
	"fmt"
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
// benchmark context (built once, outside the loop, as Switchyard's is).
func BenchmarkEvaluate(b *testing.B) {
	s, c := setup(b)
	ctx := Context(s.BenchContext)
	for _, bc := range s.Benchmarks {
		b.Run("case="+bc.Name, func(b *testing.B) {
			r, err := c.BoolVariationDetails(bc.Flag, ctx, false)
			if err != nil || r.Failed || (bc.Want != "" && r.VariationType != bc.Want) {
				b.Fatalf("BoolVariationDetails(%q) = %+v, %v; want variant %q", bc.Flag, r, err, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						_, _ = c.BoolVariationDetails(key, ctx, false)
					}
				})
				return
			}
			for b.Loop() {
				_, _ = c.BoolVariationDetails(key, ctx, false)
			}
		})
	}
}
