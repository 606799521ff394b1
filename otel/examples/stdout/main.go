// Command stdout evaluates a few flags with the Switchyard OpenTelemetry
// hook and prints the resulting span to standard output with the
// stdouttrace exporter, so you can see exactly what would be exported: a
// pseudonymous feature_flag.context.id for the ordinary user, none for the
// anonymous one, a value only for the flag that opts in, and never the
// targeting keys or the private e-mail address.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/switchyardhq/switchyard/otel"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

func main() {
	ctx := context.Background()

	exporter, err := stdouttrace.New(stdouttrace.WithWriter(os.Stdout), stdouttrace.WithPrettyPrint())
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { _ = tp.Shutdown(ctx) }()

	td := flagtest.New()
	td.MustUpdate(
		td.Flag("new-checkout").Boolean().
			Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").
			Default("off"),
		td.Flag("banner").StringVariants(map[string]string{"spring": "Spring sale"}).
			Default("spring").Metadata(otel.RecordValueMetadataKey, true),
	)
	p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = api.Shutdown(ctx) }()

	// In production the key comes from a secret store; this one is only
	// for the example.
	hook, err := otel.NewHook(otel.Options{ContextIDKey: []byte("example-key-not-for-production")})
	if err != nil {
		log.Fatal(err)
	}
	api.AddHooks(hook)
	client := api.NewClient()

	ctx, span := tp.Tracer("example").Start(ctx, "GET /checkout")
	user := openfeature.NewEvaluationContext("user-1234", map[string]any{
		"email":             "ana@acme.com",
		"privateAttributes": []string{"email"},
	})
	visitor := openfeature.NewEvaluationContext("device-5678", map[string]any{"anonymous": true})
	_, _ = client.BooleanValue(ctx, "new-checkout", false, user)
	_, _ = client.BooleanValue(ctx, "new-checkout", false, visitor)
	_, _ = client.StringValue(ctx, "banner", "", user)
	_, _ = client.BooleanValue(ctx, "no-such-flag", false, user)
	span.End()
}
