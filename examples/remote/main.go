// Command remote starts the flag-service test double on loopback, connects
// a provider to it with OAuth2 client credentials, and prints evaluations as
// the service publishes new rulesets over the stream:
//
//	go run ./examples/remote
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/provider"
)

func ruleset(version, color string, rollout int) []byte {
	return fmt.Appendf(nil, `{"schemaVersion": 1, "tenantId": "acme", "environment": "production", "version": %q,
  "flags": {
    "button-color": {"type": "string", "variants": {"blue": "blue", "color": %q}, "default": {"variant": "color"}},
    "new-checkout": {"type": "boolean", "variants": {"on": true, "off": false},
      "default": {"rollout": {"variants": [{"variant": "on", "weight": %d}, {"variant": "off", "weight": %d}]}}}
  }}`, version, color, rollout, 100-rollout)
}

func main() {
	if err := run(os.Stdout, 3); err != nil {
		fmt.Fprintln(os.Stderr, "remote:", err)
		os.Exit(1)
	}
}

// run publishes rounds rulesets and prints the evaluations after each.
func run(w io.Writer, rounds int) error {
	srv := clienttest.New(clienttest.Options{HeartbeatInterval: time.Second})
	defer srv.Close()
	srv.AddClient("checkout-service", "example-secret", "acme", "flags:read", "events:write")
	srv.SetRuleset("acme", "production", ruleset("1", "green", 10))

	src, err := provider.NewRemoteSource(provider.RemoteConfig{
		Client: client.Config{
			BaseURL:      srv.URL, // http is accepted because the test double is on loopback
			TenantID:     "acme",
			Environment:  "production",
			ClientID:     "checkout-service",
			ClientSecret: "example-secret",
		},
	})
	if err != nil {
		return err
	}
	p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	api := isolated.NewAPI()
	changed := make(chan []string, 8)
	onChange := func(d openfeature.EventDetails) { changed <- d.FlagChanges }
	api.AddHandler(openfeature.ProviderConfigChange, &onChange)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		return err
	}
	defer api.Shutdown(context.Background())
	client := api.NewClient()

	print := func() {
		on := 0
		for i := range 1000 {
			ec := openfeature.NewEvaluationContext(fmt.Sprintf("user-%d", i), nil)
			if client.Boolean(ctx, "new-checkout", false, ec) {
				on++
			}
		}
		color := client.String(ctx, "button-color", "grey", openfeature.NewEvaluationContext("user-1", nil))
		fmt.Fprintf(w, "ruleset %s: button-color=%s, new-checkout on for %d of 1000 users\n", p.Evaluator().Version(), color, on)
	}
	print()
	for round := 2; round <= rounds; round++ {
		srv.SetRuleset("acme", "production", ruleset(fmt.Sprint(round), []string{"green", "orange", "purple"}[round%3], 10*round*round))
		select {
		case keys := <-changed:
			fmt.Fprintf(w, "PROVIDER_CONFIGURATION_CHANGED %v\n", keys)
		case <-ctx.Done():
			return fmt.Errorf("no configuration change within the deadline")
		}
		print()
	}
	return nil
}
