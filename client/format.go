package client

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// This file holds the methods that keep credentials out of every rendering
// of the types that hold them: fmt (every verb, through fmt.Formatter, so
// that even a bad verb such as %d cannot make fmt print the raw value),
// log/slog and encoding/json.

// Format writes "[REDACTED]" for every verb, quoted for %q and %#v.
func (Secret) Format(f fmt.State, verb rune) { formatSafe(f, verb, redacted) }

// formatSafe writes the safe description s of a value for verb: quoted for
// %q and %#v, otherwise as %s with the directive's width and flags. It
// never formats the value itself.
func formatSafe(f fmt.State, verb rune, s string) {
	if verb == 'q' || verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, strconv.Quote(s))
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, 's'), s)
}

// clientInfo is what the client shows of itself: where it connects and how
// it authenticates, never the credentials.
type clientInfo struct {
	BaseURL     string `json:"baseURL"`
	TenantID    string `json:"tenantId"`
	Environment string `json:"environment"`
	Auth        string `json:"auth"` // "client credentials" or "api key"
	ClientID    string `json:"clientId,omitempty"`
}

func (c *Client) info() clientInfo {
	i := clientInfo{BaseURL: c.cfg.BaseURL, TenantID: c.cfg.TenantID, Environment: c.cfg.Environment, Auth: "api key"}
	if c.tokens != nil {
		i.Auth, i.ClientID = "client credentials", c.cfg.ClientID
	}
	return i
}

// String describes the client by where it connects and how it
// authenticates, never by its credentials.
func (c *Client) String() string {
	i := c.info()
	auth := i.Auth
	if i.ClientID != "" {
		auth += " for " + strconv.Quote(i.ClientID)
	}
	return fmt.Sprintf("client.Client{%s tenant %q environment %q, %s}", i.BaseURL, i.TenantID, i.Environment, auth)
}

// GoString is String, so %#v does not reveal the credentials either.
func (c *Client) GoString() string { return c.String() }

// Format writes String for every verb (quoted for %q), so no verb reaches
// the unexported configuration or the cached token.
func (c *Client) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, c.String())
		return
	}
	formatSafe(f, verb, c.String())
}

// LogValue logs the client as its endpoint, tenant, environment and kind of
// authentication.
func (c *Client) LogValue() slog.Value {
	i := c.info()
	attrs := []slog.Attr{slog.String("baseURL", i.BaseURL), slog.String("tenant", i.TenantID), slog.String("environment", i.Environment), slog.String("auth", i.Auth)}
	if i.ClientID != "" {
		attrs = append(attrs, slog.String("clientId", i.ClientID))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes what LogValue logs.
func (c *Client) MarshalJSON() ([]byte, error) { return json.Marshal(c.info()) }
