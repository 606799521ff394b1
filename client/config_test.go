package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
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
		{"both kinds", func(c *Config) { c.APIKey = "k" }, "both OAuth2 client credentials and APIKey"},
		{"secret without id", func(c *Config) { c.ClientID = "" }, "Config.ClientID is empty"},
		{"id without secret", func(c *Config) { c.ClientSecret = "" }, "Config.ClientSecret is empty"},
		{"negative limit", func(c *Config) { c.MaxRulesetBytes = -1 }, "must not be negative"},
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
