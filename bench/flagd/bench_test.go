package flagdbench

import (
	"context"
	"fmt"
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

// BenchmarkEvaluate resolves each case's flag for the benchmark context
// with ResolveBooleanValue (the flattened context map is built once,
// outside the loop, as Switchyard's is).
func BenchmarkEvaluate(b *testing.B) {
	s, je := setup(b)
	ctx := s.BenchContext
	bg := context.Background()
	for _, bc := range s.Benchmarks {
		b.Run("case="+bc.Name, func(b *testing.B) {
			_, v, reason, _, err := je.ResolveBooleanValue(bg, "bench", bc.Flag, ctx)
			if err != nil || v == "" || (bc.Want != "" && v != bc.Want) {
				b.Fatalf("ResolveBooleanValue(%q) = %q %s, %v; want variant %q", bc.Flag, v, reason, err, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						_, _, _, _, _ = je.ResolveBooleanValue(bg, "bench", key, ctx)
					}
				})
				return
			}
			for b.Loop() {
				_, _, _, _, _ = je.ResolveBooleanValue(bg, "bench", key, ctx)
			}
		})
	}
}
