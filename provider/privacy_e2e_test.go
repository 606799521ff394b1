package provider_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/privacy"
	"github.com/switchyardhq/switchyard/provider"
)

// privateDoc targets on attributes the contexts below mark private.
const privateDoc = `{"schemaVersion": 1, "tenantId": "acme", "environment": "production", "version": "p1",
  "flags": {
    "staff-banner": {"type": "boolean", "trackEvents": true, "variants": {"on": true, "off": false},
      "rules": [{"id": "staff", "conditions": [{"attribute": "email", "operator": "endsWith", "values": ["@acme-secret-corp.com"]}], "serve": {"variant": "on"}}],
      "default": {"variant": "off"}},
    "local-offer": {"type": "string", "variants": {"none": "none", "zip": "zip-offer"},
      "rules": [{"id": "zip", "trackEvents": true, "conditions": [{"attribute": "/address/zip", "operator": "in", "values": ["10115-PRIVATE"]}], "serve": {"variant": "zip"}}],
      "default": {"variant": "none"}},
    "phone-beta": {"type": "boolean", "trackEvents": true, "variants": {"on": true, "off": false},
      "rules": [{"conditions": [{"attribute": "phone", "operator": "startsWith", "values": ["+49-PRIVATE"]}], "serve": {"variant": "on"}}],
      "default": {"variant": "off"}}
  }}`

// TestPrivateValuesNeverLeaveTheProcess evaluates and tracks through the
// OpenFeature client against the flag-service test double, with private
// top-level and nested attributes, provider-wide private attributes and an
// anonymous context; targeting on the private values works, and then every
// byte the service received and every log line the library wrote is
// scanned for private values and credentials.
func TestPrivateValuesNeverLeaveTheProcess(t *testing.T) {
	srv := clienttest.New(clienttest.Options{HeartbeatInterval: 20 * time.Millisecond})
	defer srv.Close()
	const clientSecret = "e2e-client-secret-XYZ"
	srv.AddClient("svc", clientSecret, "acme")
	srv.SetRuleset("acme", "production", []byte(privateDoc))

	logs := &lockedWriter{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src, err := provider.NewRemoteSource(provider.RemoteConfig{
		Client: client.Config{BaseURL: srv.URL, TenantID: "acme", Environment: "production", ClientID: "svc", ClientSecret: clientSecret},
	})
	require.NoError(t, err)
	p, err := provider.New(provider.Config{Source: src, Logger: logger, Telemetry: provider.TelemetryConfig{
		Privacy: privacy.Policy{PrivateAttributes: []string{"phone"}}, FlushInterval: 50 * time.Millisecond,
	}})
	require.NoError(t, err)
	api := isolated.NewAPI()
	require.NoError(t, api.SetProviderAndWait(context.Background(), p))
	c := api.NewClient()
	ctx := context.Background()

	private := []string{"ana@acme-secret-corp.com", "10115-PRIVATE", "Geheimweg 7", "+49-PRIVATE-555", "anon-device-1234", "anon@acme-secret-corp.com"}
	marked := openfeature.NewEvaluationContext("user-1", map[string]any{
		"email":             "ana@acme-secret-corp.com",
		"address":           map[string]any{"zip": "10115-PRIVATE", "street": "Geheimweg 7", "city": "Berlin"},
		"phone":             "+49-PRIVATE-555",
		"plan":              "pro",
		"privateAttributes": []string{"email", "/address/zip", "/address/street"},
	})
	anonymous := openfeature.NewEvaluationContext("anon-device-1234", map[string]any{
		"anonymous": true, "email": "anon@acme-secret-corp.com",
	})

	on, err := c.BooleanValue(ctx, "staff-banner", false, marked)
	require.NoError(t, err)
	assert.True(t, on, "targeting on a private top-level attribute works")
	offer, err := c.StringValue(ctx, "local-offer", "", marked)
	require.NoError(t, err)
	assert.Equal(t, "zip-offer", offer, "targeting on a private nested attribute works")
	beta, err := c.BooleanValue(ctx, "phone-beta", false, marked)
	require.NoError(t, err)
	assert.True(t, beta, "targeting on a provider-wide private attribute works")
	on, err = c.BooleanValue(ctx, "staff-banner", false, anonymous)
	require.NoError(t, err)
	assert.True(t, on, "anonymous contexts are evaluated with their attributes")
	c.Track(ctx, "checkout", marked, openfeature.NewTrackingEventDetails(19.99).Add("email", "ana@acme-secret-corp.com").Add("items", 3))
	c.Track(ctx, "checkout", anonymous, openfeature.NewTrackingEventDetails(5))

	require.NoError(t, api.Shutdown(context.Background())) // flushes telemetry

	// What the service received.
	batches := srv.Batches("acme")
	require.NotEmpty(t, batches, "telemetry reached the service")
	var kinds = map[string]int{}
	var anonymousContexts int
	for _, b := range batches {
		for _, raw := range b.Events {
			var ev map[string]any
			require.NoError(t, json.Unmarshal(raw, &ev))
			kinds[ev["kind"].(string)]++
			if ctxForm, ok := ev["context"].(map[string]any); ok && ctxForm["anonymous"] == true {
				assert.Equal(t, map[string]any{"anonymous": true}, ctxForm)
				anonymousContexts++
			}
		}
	}
	assert.Equal(t, 4, kinds["evaluation"], "trackEvents flags and rules sent full events")
	assert.Equal(t, 2, kinds["track"])
	assert.GreaterOrEqual(t, kinds["summary"], 1)
	assert.Equal(t, 2, anonymousContexts)

	var wire strings.Builder
	var token string
	for _, r := range srv.Requests() {
		wire.WriteString(r.Method + " " + r.Path + "\n")
		for k, vs := range r.Header {
			for _, v := range vs {
				wire.WriteString(k + ": " + v + "\n")
				if k == "Authorization" {
					token = strings.TrimPrefix(v, "Bearer ")
				}
			}
		}
		wire.Write(r.Body)
	}
	require.NotEmpty(t, token)
	for _, v := range private {
		assert.NotContains(t, wire.String(), v, "a private value was sent to the service")
		assert.NotContains(t, logs.String(), v, "a private value was logged")
	}
	assert.NotContains(t, wire.String(), "privateAttributes", "the private list itself is never sent")
	assert.NotContains(t, logs.String(), clientSecret)
	assert.NotContains(t, logs.String(), token)
	for _, b := range batches {
		assert.NotContains(t, string(b.Body), clientSecret)
		assert.NotContains(t, string(b.Body), token)
	}
	for _, r := range srv.Requests() {
		assert.Equal(t, "acme", r.Header.Get("X-Tenant-ID"))
	}
}
