package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/switchyardhq/switchyard/internal/protocol"
	"github.com/switchyardhq/switchyard/internal/version"
)

// MaxEventBatchBytes is the largest event upload the service accepts.
const MaxEventBatchBytes = 1 << 20

// Client talks to the flag service for one (tenant, environment). It is
// safe for concurrent use and every method honours its context. Its only
// goroutine of its own is a token fetch, which runs while some call waits
// for a token and is cancelled when none does; Close waits for it and
// closes the idle connections.
type Client struct {
	cfg    Config
	http   *http.Client
	tokens *tokenSource // nil with an API key
}

// New checks cfg and returns a Client. A bad configuration fails here with
// an error naming the field; nothing is sent until a method is called.
func New(cfg Config) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DialContext:           cfg.DialContext,
	}
	c := &Client{
		cfg:  cfg,
		http: &http.Client{Transport: &headerTransport{base: base, tenant: cfg.TenantID}},
	}
	// Redirects could carry credentials to another host; the service
	// protocol has none.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if cfg.ClientID != "" {
		c.tokens = &tokenSource{
			conf: clientcredentials.Config{
				ClientID:     cfg.ClientID,
				ClientSecret: cfg.ClientSecret.Reveal(),
				TokenURL:     cfg.TokenURL,
				Scopes:       cfg.Scopes,
				AuthStyle:    cfg.AuthStyle,
			},
			secretFunc: cfg.ClientSecretFunc,
			httpClient: c.http,
			now:        time.Now,
		}
	}
	return c, nil
}

// TenantID returns the configured tenant.
func (c *Client) TenantID() string { return c.cfg.TenantID }

// Environment returns the configured environment.
func (c *Client) Environment() string { return c.cfg.Environment }

// headerTransport adds the tenant and SDK headers to every request, token
// requests included.
type headerTransport struct {
	base   http.RoundTripper
	tenant string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set(protocol.HeaderTenant, t.tenant)
	r.Header.Set("User-Agent", version.UserAgent())
	r.Header.Set("X-SDK-Language", "go")
	r.Header.Set("X-SDK-Version", version.Version)
	return t.base.RoundTrip(r)
}

// CloseIdleConnections passes the call on to the base transport, which
// http.Client.CloseIdleConnections could not reach through a wrapper.
func (t *headerTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// requestID returns the service's request ID, or "" when it sent none or
// one that serviceString drops (not visible ASCII, too long, or holding a
// credential).
func (c *Client) requestID(h http.Header) string {
	id, _ := serviceRequestID(h, c.secrets()...)
	return id
}

// Redact returns text with every credential the client holds (the client
// secret in each form it is sent in, the API key, access tokens) replaced
// by [REDACTED]. The provider passes text derived from responses through
// it, such as a validation message that quotes a field name, before it
// reaches an error, a log line or an event.
func (c *Client) Redact(text string) string {
	for _, secret := range c.secrets() {
		if len(secret) >= MinSecretLen {
			text = strings.ReplaceAll(text, secret, redacted)
		}
	}
	return text
}

// secrets lists the credentials to redact from error text.
func (c *Client) secrets() []string {
	out := secretForms(c.cfg.APIKey.Reveal())
	if c.tokens != nil {
		out = append(out, c.tokens.secrets()...)
	}
	return out
}

func (c *Client) endpoint(stream bool) string {
	if stream {
		return c.cfg.BaseURL + protocol.StreamPath(c.cfg.Environment)
	}
	return c.cfg.BaseURL + protocol.RulesetPath(c.cfg.Environment)
}

// do sends the request built by build with credentials. A 401 to a cached
// OAuth2 token drops the token, fetches a new one and retries once; a 401
// to a token fetched for this call is returned at once,
// as a StatusError matching ErrInvalidCredentials.
func (c *Client) do(ctx context.Context, op string, build func(context.Context) (*http.Request, error)) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, err := build(ctx)
		if err != nil {
			return nil, fmt.Errorf("client: %s: %w", op, err)
		}
		var access string
		fresh := false
		if c.tokens != nil {
			if access, fresh, err = c.tokens.token(ctx); err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+access)
		} else {
			req.Header.Set("X-API-Key", c.cfg.APIKey.Reveal())
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, &redactedError{msg: "client: " + op + ": " + excerpt([]byte(err.Error()), c.secrets()...), err: err}
		}
		if resp.StatusCode == http.StatusUnauthorized && c.tokens != nil {
			c.tokens.invalidate(access)
			if attempt == 0 && !fresh { // a cached token may have been revoked: one retry with a new one
				drain(resp)
				continue
			}
		}
		return resp, nil
	}
}

