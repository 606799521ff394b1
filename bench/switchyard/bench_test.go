package switchyardbench

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"

	"github.com/switchyardhq/switchyard/bench/cases"
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/provider"
)

var update = flag.Bool("update", false, "rewrite ../cases/expected.json from Switchyard's results")

// TestEquivalence records (with -update) and checks Switchyard's variant for
// every generated context; the other SDK modules compare against it.
func TestEquivalence(t *testing.T) {
	s := cases.MustLoad()
	ev, err := Evaluator(s)
	if err != nil {
		t.Fatal(err)
	}
	ctxs := s.Contexts()
	variant := func(flag string, i int) (string, error) {
		r := ev.Evaluate(flag, ctxs[i])
		if r.ErrorCode != evaluator.ErrorNone {
			return "", fmt.Errorf("Evaluate(%q, %v) = %+v, want a variant", flag, ctxs[i], r)
		}
		return r.Variant, nil
	}
	if *update {
		exp, err := s.Record(variant)
		if err != nil {
			t.Fatal(err)
		}
		if err := exp.WriteFile(cases.ExpectedFile); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s; run the test again without -update", cases.ExpectedFile)
		return
	}
	s.Check(t, "switchyard", variant)
}

// TestBenchContext checks that the benchmark context takes the intended
// path: the third rule of three-rules, the segment, no rule of the hundred.
func TestBenchContext(t *testing.T) {
	s := cases.MustLoad()
	ev, err := Evaluator(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ flag, variant, rule string }{
		{"three-rules", cases.On, "big-accounts"},
		{"segment", cases.On, "big"},
		{"hundred-rules", cases.Off, ""},
		{"static", cases.On, ""},
	} {
		r := ev.Evaluate(c.flag, s.BenchContext)
		if r.Variant != c.variant || r.RuleID != c.rule {
			t.Errorf("Evaluate(%q) = variant %q rule %q, want %q %q", c.flag, r.Variant, r.RuleID, c.variant, c.rule)
		}
	}
}

// BenchmarkEvaluate evaluates each case's flag for the benchmark context
// with evaluator.Evaluate (flag looked up by key, full Result).
func BenchmarkEvaluate(b *testing.B) {
	s := cases.MustLoad()
	ev, err := Evaluator(s)
	if err != nil {
		b.Fatal(err)
	}
	ctx := s.BenchContext
	for _, bc := range s.Benchmarks {
		b.Run("case="+bc.Name, func(b *testing.B) {
			if r := ev.Evaluate(bc.Flag, ctx); r.Variant == "" || (bc.Want != "" && r.Variant != bc.Want) {
				b.Fatalf("Evaluate(%q) = %+v, want variant %q", bc.Flag, r, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						ev.Evaluate(key, ctx)
					}
				})
				return
			}
			for b.Loop() {
				ev.Evaluate(key, ctx)
			}
		})
	}
}

// BenchmarkOpenFeature calls client.BooleanValueDetails through go-sdk with
// Switchyard's provider (a StaticSource of the suite's ruleset) for every
// case, and with go-sdk's in-memory provider for the static flag, the only
// case it can express without custom Go code.
func BenchmarkOpenFeature(b *testing.B) {
	s := cases.MustLoad()
	rs, err := Ruleset(s)
	if err != nil {
		b.Fatal(err)
	}
	src, err := provider.NewStaticSource(rs)
	if err != nil {
		b.Fatal(err)
	}
	sy, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	mem := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"static": {Key: "static", State: memprovider.Enabled, DefaultVariant: cases.On,
			Variants: map[string]any{cases.On: true, cases.Off: false}},
	})
	attrs := map[string]any{}
	for k, v := range s.BenchContext {
		if k != cases.TargetingKey {
			attrs[k] = v
		}
	}
	ec := openfeature.NewEvaluationContext(s.BenchContext[cases.TargetingKey].(string), attrs)
	for _, p := range []struct {
		name string
		p    openfeature.FeatureProvider
	}{{"switchyard", sy}, {"inmemory", mem}} {
		api := isolated.NewAPI()
		if err := api.SetProviderAndWait(context.Background(), p.p); err != nil {
			b.Fatal(err)
		}
		client := api.NewClient()
		ctx := context.Background()
		for _, bc := range s.Benchmarks {
			b.Run("provider="+p.name+"/case="+bc.Name, func(b *testing.B) {
				if p.name == "inmemory" && bc.Flag != "static" {
					b.Skip("not expressible: go-sdk's in-memory provider has no rule model (targeting only through a custom Go ContextEvaluator)")
				}
				key := bc.Flag
				d, err := client.BooleanValueDetails(ctx, key, false, ec)
				if err != nil || d.Variant == "" || (bc.Want != "" && d.Variant != bc.Want) {
					b.Fatalf("BooleanValueDetails(%q) = %+v, %v; want variant %q", key, d, err, bc.Want)
				}
				b.ReportAllocs()
				if bc.Parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							_, _ = client.BooleanValueDetails(ctx, key, false, ec)
						}
					})
					return
				}
				for b.Loop() {
					_, _ = client.BooleanValueDetails(ctx, key, false, ec)
				}
			})
		}
		_ = api.Shutdown(context.Background())
	}
}
