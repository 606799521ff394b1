package client

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/switchyardhq/switchyard/internal/protocol"
)

// MaxRulesetBytesLimit is the largest Config.MaxRulesetBytes accepted.
const MaxRulesetBytesLimit = 1 << 30

// Protocol defaults.
const (
	DefaultMaxRulesetBytes   = 16 << 20
	DefaultRequestTimeout    = 30 * time.Second
	DefaultStreamIdleTimeout = 90 * time.Second
	DefaultTokenPath         = protocol.TokenPath
)

// MinSecretLen is the shortest client secret or API key accepted. Error
// text is scrubbed of credentials by replacing them, which only works for
// strings too long to occur by chance.
const MinSecretLen = 8

// DefaultScopes returns the scopes requested with client credentials when
// Config.Scopes is empty: flags:read and events:write. Each call returns a
// new slice.
func DefaultScopes() []string { return []string{protocol.ScopeRead, protocol.ScopeWrite} }

// Secret is a credential (a client secret, an API key or a token). Every
// way of printing or encoding it yields "[REDACTED]", so a Config can be
// logged or marshalled safely.
type Secret string

const redacted = "[REDACTED]"

// String returns "[REDACTED]".
func (Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v does not reveal the secret either.
func (Secret) GoString() string { return `"` + redacted + `"` }

// LogValue returns "[REDACTED]" for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes "[REDACTED]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes "[REDACTED]", for encoders that prefer text.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Reveal returns the secret itself, for the code that sends it.
func (s Secret) Reveal() string { return string(s) }

// Config configures a Client. The zero value of every optional field is its
// default; New checks the rest and names the field at fault.
type Config struct {
	// BaseURL of the flag service, such as https://flags.example.com.
	// Required. Plain http:// is accepted only for loopback hosts
	// (localhost, 127.0.0.0/8, ::1).
	BaseURL string
	// TenantID is sent as X-Tenant-ID on every request. Required.
	TenantID string
	// Environment selects the ruleset. Required.
	Environment string

	// OAuth2 client credentials. Set ClientID with ClientSecret or
	// ClientSecretFunc, or set APIKey instead.
	ClientID     string
	ClientSecret Secret
	// ClientSecretFunc, when set, is called at each token fetch, so a
	// rotated secret is picked up without a restart. It must return when
	// its context ends: the context is cancelled once no request waits for
	// the token (at Shutdown, for instance). An error or a panic in it is
	// returned as ErrCredentialsFunc (the panic value is not shown) and
	// retried with backoff.
	ClientSecretFunc func(ctx context.Context) (Secret, error) `json:"-"`
	// TokenURL defaults to BaseURL + /api/v1/oauth/token.
	TokenURL string
	// Scopes default to DefaultScopes().
	Scopes []string
	// AuthStyle is how the client authenticates to the token endpoint;
	// the zero value auto-detects.
	AuthStyle oauth2.AuthStyle

	// APIKey is a static server key sent as X-API-Key, instead of OAuth2.
	APIKey Secret

	// RootCAs verifies the service's certificate; nil means the system
	// pool. Certificates are always verified and TLS 1.2 is the minimum.
	RootCAs *x509.CertPool `json:"-"`
	// DialContext, when set, opens the network connections to the service
	// and its token endpoint instead of a net.Dialer: a sidecar's Unix
	// socket, a custom resolver, or clienttest's in-memory network. TLS is
	// still negotiated over what it returns, with the rules above.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error) `json:"-"`
	// MaxRulesetBytes bounds a ruleset body; zero means 16 MiB.
	MaxRulesetBytes int64
	// RequestTimeout bounds each request except streams; zero means 30 s.
	RequestTimeout time.Duration
	// StreamIdleTimeout ends a stream that sent nothing, not even a
	// heartbeat, for this long; zero means 90 s.
	StreamIdleTimeout time.Duration
}

// check validates the configuration and fills in defaults.
func (c *Config) check() error {
	if c.BaseURL == "" {
		return errors.New("client: Config.BaseURL is empty: set the flag service URL, such as https://flags.example.com")
	}
	base, err := checkURL("BaseURL", c.BaseURL)
	if err != nil {
		return err
	}
	c.BaseURL = strings.TrimSuffix(base.String(), "/")
	if strings.TrimSpace(c.TenantID) == "" {
		return errors.New("client: Config.TenantID is empty: set the tenant the service issued your credentials for")
	}
	if strings.TrimSpace(c.Environment) == "" {
		return errors.New("client: Config.Environment is empty: set the environment whose ruleset to load, such as production")
	}
	for _, f := range []struct{ name, value string }{
		{"TenantID", c.TenantID}, {"Environment", c.Environment}, {"ClientID", c.ClientID},
		{"ClientSecret", c.ClientSecret.Reveal()}, {"APIKey", c.APIKey.Reveal()},
	} {
		if err := checkToken(f.name, f.value); err != nil {
			return err
		}
	}
	oauth := c.ClientID != "" || c.ClientSecret != "" || c.ClientSecretFunc != nil
	switch {
	case oauth && c.APIKey != "":
		return errors.New("client: Config sets both OAuth2 client credentials and APIKey: choose one")
	case !oauth && c.APIKey == "":
		return errors.New("client: Config has no credentials: set ClientID and ClientSecret (or ClientSecretFunc), or APIKey")
	case oauth && c.ClientID == "":
		return errors.New("client: Config.ClientID is empty but a client secret is set: set the OAuth2 client ID")
	case oauth && c.ClientSecret == "" && c.ClientSecretFunc == nil:
		return errors.New("client: Config.ClientSecret is empty: set it, or ClientSecretFunc for rotating secrets")
	case oauth && c.ClientSecret != "" && c.ClientSecretFunc != nil:
		return errors.New("client: Config sets both ClientSecret and ClientSecretFunc: choose one")
	}
	if n := len(c.ClientSecret); n > 0 && n < MinSecretLen {
		return fmt.Errorf("client: Config.ClientSecret is %d bytes, shorter than %d: check that it is the secret the service issued", n, MinSecretLen)
	}
	if n := len(c.APIKey); n > 0 && n < MinSecretLen {
		return fmt.Errorf("client: Config.APIKey is %d bytes, shorter than %d: check that it is the key the service issued", n, MinSecretLen)
	}
	if oauth {
		if c.TokenURL == "" {
			c.TokenURL = c.BaseURL + DefaultTokenPath
		} else if _, err := checkURL("TokenURL", c.TokenURL); err != nil {
			return err
		}
		if len(c.Scopes) == 0 {
			c.Scopes = DefaultScopes()
		}
		c.Scopes = slices.Clone(c.Scopes) // the caller's slice is not kept
		for i, scope := range c.Scopes {
			if scope == "" || strings.ContainsAny(scope, " \t\r\n\"\\") {
				return fmt.Errorf("client: Config.Scopes[%d] is %q: a scope is a non-empty word without spaces or quotes", i, scope)
			}
		}
		if c.AuthStyle < oauth2.AuthStyleAutoDetect || c.AuthStyle > oauth2.AuthStyleInHeader {
			return fmt.Errorf("client: Config.AuthStyle is %d: use oauth2.AuthStyleAutoDetect, AuthStyleInParams or AuthStyleInHeader", c.AuthStyle)
		}
	}
	switch {
	case c.MaxRulesetBytes < 0 || c.MaxRulesetBytes > MaxRulesetBytesLimit:
		return fmt.Errorf("client: Config.MaxRulesetBytes is %d: use 1 to %d bytes, or 0 for %d", c.MaxRulesetBytes, MaxRulesetBytesLimit, DefaultMaxRulesetBytes)
	case c.RequestTimeout < 0:
		return fmt.Errorf("client: Config.RequestTimeout is %v: use a positive duration, or 0 for %v", c.RequestTimeout, DefaultRequestTimeout)
	case c.StreamIdleTimeout < 0:
		return fmt.Errorf("client: Config.StreamIdleTimeout is %v: use a positive duration, or 0 for %v", c.StreamIdleTimeout, DefaultStreamIdleTimeout)
	}
	c.MaxRulesetBytes = cmp.Or(c.MaxRulesetBytes, DefaultMaxRulesetBytes)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, DefaultRequestTimeout)
	c.StreamIdleTimeout = cmp.Or(c.StreamIdleTimeout, DefaultStreamIdleTimeout)
	return nil
}

// checkToken rejects values sent in headers or paths that would fail there
// or change meaning: surrounding spaces (a secret read from a file often
// ends with a newline) and control characters. The value is never quoted.
func checkToken(field, value string) error {
	if value != strings.TrimSpace(value) {
		return fmt.Errorf("client: Config.%s starts or ends with white space (a newline from a file?): trim it", field)
	}
	if strings.IndexFunc(value, unicode.IsControl) >= 0 {
		return fmt.Errorf("client: Config.%s contains a control character: remove it", field)
	}
	return nil
}

// checkURL accepts https URLs, and http URLs whose host is loopback.
func checkURL(field, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("client: Config.%s is not an absolute URL: use https://host[:port]", field)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return nil, fmt.Errorf("client: Config.%s has a query or fragment: give only scheme, host, port and path", field)
	}
	if u.User != nil {
		return nil, fmt.Errorf("client: Config.%s must not contain credentials: use ClientID/ClientSecret or APIKey", field)
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if isLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("client: Config.%s uses plain http:// for %q: http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https://", field, u.Hostname())
	}
	return nil, fmt.Errorf("client: Config.%s has scheme %q: use https://", field, u.Scheme)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
