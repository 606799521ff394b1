package provider_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/provider"
)

// A provider on a ruleset file, reloaded when the file changes.
func ExampleNewFileSource() {
	dir, _ := os.MkdirTemp("", "flags")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "flags.json")
	_ = os.WriteFile(path, []byte(`{"schemaVersion": 1, "flags": {
	  "color": {"type": "string", "variants": {"blue": "#00f", "red": "#f00"}, "default": {"variant": "blue"}}}}`), 0o600)

	src, err := provider.NewFileSource(provider.FileConfig{Path: path, Reload: true})
	if err != nil {
		fmt.Println(err) // a missing or invalid file fails here, naming the problem
		return
	}
	p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	api := isolated.NewAPI()
	ctx := context.Background()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = api.Shutdown(ctx) }()
	color, _ := api.NewClient().StringValue(ctx, "color", "#000", openfeature.EvaluationContext{})
	fmt.Println(color)
	// Output: #00f
}

// A provider on the flag service, with a deadline on the first ruleset and
// the cause of a failure read from the provider. The in-process test double
// stands in for the service here.
func ExampleNewRemoteSource() {
	srv := clienttest.New(clienttest.Options{})
	defer srv.Close()
	srv.AddClient("checkout-service", "client-secret-1", "acme")
	srv.SetRuleset("acme", "production", clienttest.BooleanRuleset("acme", "production", "42", map[string]bool{"new-checkout": true}))

	src, err := provider.NewRemoteSource(provider.RemoteConfig{Client: client.Config{
		BaseURL: srv.URL, TenantID: "acme", Environment: "production",
		ClientID: "checkout-service", ClientSecret: "client-secret-1",
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	api := isolated.NewAPI()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		// OpenFeature may return only the context's error; the provider
		// keeps the cause.
		fmt.Println("flags not ready:", err, "cause:", p.LastError())
		return
	}
	defer func() { _ = api.Shutdown(context.Background()) }()
	on, _ := api.NewClient().BooleanValue(ctx, "new-checkout", false, openfeature.NewEvaluationContext("user-1", nil))
	fmt.Println(on, p.Evaluator().Version())
	// Output: true 42
}
