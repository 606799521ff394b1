package otel_test

import (
	"context"
	"flag"
	"log/slog"
	"slices"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/switchyardhq/switchyard/otel"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

var hookCostRounds = flag.Int("hookcost", 0, "run TestHookCost with this many alternated rounds of evaluation without and with the hook")

// benchClient returns a client on its own API, with the hook when withHook,
// and a context holding a recording span.
func benchClient(tb testing.TB, withHook bool) (*openfeature.Client, context.Context) {
	tb.Helper()
	ctx := context.Background()
	td := flagtest.New()
	td.MustUpdate(td.Flag("checkout").Boolean().
		Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").
		Default("off"))
	p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = api.Shutdown(ctx) })
	if withHook {
		h, err := otel.NewHook(otel.Options{
			ContextIDKey:  testKey,
			MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
		})
		if err != nil {
			tb.Fatal(err)
		}
		api.AddHooks(h)
	}
	tp := sdktrace.NewTracerProvider() // sampled and recording; no exporter
	ctx, span := tp.Tracer("bench").Start(ctx, "request")
	tb.Cleanup(func() { span.End() })
	return api.NewClient(), ctx
}

var benchContext = openfeature.NewEvaluationContext("user-1", map[string]any{"email": "ana@acme.com"})

func runEvaluations(b *testing.B, withHook bool) {
	client, ctx := benchClient(b, withHook)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = client.BooleanValue(ctx, "checkout", false, benchContext)
	}
}

// BenchmarkEvaluation measures one evaluation through the OpenFeature
// client inside a recording span, without and with the hook.
func BenchmarkEvaluation(b *testing.B) {
	b.Run("no-hook", func(b *testing.B) { runEvaluations(b, false) })
	b.Run("hook", func(b *testing.B) { runEvaluations(b, true) })
}

// TestHookCost alternates short benchmark rounds without and with the
// hook in one process and reports the median ratio of their ns/op and its
// spread. It runs only with -hookcost=N (see README.md).
func TestHookCost(t *testing.T) {
	if *hookCostRounds <= 0 {
		t.Skip("run with -hookcost=N")
	}
	var ratios []float64
	var plain, hooked []float64
	for range *hookCostRounds {
		a := testing.Benchmark(func(b *testing.B) { runEvaluations(b, false) })
		h := testing.Benchmark(func(b *testing.B) { runEvaluations(b, true) })
		plain = append(plain, float64(a.NsPerOp()))
		hooked = append(hooked, float64(h.NsPerOp()))
		ratios = append(ratios, float64(h.NsPerOp())/float64(a.NsPerOp()))
	}
	slices.Sort(ratios)
	slices.Sort(plain)
	slices.Sort(hooked)
	med := func(s []float64) float64 { return s[len(s)/2] }
	t.Logf("rounds %d: no hook median %.0f ns/op, hook median %.0f ns/op; ratio median %.2f, min %.2f, max %.2f",
		len(ratios), med(plain), med(hooked), med(ratios), ratios[0], ratios[len(ratios)-1])
}
