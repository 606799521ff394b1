package launchdarklybench

import (
	"fmt"
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
// evaluates it for the benchmark context (built once, outside the loop, as
// Switchyard's map is).
func BenchmarkEvaluate(b *testing.B) {
	s, st, ev := setup(b)
	ctx := Context(s.BenchContext)
	for _, bc := range s.Benchmarks {
		b.Run("case="+bc.Name, func(b *testing.B) {
			r := ev.Evaluate(st.GetFeatureFlag(bc.Flag), ctx, nil)
			if v := VariantName(r); v == "" || (bc.Want != "" && v != bc.Want) {
				b.Fatalf("Evaluate(%q) = %+v, want variant %q", bc.Flag, r.Detail, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						ev.Evaluate(st.GetFeatureFlag(key), ctx, nil)
					}
				})
				return
			}
			for b.Loop() {
				ev.Evaluate(st.GetFeatureFlag(key), ctx, nil)
			}
		})
	}
}
