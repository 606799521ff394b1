// Command privacy evaluates a flag that targets on an email address marked
// private, then prints what the flag service received and what the
// library logged: the address is used for targeting and appears in neither.
//
//	go run ./examples/privacy
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/privacy"
	"github.com/switchyardhq/switchyard/provider"
)

const ruleset = `{"schemaVersion": 1, "tenantId": "acme", "environment": "production", "version": "7",
  "flags": {"staff-preview": {"type": "boolean", "trackEvents": true, "variants": {"on": true, "off": false},
    "rules": [{"id": "staff", "conditions": [{"attribute": "email", "operator": "endsWith", "values": ["@acme.com"]}], "serve": {"variant": "on"}}],
    "default": {"variant": "off"}}}}`

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "privacy:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	srv := clienttest.New(clienttest.Options{})
	defer srv.Close()
	srv.AddClient("svc", "example-secret", "acme")
	srv.SetRuleset("acme", "production", []byte(ruleset))

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src, err := provider.NewRemoteSource(provider.RemoteConfig{
		Client: client.Config{BaseURL: srv.URL, TenantID: "acme", Environment: "production", ClientID: "svc", ClientSecret: "example-secret"},
	})
	if err != nil {
		return err
	}
	p, err := provider.New(provider.Config{Source: src, Logger: logger,
		Telemetry: provider.TelemetryConfig{Privacy: privacy.Policy{PrivateAttributes: []string{"phone"}}, FlushInterval: time.Hour}})
	if err != nil {
		return err
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(context.Background(), p); err != nil {
		return err
	}
	flags := api.NewClient()

	ec := openfeature.NewEvaluationContext("user-42", map[string]any{
		"email":             "ana@acme.com", // private for this context
		"phone":             "+49 30 1234",  // private for the whole provider
		"plan":              "enterprise",
		"privateAttributes": []string{"email"},
	})
	on, err := flags.BooleanValue(context.Background(), "staff-preview", false, ec)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "staff-preview for ana@acme.com: %v (targeted on the private email)\n", on)

	// An application logging the same context redacts it the same way.
	appLog := slog.New(privacy.NewHandler(slog.NewJSONHandler(&logs, nil), privacy.Policy{PrivateAttributes: []string{"phone"}}))
	appLog.Info("rendered checkout", "user", map[string]any{"targetingKey": "user-42", "email": "ana@acme.com", "phone": "+49 30 1234", "privateAttributes": []string{"email"}})

	for _, line := range bytes.Split(logs.Bytes(), []byte("\n")) {
		if bytes.Contains(line, []byte("rendered checkout")) {
			fmt.Fprintf(w, "\nthe application's log line:\n  %s\n", line[bytes.Index(line, []byte(`"msg"`)):])
		}
	}

	if err := api.Shutdown(context.Background()); err != nil { // flushes telemetry
		return err
	}
	fmt.Fprintln(w, "\nwhat the flag service received:")
	for _, b := range srv.Batches("acme") {
		for _, ev := range b.Events {
			var e map[string]any
			if err := json.Unmarshal(ev, &e); err != nil {
				return err
			}
			if e["kind"] == "evaluation" {
				out, _ := json.Marshal(e["context"])
				fmt.Fprintf(w, "  evaluation event context: %s\n", out)
			}
		}
	}
	fmt.Fprintln(w, "\ndoes any request or log line contain the private values?")
	var wire bytes.Buffer
	for _, r := range srv.Requests() {
		wire.Write(r.Body)
	}
	for _, v := range []string{"ana@acme.com", "+49 30 1234"} {
		fmt.Fprintf(w, "  %-14s sent: %-5v logged: %v\n", v, bytes.Contains(wire.Bytes(), []byte(v)), bytes.Contains(logs.Bytes(), []byte(v)))
	}
	return nil
}
