package switchyardbench

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"sync/atomic"
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
	record := func(flag string, i int) (string, bool, error) {
		r := ev.Evaluate(flag, ctxs[i])
		if r.ErrorCode != evaluator.ErrorNone {
			return "", false, fmt.Errorf("Evaluate(%q, %v) = %+v, want a variant", flag, ctxs[i], r)
		}
		return r.Variant, r.Reason == evaluator.ReasonSplit, nil
	}
	variant := func(flag string, i int) (string, error) {
		v, _, err := record(flag, i)
		return v, err
	}
	if *update {
		exp, err := s.Record(record)
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
		{"three-rules-rollout", "", "big-accounts"},
		{"segment", cases.On, "big"},
		{"segment-100000", cases.On, "huge"},
		{"hundred-rules", cases.Off, ""},
		{"static", cases.On, ""},
	} {
		r := ev.Evaluate(c.flag, s.BenchContext)
		if (c.variant != "" && r.Variant != c.variant) || r.RuleID != c.rule {
			t.Errorf("Evaluate(%q) = variant %q rule %q, want %q %q", c.flag, r.Variant, r.RuleID, c.variant, c.rule)
		}
	}
}

// BenchmarkEvaluate evaluates each case's flag with evaluator.Evaluate
// (flag looked up by key, full Result): for the benchmark context, or, in
// the realistic cases, for the realistic contexts cycled (maps built once,
// outside the timed loop).
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
	s := cases.MustLoad()
	ev, err := Evaluator(s)
	if err != nil {
		tb.Fatal(err)
	}
	fixed := []map[string]any{s.BenchContext}
	realistic := s.RealisticContexts()
	bodies := map[string]func(*testing.B){}
	for _, bc := range s.Benchmarks {
		bodies[bc.Name] = func(b *testing.B) {
			ctxs := fixed
			if bc.Realistic {
				ctxs = realistic
			}
			if r := ev.Evaluate(bc.Flag, ctxs[0]); r.Variant == "" || (bc.Want != "" && r.Variant != bc.Want) {
				b.Fatalf("Evaluate(%q) = %+v, want variant %q", bc.Flag, r, bc.Want)
			}
			key := bc.Flag
			b.ReportAllocs()
			if bc.Parallel {
				var start atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					i := int(start.Add(7919)) % len(ctxs) // goroutines start apart in the cycle
					for pb.Next() {
						ev.Evaluate(key, ctxs[i])
						if i++; i == len(ctxs) {
							i = 0
						}
					}
				})
				return
			}
			i := 0
			for b.Loop() {
				ev.Evaluate(key, ctxs[i])
				if i++; i == len(ctxs) {
					i = 0
				}
			}
		}
	}
	return bodies
}

// BenchmarkOpenFeature calls client.BooleanValueDetails through go-sdk with
// Switchyard's provider (a StaticSource of the suite's ruleset) for every
// case, and with go-sdk's in-memory provider for the static flag, the only
// case it can express without custom Go code.
func BenchmarkOpenFeature(b *testing.B) {
	s := cases.MustLoad()
	sy, mem := openFeatureProviders(b, s)
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

// BenchmarkOpenFeatureRatio is the OpenFeature comparison of SPEC 7:
// client.BooleanValueDetails of the static flag with Switchyard's provider
// and with go-sdk's in-memory provider alternate in rounds of 20 000 calls
// in this process; each b.Loop iteration is one round of both. It reports
// Switchyard ÷ in-memory as the median round's ratio and the smallest and
// largest (x-inmemory, -min, -max), and the median ns of each side. The
// realistic case cycles the realistic contexts (EvaluationContexts built
// once, outside the loop).
//
//	go test -run '^$' -bench OpenFeatureRatio -benchtime 21x
func BenchmarkOpenFeatureRatio(b *testing.B) {
	s := cases.MustLoad()
	sy, mem := openFeatureProviders(b, s)
	clients := map[string]*openfeature.Client{}
	for name, p := range map[string]openfeature.FeatureProvider{"switchyard": sy, "inmemory": mem} {
		api := isolated.NewAPI()
		if err := api.SetProviderAndWait(context.Background(), p); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = api.Shutdown(context.Background()) })
		clients[name] = api.NewClient()
	}
	fixed := []openfeature.EvaluationContext{evaluationContext(s.BenchContext)}
	var realistic []openfeature.EvaluationContext
	for _, m := range s.RealisticContexts() {
		realistic = append(realistic, evaluationContext(m))
	}
	ctx := context.Background()
	for _, bc := range s.Benchmarks {
		if bc.Flag != "static" {
			continue // the in-memory provider has no rule model
		}
		b.Run("case="+bc.Name, func(b *testing.B) {
			ecs := fixed
			if bc.Realistic {
				ecs = realistic
			}
			key := bc.Flag
			sink := 0
			side := func(c *openfeature.Client) func(n int) {
				if d, err := c.BooleanValueDetails(ctx, key, false, ecs[0]); err != nil || d.Variant != cases.On {
					b.Fatalf("BooleanValueDetails(%q) = %+v, %v; want variant on", key, d, err)
				}
				return func(n int) {
					i := 0
					for range n {
						d, _ := c.BooleanValueDetails(ctx, key, false, ecs[i])
						sink += len(d.Variant)
						if i++; i == len(ecs) {
							i = 0
						}
					}
				}
			}
			reportAlternated(b, "inmemory", alternate(b, 20000, side(clients["switchyard"]), side(clients["inmemory"])))
			_ = sink
		})
	}
}

// evaluationContext converts a flattened context into an OpenFeature one.
func evaluationContext(m map[string]any) openfeature.EvaluationContext {
	attrs := map[string]any{}
	for k, v := range m {
		if k != cases.TargetingKey {
			attrs[k] = v
		}
	}
	return openfeature.NewEvaluationContext(m[cases.TargetingKey].(string), attrs)
}

// openFeatureProviders returns Switchyard's provider over a static source of
// the suite's ruleset, and go-sdk's in-memory provider with the static flag
// (the one case it can express without custom Go code).
func openFeatureProviders(b *testing.B, s *cases.Suite) (sy *provider.Provider, mem *memprovider.InMemoryProvider) {
	rs, err := Ruleset(s)
	if err != nil {
		b.Fatal(err)
	}
	src, err := provider.NewStaticSource(rs)
	if err != nil {
		b.Fatal(err)
	}
	sy, err = provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	m := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"static": {Key: "static", State: memprovider.Enabled, DefaultVariant: cases.On,
			Variants: map[string]any{cases.On: true, cases.Off: false}},
	})
	return sy, m
}