// statusError reads a short excerpt of an unexpected response and closes
// it.
func (c *Client) statusError(op string, resp *http.Response) error {
	defer resp.Body.Close()
	const limit = 4 * maxBodyExcerpt
	body, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	// Redact what this client holds now and what the request carried: a
	// token may have been replaced while the request was in flight.
	secrets := c.secrets()
	if resp.Request != nil {
		secrets = append(secrets, strings.TrimPrefix(resp.Request.Header.Get("Authorization"), "Bearer "), resp.Request.Header.Get("X-API-Key"))
	}
	return &StatusError{
		Op:         op,
		StatusCode: resp.StatusCode,
		RequestID:  c.requestID(resp.Header),
		Body:       excerptCut(body, len(body) == limit, secrets...),
		RetryAfter: resp.Header.Get("Retry-After"),
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// Document is a ruleset document as the service sent it, with the response
// details the next request needs. Parse Data with package evaluator.
type Document struct {
	// Data is the document; nil when NotModified.
	Data []byte
	// ETag identifies this version, for the next conditional fetch. It is
	// empty when the service sent none, or one that is not 1 to 256 bytes
	// of visible ASCII (such a value is dropped rather than sent back).
	ETag string
	// InvalidETag reports that the service sent an ETag that was dropped.
	InvalidETag bool
	// NotModified reports a 304: the document is unchanged.
	NotModified bool
	// RequestID is the service's request ID, for logs.
	RequestID string
}

// FetchRuleset fetches the environment's ruleset. With a non-empty etag the
// request is conditional and an unchanged ruleset answers NotModified. A
// body larger than Config.MaxRulesetBytes fails with ErrTooLarge; other
// statuses fail with a *StatusError.
func (c *Client) FetchRuleset(ctx context.Context, etag string) (*Document, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	const op = "fetch ruleset"
	resp, err := c.do(ctx, op, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(false), nil)
		if err == nil {
			req.Header.Set("Accept", "application/json")
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
		}
		return req, err
	})
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusNotModified:
		drain(resp)
		return &Document{NotModified: true, ETag: etag, RequestID: c.requestID(resp.Header)}, nil
	case http.StatusOK:
	default:
		return nil, c.statusError(op, resp)
	}
	defer resp.Body.Close()
	if resp.ContentLength > c.cfg.MaxRulesetBytes {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds the %d-byte limit (Config.MaxRulesetBytes), request ID %s", ErrTooLarge, resp.ContentLength, c.cfg.MaxRulesetBytes, c.requestID(resp.Header))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxRulesetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("client: %s: reading the body: %w", op, err)
	}
	if int64(len(data)) > c.cfg.MaxRulesetBytes {
		return nil, fmt.Errorf("%w: the body exceeds the %d-byte limit (Config.MaxRulesetBytes), request ID %s", ErrTooLarge, c.cfg.MaxRulesetBytes, c.requestID(resp.Header))
	}
	rs := &Document{Data: data, RequestID: c.requestID(resp.Header)}
	var ok bool
	if rs.ETag, ok = serviceString(resp.Header.Get("ETag"), c.secrets()...); !ok {
		rs.InvalidETag = true // unfit to send back as If-None-Match
	}
	return rs, nil
}

// PostEvents uploads one batch of telemetry events (a JSON body of at most
// 1 MiB) with its Idempotency-Key; retries of the same batch must reuse the
// key. Any 2xx is success; other statuses fail with a *StatusError.
func (c *Client) PostEvents(ctx context.Context, body []byte, idempotencyKey string) error {
	if len(body) > MaxEventBatchBytes {
		return fmt.Errorf("client: post events: the batch is %d bytes; the service accepts at most %d", len(body), MaxEventBatchBytes)
	}
	if idempotencyKey == "" {
		return errors.New("client: post events: idempotencyKey is empty: give each batch a unique key")
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	const op = "post events"
	resp, err := c.do(ctx, op, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+protocol.EventsPath, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", idempotencyKey)
		}
		return req, err
	})
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return c.statusError(op, resp)
	}
	drain(resp)
	return nil
}

// Close waits for a token fetch in flight to return (it is cancelled once
// no call waits for it, so this is prompt unless a ClientSecretFunc ignores
// its context), then closes the idle connections: afterwards none of the
// client's or net/http's goroutines is left. The client stays usable; a
// later call starts afresh.
func (c *Client) Close() {
	if c.tokens != nil {
		c.tokens.wait()
	}
	c.CloseIdleConnections()
}

// CloseIdleConnections closes the idle keep-alive connections of the
// transport the client owns, so none of net/http's goroutines outlives the
// code that used the client. Requests in flight are not affected; the
// client stays usable.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }
