package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/provider"
)

// Long, distinctive credentials: finding one in an output cannot be chance.
const (
	printSecret        = "sk-switchyard-STATIC-CLIENT-SECRET-4d9f2a7e1c"
	printRotatedSecret = "sk-switchyard-ROTATED-CLIENT-SECRET-8b1c3e5f0a"
	printAPIKey        = "ak-switchyard-STATIC-API-KEY-6e2a9d4c7b"
)

// renderings are every way a value can leave the process as text: fmt
// verbs with and without flags, slog's text and JSON handlers (as an
// attribute, inside a group and through With) and encoding/json (alone and
// nested).
var renderings = []struct {
	name   string
	render func(v any) string
}{
	{"%v", sprintf("%v")},
	{"%+v", sprintf("%+v")},
	{"%#v", sprintf("%#v")},
	{"%s", sprintf("%s")},
	{"%q", sprintf("%q")},
	{"%x", sprintf("%x")},
	{"%X", sprintf("%X")},
	{"% x", sprintf("% x")},
	{"%d", sprintf("%d")}, // a bad verb: fmt prints the raw value unless a Formatter intervenes
	{"%t", sprintf("%t")},
	{"%60.50s", sprintf("%60.50s")},
	{"%-80v", sprintf("%-80v")},
	{"%+#v in a struct", func(v any) string { return fmt.Sprintf("%+#v", struct{ V any }{v}) }},
	{"%v in a slice", func(v any) string { return fmt.Sprintf("%v", []any{v}) }},
	{"%v in a map", func(v any) string { return fmt.Sprintf("%v", map[string]any{"v": v}) }},
	{"Print", func(v any) string { return fmt.Sprint(v) }},
	{"slog text", logText(func(l *slog.Logger, v any) { l.Info("m", "v", v) })},
	{"slog text group", logText(func(l *slog.Logger, v any) { l.Info("m", slog.Group("g", slog.Any("v", v))) })},
	{"slog text With", logText(func(l *slog.Logger, v any) { l.With("v", v).WithGroup("g").Info("m", "w", v) })},
	{"slog JSON", logJSON(func(l *slog.Logger, v any) { l.Info("m", "v", v) })},
	{"slog JSON group", logJSON(func(l *slog.Logger, v any) { l.Info("m", slog.Group("g", slog.Any("v", v))) })},
	{"slog JSON With", logJSON(func(l *slog.Logger, v any) { l.With("v", v).WithGroup("g").Info("m", "w", v) })},
	{"json", func(v any) string { b, err := json.Marshal(v); return string(b) + errText(err) }},
	{"json nested", func(v any) string {
		b, err := json.Marshal(map[string]any{"v": []any{v}})
		return string(b) + errText(err)
	}},
}

func sprintf(format string) func(any) string {
	return func(v any) string { return fmt.Sprintf(format, v) }
}

func logText(log func(*slog.Logger, any)) func(any) string {
	return func(v any) string {
		var buf bytes.Buffer
		log(slog.New(slog.NewTextHandler(&buf, nil)), v)
		return buf.String()
	}
}

func logJSON(log func(*slog.Logger, any)) func(any) string {
	return func(v any) string {
		var buf bytes.Buffer
		log(slog.New(slog.NewJSONHandler(&buf, nil)), v)
		return buf.String()
	}
}

func errText(err error) string {
	if err != nil {
		return " error: " + err.Error()
	}
	return ""
}

// TestCredentialsNeverPrint renders every type that holds credentials in
// every way in renderings and scans the output for the client secrets
// (static, and the one a ClientSecretFunc returned, which the client
// caches), the API key and the access tokens the service issued.
func TestCredentialsNeverPrint(t *testing.T) {
	srv := clienttest.New(clienttest.Options{})
	t.Cleanup(srv.Close)
	srv.AddClient("svc", printSecret, tenant, "flags:read", "events:write")
	srv.AddClient("rotating", printRotatedSecret, tenant, "flags:read", "events:write")
	srv.AddAPIKey(printAPIKey, tenant)
	srv.SetRuleset(tenant, env, remoteDoc("1", "red"))

	base := client.Config{BaseURL: srv.URL, TenantID: tenant, Environment: env}
	static, rotating, keyed := base, base, base
	static.ClientID, static.ClientSecret = "svc", printSecret
	rotating.ClientID = "rotating"
	rotating.ClientSecretFunc = func(context.Context) (client.Secret, error) { return printRotatedSecret, nil }
	keyed.APIKey = printAPIKey

	ctx := context.Background()
	values := map[string]any{
		"client.Secret":             client.Secret(printSecret),
		"*client.Secret":            new(client.Secret(printSecret)),
		"client.Config secret":      static,
		"client.Config secret func": rotating,
		"client.Config API key":     keyed,
		"*client.Config":            &static,
	}
	for name, cfg := range map[string]client.Config{"secret": static, "secret func": rotating, "API key": keyed} {
		c, err := client.New(cfg)
		require.NoError(t, err)
		_, err = c.FetchRuleset(ctx, "") // caches the token (and the secret the func returned)
		require.NoError(t, err)
		values["*client.Client "+name] = c

		rc := provider.RemoteConfig{Client: cfg, DisableStreaming: true}
		quiet := slog.New(slog.DiscardHandler)
		values["provider.RemoteConfig "+name] = rc
		src, err := provider.NewRemoteSource(rc)
		require.NoError(t, err)
		p, err := provider.New(provider.Config{Source: src, Logger: quiet})
		require.NoError(t, err)
		initDirect(t, p) // the source's own client fetches and caches a token
		values["*provider.RemoteSource "+name] = src
		values["*provider.Provider "+name] = p
		values["provider.Config "+name] = provider.Config{Source: src, Logger: quiet}
	}

	secrets := []string{printSecret, printRotatedSecret, printAPIKey}
	for _, r := range srv.Requests() {
		if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
			secrets = append(secrets, strings.TrimPrefix(auth, "Bearer "))
		}
	}
	require.Greater(t, len(secrets), 4, "tokens were issued to both OAuth2 clients")

	for name, v := range values {
		for _, r := range renderings {
			out := r.render(v)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s rendered with %s shows a credential (%.12s...):\n%s", name, r.name, s, out)
				}
			}
			// The forms a secret travels in are covered by the
			// client's redaction tests; here its hex form matters too.
			for _, s := range secrets[:3] {
				if strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", s)) {
					t.Errorf("%s rendered with %s shows a credential in hex:\n%s", name, r.name, out)
				}
			}
		}
	}
}
