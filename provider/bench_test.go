package provider_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"

	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// BenchmarkClientBooleanValueDetails compares client.BooleanValueDetails
// through go-sdk with this provider and with go-sdk's in-memory provider on
// the same flag (a boolean served to everyone) and context, in one run.
// SPEC section 7: within 15 % of the in-memory provider.
func BenchmarkClientBooleanValueDetails(b *testing.B) {
	td := flagtest.New()
	td.MustUpdate(td.Flag("new-checkout").BooleanValue(true))
	sy, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	mem := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"new-checkout": {Key: "new-checkout", State: memprovider.Enabled, DefaultVariant: "on",
			Variants: map[string]any{"on": true, "off": false}},
	})
	ec := openfeature.NewEvaluationContext("user-42", map[string]any{"email": "ana@acme.com", "country": "DE", "seats": 120})
	for _, c := range []struct {
		name string
		p    openfeature.FeatureProvider
	}{{"provider=switchyard", sy}, {"provider=inmemory", mem}} {
		api := isolated.NewAPI()
		if err := api.SetProviderAndWait(context.Background(), c.p); err != nil {
			b.Fatal(err)
		}
		client := api.NewClient()
		ctx := context.Background()
		b.Run(c.name, func(b *testing.B) {
			if d, err := client.BooleanValueDetails(ctx, "new-checkout", false, ec); err != nil || !d.Value {
				b.Fatalf("BooleanValueDetails = %+v, %v; want true", d, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = client.BooleanValueDetails(ctx, "new-checkout", false, ec)
			}
		})
		_ = api.Shutdown(context.Background())
	}
}

// BenchmarkTelemetryOverhead compares evaluation through the OpenFeature
// client with telemetry on (summary counters, a sink that discards) and
// off, in one run. Issue target: on/off ≤ 1.10.
func BenchmarkTelemetryOverhead(b *testing.B) {
	discard := provider.EventSinkFunc(func(context.Context, []byte, string) error { return nil })
	ec := openfeature.NewEvaluationContext("user-42", map[string]any{"email": "ana@acme.com", "country": "DE"})
	for _, c := range []struct {
		name string
		cfg  provider.TelemetryConfig
	}{{"telemetry=off", provider.TelemetryConfig{Disabled: true}}, {"telemetry=on", provider.TelemetryConfig{Sink: discard}}} {
		td := flagtest.New()
		td.MustUpdate(td.Flag("new-checkout").Boolean().Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").Default("off"))
		p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler), Telemetry: c.cfg})
		if err != nil {
			b.Fatal(err)
		}
		api := isolated.NewAPI()
		if err := api.SetProviderAndWait(context.Background(), p); err != nil {
			b.Fatal(err)
		}
		client := api.NewClient()
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = client.BooleanValueDetails(context.Background(), "new-checkout", false, ec)
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _ = client.BooleanValueDetails(context.Background(), "new-checkout", false, ec)
				}
			})
		})
		_ = api.Shutdown(context.Background())
	}
}
