package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{BaseURL: "https://flags.example.com", TenantID: "acme", Environment: "production", ClientID: "svc", ClientSecret: "s3cr3t-value"}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no base URL", func(c *Config) { c.BaseURL = "" }, "Config.BaseURL is empty"},
		{"plain http to a remote host", func(c *Config) { c.BaseURL = "http://flags.example.com" }, "http is allowed only for loopback hosts"},
		{"plain http to a private address", func(c *Config) { c.BaseURL = "http://10.0.0.7:8080" }, "http is allowed only for loopback hosts"},
		{"other scheme", func(c *Config) { c.BaseURL = "ftp://flags.example.com" }, `scheme "ftp"`},
		{"relative URL", func(c *Config) { c.BaseURL = "flags.example.com" }, "not an absolute URL"},
		{"credentials in the URL", func(c *Config) { c.BaseURL = "https://u:pw@flags.example.com" }, "must not contain credentials"},
		{"plain http token URL", func(c *Config) { c.TokenURL = "http://auth.example.com/token" }, "Config.TokenURL uses plain http://"},
		{"no tenant", func(c *Config) { c.TenantID = " " }, "Config.TenantID is empty"},
		{"no environment", func(c *Config) { c.Environment = "" }, "Config.Environment is empty"},
		{"no credentials", func(c *Config) { c.ClientID, c.ClientSecret = "", "" }, "no credentials"},
		{"both kinds", func(c *Config) { c.APIKey = "api-key-value" }, "both OAuth2 client credentials and APIKey"},
		{"secret without id", func(c *Config) { c.ClientID = "" }, "Config.ClientID is empty"},
		{"id without secret", func(c *Config) { c.ClientSecret = "" }, "Config.ClientSecret is empty"},
		{"negative limit", func(c *Config) { c.MaxRulesetBytes = -1 }, "Config.MaxRulesetBytes is -1: use 1 to"},
		{"limit that would overflow", func(c *Config) { c.MaxRulesetBytes = 1 << 62 }, "Config.MaxRulesetBytes is 4611686018427387904"},
		{"negative request timeout", func(c *Config) { c.RequestTimeout = -time.Second }, "Config.RequestTimeout is -1s"},
		{"negative idle timeout", func(c *Config) { c.StreamIdleTimeout = -time.Second }, "Config.StreamIdleTimeout is -1s"},
		{"query in the base URL", func(c *Config) { c.BaseURL = "https://flags.example.com?a=1" }, "Config.BaseURL has a query or fragment"},
		{"fragment in the token URL", func(c *Config) { c.TokenURL = "https://auth.example.com/token#x" }, "Config.TokenURL has a query or fragment"},
		{"secret read with its newline", func(c *Config) { c.ClientSecret += "\n" }, "Config.ClientSecret starts or ends with white space"},
		{"control character in the tenant", func(c *Config) { c.TenantID = "acme\x00" }, "Config.TenantID contains a control character"},
		{"newline inside the API key", func(c *Config) { c.ClientID, c.ClientSecret, c.APIKey = "", "", "api\nkey-value" }, "Config.APIKey contains a control character"},
		{"short secret", func(c *Config) { c.ClientSecret = "abc" }, "Config.ClientSecret is 3 bytes, shorter than 8"},
		{"secret and secret function", func(c *Config) {
			c.ClientSecretFunc = func(context.Context) (Secret, error) { return "", nil }
		}, "both ClientSecret and ClientSecretFunc"},
		{"empty scope", func(c *Config) { c.Scopes = []string{"flags:read", ""} }, `Config.Scopes[1] is ""`},
		{"unknown auth style", func(c *Config) { c.AuthStyle = 7 }, "Config.AuthStyle is 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.change(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New() error = %v, want one containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), "s3cr3t-value") || strings.Contains(err.Error(), "pw@") {
				t.Fatalf("New() error %q reveals a credential", err)
			}
		})
	}
}

// TestConfigKeepsNoCallerSlices: Scopes is copied, so changing the
// caller's slice, or a client's own, after New changes no other.
func TestConfigKeepsNoCallerSlices(t *testing.T) {
	cfg := validConfig()
	scopes := []string{"flags:read"}
	cfg.Scopes = scopes
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	scopes[0] = "admin"
	if got := c.tokens.conf.Scopes; len(got) != 1 || got[0] != "flags:read" {
		t.Errorf("after changing the caller's slice, Scopes = %v, want [flags:read]", got)
	}
	d, err := New(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	d.tokens.conf.Scopes[0] = "changed"
	if got := DefaultScopes(); got[0] != "flags:read" {
		t.Errorf("DefaultScopes()[0] = %q after a client changed its copy", got[0])
	}
}

func TestLoopbackHTTPIsAllowed(t *testing.T) {
	for _, base := range []string{"http://localhost:8080", "http://127.0.0.1:1234", "http://127.9.9.9", "http://[::1]:99", "https://flags.example.com/"} {
		cfg := validConfig()
		cfg.BaseURL = base
		c, err := New(cfg)
		if err != nil {
			t.Errorf("New(BaseURL %q) = %v, want it accepted", base, err)
			continue
		}
		if strings.HasSuffix(c.cfg.BaseURL, "/") {
			t.Errorf("BaseURL %q keeps a trailing slash", c.cfg.BaseURL)
		}
		if c.cfg.TokenURL != c.cfg.BaseURL+DefaultTokenPath {
			t.Errorf("TokenURL = %q, want the default under the base URL", c.cfg.TokenURL)
		}
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	cfg := validConfig()
	cfg.APIKey = "api-key-value"
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("config", "cfg", cfg, "secret", cfg.ClientSecret, "key", cfg.APIKey)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprint(cfg.ClientSecret), fmt.Sprintf("%v %+v %#v %s %q", cfg, cfg, cfg, cfg.APIKey, cfg.APIKey),
		string(js), logs.String(),
	} {
		if strings.Contains(out, "s3cr3t-value") || strings.Contains(out, "api-key-value") {
			t.Errorf("a secret leaked: %s", out)
		}
		if !strings.Contains(out, "[REDACTED]") {
			t.Errorf("output does not show the redaction marker: %s", out)
		}
	}
	if cfg.ClientSecret.Reveal() != "s3cr3t-value" {
		t.Error("Reveal must return the secret itself")
	}
}

func TestExcerptRedactsAndBounds(t *testing.T) {
	body := []byte(strings.Repeat("é", 400) + " token abcdef123 and the secret s3cr3t-value")
	got := excerpt(body, "s3cr3t-value", "abcdef123", "")
	if strings.Contains(got, "s3cr3t-value") || strings.Contains(got, "abcdef123") {
		t.Errorf("excerpt leaks a secret: %q", got)
	}
	if len(got) > maxBodyExcerpt+len("…") {
		t.Errorf("excerpt is %d bytes, want at most %d", len(got), maxBodyExcerpt)
	}
	if !strings.HasSuffix(got, "…") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("excerpt was not cut cleanly at a character boundary: %q", got[len(got)-10:])
	}
}
