package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// This file keeps credentials out of every rendering of the provider's
// types that hold them. RemoteSource keeps its configuration and client in
// unexported fields, which fmt prints raw without calling their methods, so
// it and Provider describe themselves instead: fmt through fmt.Formatter
// (every verb, even a bad one such as %d), log/slog through LogValue and
// encoding/json through MarshalJSON. RemoteConfig and Config hold
// credentials only in exported fields whose types redact themselves
// (client.Secret, client.Config, a Source), so they need nothing here.

// formatSafe writes the safe description s for verb: quoted for %q,
// otherwise as %s with the directive's width and flags.
func formatSafe(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		_, _ = io.WriteString(f, strconv.Quote(s))
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, 's'), s)
}

// String describes the source by its service, tenant, environment and kind
// of authentication, never by its credentials.
func (s *RemoteSource) String() string {
	if s == nil || s.client == nil {
		return "provider.RemoteSource{not built by NewRemoteSource}"
	}
	return "provider.RemoteSource{" + s.client.String() + "}"
}

// GoString is String, so %#v does not reveal the credentials either.
func (s *RemoteSource) GoString() string { return s.String() }

// Format writes String for every verb (quoted for %q).
func (s *RemoteSource) Format(f fmt.State, verb rune) { formatSafe(f, verb, s.String()) }

// LogValue logs the source's kind and its client (service, tenant,
// environment, kind of authentication).
func (s *RemoteSource) LogValue() slog.Value {
	if s == nil || s.client == nil {
		return slog.GroupValue(slog.String("source", "remote"), slog.Bool("built", false))
	}
	return slog.GroupValue(slog.String("source", "remote"), slog.Any("client", s.client))
}

// MarshalJSON encodes what LogValue logs.
func (s *RemoteSource) MarshalJSON() ([]byte, error) {
	if s == nil || s.client == nil {
		return []byte(`{"source":"remote","built":false}`), nil
	}
	return json.Marshal(struct {
		Source string `json:"source"`
		Client any    `json:"client"`
	}{"remote", s.client})
}

// describe is how the provider shows its source: the source's own String
// when it has one (every source of this module redacts itself), otherwise
// only its type.
func describe(src Source) string {
	if s, ok := src.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", src)
}

// String describes the provider by its name and source, never by a
// source's credentials.
func (p *Provider) String() string {
	if p == nil {
		return "provider.Provider(nil)"
	}
	return fmt.Sprintf("provider.Provider{%q, source %s}", p.name, describe(p.source))
}

// GoString is String, so %#v does not reveal the credentials either.
func (p *Provider) GoString() string { return p.String() }

// Format writes String for every verb (quoted for %q).
func (p *Provider) Format(f fmt.State, verb rune) { formatSafe(f, verb, p.String()) }

// LogValue logs the provider's name and its source as described by String.
func (p *Provider) LogValue() slog.Value {
	if p == nil {
		return slog.StringValue(p.String())
	}
	return slog.GroupValue(slog.String("name", p.name), slog.String("source", describe(p.source)))
}

// MarshalJSON encodes what LogValue logs.
func (p *Provider) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Name   string `json:"name"`
		Source string `json:"source"`
	}{p.name, describe(p.source)})
}
