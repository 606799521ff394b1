package client_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/internal/leakcheck"
	"github.com/switchyardhq/switchyard/internal/version"
)

// The tenant, environment and credentials every test registers. The
// credentials are long enough to be redacted and distinctive enough to be
// found in any text that leaks them.
const (
	tenant   = "acme"
	env      = "production"
	clientID = "svc-flags"
	secret   = "sk-live-0123456789abcdefSECRET"
	apiKey   = "ak-live-fedcba9876543210APIKEY"
)

const eventBatch = `{"events":[{"kind":"evaluation","flag":"dark-mode"}]}`

// newServer starts a test double with the client and API key above
// registered for tenant, and a ruleset for env. The server is closed when
// the test ends.
func newServer(t *testing.T, opts clienttest.Options) (*clienttest.Server, []byte) {
	t.Helper()
	srv := clienttest.New(opts)
	t.Cleanup(srv.Close)
	srv.AddClient(clientID, secret, tenant)
	srv.AddAPIKey(apiKey, tenant)
	doc := clienttest.BooleanRuleset(tenant, env, "v1", map[string]bool{"dark-mode": true})
	srv.SetRuleset(tenant, env, doc)
	return srv, doc
}

// newClient returns a client of srv with OAuth2 client credentials, changed
// by the given options.
func newClient(t *testing.T, srv *clienttest.Server, opts ...func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		BaseURL:      srv.URL,
		TenantID:     tenant,
		Environment:  env,
		ClientID:     clientID,
		ClientSecret: secret,
		RootCAs:      srv.RootCAs(),
		DialContext:  srv.Dial, // the server's listener, a socket or in memory
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := client.New(cfg)
	require.NoError(t, err, "client.New")
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// withAPIKey switches a configuration from OAuth2 to the API key.
func withAPIKey(cfg *client.Config) {
	cfg.ClientID, cfg.ClientSecret, cfg.APIKey = "", "", apiKey
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// requestsTo returns the recorded requests to the endpoint ep.
func requestsTo(srv *clienttest.Server, ep clienttest.Endpoint) []clienttest.Request {
	var out []clienttest.Request
	for _, r := range srv.Requests() {
		if r.Endpoint == ep {
			out = append(out, r)
		}
	}
	return out
}

func count(srv *clienttest.Server, ep clienttest.Endpoint) int { return len(requestsTo(srv, ep)) }

// bearer returns the access token a recorded request carried.
func bearer(t *testing.T, r clienttest.Request) string {
	t.Helper()
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	require.True(t, ok, "request %s %s has no bearer token: %q", r.Method, r.Path, r.Header.Get("Authorization"))
	require.NotEmpty(t, tok)
	return tok
}

// tokenForm parses the form of a recorded token request.
func tokenForm(t *testing.T, r clienttest.Request) url.Values {
	t.Helper()
	form, err := url.ParseQuery(string(r.Body))
	require.NoError(t, err, "token request body %q", r.Body)
	return form
}

// basicAuth returns the HTTP Basic credentials of a recorded request, form
// decoded as RFC 6749 section 2.3.1 requires.
func basicAuth(t *testing.T, r clienttest.Request) (id, pw string, ok bool) {
	t.Helper()
	id, pw, ok = (&http.Request{Header: r.Header}).BasicAuth()
	if !ok {
		return "", "", false
	}
	id, err := url.QueryUnescape(id)
	require.NoError(t, err)
	pw, err = url.QueryUnescape(pw)
	require.NoError(t, err)
	return id, pw, true
}

// statusError asserts err is a *client.StatusError and returns it.
func statusError(t *testing.T, err error) *client.StatusError {
	t.Helper()
	require.Error(t, err)
	var se *client.StatusError
	require.True(t, errors.As(err, &se), "error %v (%T) is not a *client.StatusError", err, err)
	return se
}

// assertNoCredentials asserts that text shows none of the credentials.
func assertNoCredentials(t *testing.T, text string, creds ...string) {
	t.Helper()
	for _, c := range append([]string{secret, apiKey}, creds...) {
		assert.NotContains(t, text, c, "a credential leaked")
	}
}

// stream runs c.Stream in a goroutine; the events arrive on the first
// channel, Stream's result on the second.
func stream(ctx context.Context, c *client.Client, lastEventID string) (<-chan client.StreamEvent, <-chan error) {
	events := make(chan client.StreamEvent, 64)
	done := make(chan error, 1)
	go func() {
		done <- c.Stream(ctx, lastEventID, func(ev client.StreamEvent) error {
			if ev.Type == client.StreamOpened {
				return nil // TestStreamOpenedComesFirst checks it
			}
			ev.Data = bytes.Clone(ev.Data)
			select {
			case events <- ev:
			case <-ctx.Done():
			}
			return nil
		})
	}()
	return events, done
}

func nextEvent(t *testing.T, events <-chan client.StreamEvent) client.StreamEvent {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(5 * time.Second):
		require.FailNow(t, "no stream event within 5 s")
	}
	return client.StreamEvent{}
}

func streamResult(t *testing.T, done <-chan error, within time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(within):
		require.FailNow(t, "Stream did not return", "within %v", within)
	}
	return nil
}

// authModes are the two ways a client authenticates; tests that must hold
// for both range over them.
var authModes = []struct {
	name string
	opt  func(*client.Config)
}{
	{"oauth2", func(*client.Config) {}},
	{"api key", withAPIKey},
}

func TestEveryRequestCarriesTenantAndSDKHeaders(t *testing.T) {
	t.Parallel()
	for _, auth := range authModes {
		t.Run(auth.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, clienttest.Options{HeartbeatInterval: 10 * time.Millisecond})
			c := newClient(t, srv, auth.opt)

			_, err := c.FetchRuleset(ctx, "")
			require.NoError(t, err)
			require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))
			sctx, cancel := context.WithCancel(ctx)
			events, done := stream(sctx, c, "")
			nextEvent(t, events)
			cancel()
			require.ErrorIs(t, streamResult(t, done, 2*time.Second), context.Canceled)
			// A failing request is still sent with the headers.
			c404 := newClient(t, srv, auth.opt, func(cfg *client.Config) { cfg.Environment = "missing" })
			_, err = c404.FetchRuleset(ctx, "")
			require.ErrorIs(t, err, client.ErrNotFound)

			reqs := srv.Requests()
			seen := map[clienttest.Endpoint]int{}
			for _, r := range reqs {
				seen[r.Endpoint]++
				where := r.Method + " " + r.Path
				assert.Equal(t, tenant, r.Header.Get("X-Tenant-ID"), "%s: X-Tenant-ID", where)
				assert.Equal(t, "switchyard-go/"+version.Version, r.Header.Get("User-Agent"), "%s: User-Agent", where)
				assert.Equal(t, "go", r.Header.Get("X-SDK-Language"), "%s: X-SDK-Language", where)
				assert.Equal(t, version.Version, r.Header.Get("X-SDK-Version"), "%s: X-SDK-Version", where)
			}
			assert.Equal(t, 2, seen[clienttest.EndpointRuleset])
			assert.Equal(t, 1, seen[clienttest.EndpointStream])
			assert.Equal(t, 1, seen[clienttest.EndpointEvents])
			if auth.name == "oauth2" {
				assert.Equal(t, 2, seen[clienttest.EndpointToken], "one token per client: the token requests must be checked too")
			}
		})
	}
}

func TestTokenIsFetchedOnceAndCached(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{HeartbeatInterval: 10 * time.Millisecond})
	c := newClient(t, srv)

	for range 3 {
		_, err := c.FetchRuleset(ctx, "")
		require.NoError(t, err)
	}
	require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))
	sctx, cancel := context.WithCancel(ctx)
	events, done := stream(sctx, c, "")
	nextEvent(t, events)
	cancel()
	require.ErrorIs(t, streamResult(t, done, 2*time.Second), context.Canceled)

	// Concurrent callers share the cached token too.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.FetchRuleset(ctx, "")
			assert.NoError(t, err)
		})
	}
	wg.Wait()

	require.Equal(t, 1, count(srv, clienttest.EndpointToken), "token requests")
	var tokens []string
	for _, r := range srv.Requests() {
		if r.Endpoint != clienttest.EndpointToken {
			tokens = append(tokens, bearer(t, r))
			assert.Contains(t, []int{http.StatusOK, http.StatusAccepted}, r.Status, "%s %s", r.Method, r.Path)
		}
	}
	require.Len(t, tokens, 13)
	for _, tok := range tokens {
		assert.Equal(t, tokens[0], tok, "every request must use the cached token")
	}
}

func TestTokenConcurrentFirstFetchIsSerialised(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.FetchRuleset(ctx, "")
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, count(srv, clienttest.EndpointToken), "concurrent first calls must fetch one token")
}

// TestTokenIsRefreshedBeforeExpiry uses the real clock: the client's clock
// cannot be injected through its public API. With a 2 s lifetime the token
// is renewed a fifth of it (400 ms) before it expires.
func TestTokenIsRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// One fake clock for the service's token expiry and the client's cache.
	var nowNanos atomic.Int64
	nowNanos.Store(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, nowNanos.Load()) }
	srv, _ := newServer(t, clienttest.Options{TokenTTL: 2 * time.Second, Now: now})
	c := newClient(t, srv)
	client.SetClock(c, now)

	_, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	_, err = c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	require.Equal(t, 1, count(srv, clienttest.EndpointToken), "a token far from expiry is reused")

	// Past the refresh point (1.6 s) but before the service's expiry (2 s).
	nowNanos.Add(int64(1750 * time.Millisecond))
	_, err = c.FetchRuleset(ctx, "")
	require.NoError(t, err)

	assert.Equal(t, 2, count(srv, clienttest.EndpointToken), "a token near expiry must be replaced")
	rs := requestsTo(srv, clienttest.EndpointRuleset)
	require.Len(t, rs, 3, "no request may be rejected and retried")
	for _, r := range rs {
		assert.Equal(t, http.StatusOK, r.Status)
	}
	assert.Equal(t, bearer(t, rs[0]), bearer(t, rs[1]))
	assert.NotEqual(t, bearer(t, rs[1]), bearer(t, rs[2]), "the last request must carry the new token")
}

func TestRejectedTokenIsReplacedAndRetriedOnce(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name string
		ep   clienttest.Endpoint
		call func(ctx context.Context, c *client.Client) error
	}{
		{"FetchRuleset", clienttest.EndpointRuleset, func(ctx context.Context, c *client.Client) error {
			rs, err := c.FetchRuleset(ctx, "")
			if err == nil && len(rs.Data) == 0 {
				err = errors.New("no data")
			}
			return err
		}},
		{"PostEvents", clienttest.EndpointEvents, func(ctx context.Context, c *client.Client) error {
			return c.PostEvents(ctx, []byte(eventBatch), "batch-retry")
		}},
		{"Stream", clienttest.EndpointStream, func(ctx context.Context, c *client.Client) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			err := c.Stream(ctx, "", func(client.StreamEvent) error { return errStop })
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, clienttest.Options{})
			c := newClient(t, srv)
			_, err := c.FetchRuleset(ctx, "") // caches a token
			require.NoError(t, err)
			srv.ExpireTokens()
			srv.ResetRequests()

			require.NoError(t, op.call(ctx, c), "%s after the service rejected the cached token", op.name)

			reqs := requestsTo(srv, op.ep)
			require.Len(t, reqs, 2, "exactly one retry")
			assert.Equal(t, http.StatusUnauthorized, reqs[0].Status)
			assert.NotEqual(t, http.StatusUnauthorized, reqs[1].Status)
			assert.NotEqual(t, bearer(t, reqs[0]), bearer(t, reqs[1]), "the retry must carry a new token")
			assert.Equal(t, 1, count(srv, clienttest.EndpointToken), "one new token")
			if op.ep == clienttest.EndpointEvents {
				b := srv.Batches(tenant)
				require.Len(t, b, 1)
				assert.JSONEq(t, eventBatch, string(b[0].Body), "the retry must resend the whole body")
				assert.Equal(t, reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key"))
			}
		})
	}
}

var errStop = errors.New("stop")

func TestServiceRejectingFreshTokensIsNotRetriedInALoop(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	// The gateway rejects every token, fresh ones included.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: http.StatusUnauthorized})

	for i := 1; i <= 3; i++ {
		_, err := c.FetchRuleset(ctx, "")
		require.ErrorIs(t, err, client.ErrInvalidCredentials)
		assert.Equal(t, http.StatusUnauthorized, statusError(t, err).StatusCode)
		// Each call fetches a token (the rejected one was dropped) and
		// does not retry a 401 to it.
		assert.Equal(t, i, count(srv, clienttest.EndpointRuleset), "call %d: no retry of a 401 to a fresh token", i)
		assert.Equal(t, i, count(srv, clienttest.EndpointToken), "call %d: one token per call", i)
	}
}

func TestRevokedClientFailsWithInvalidCredentials(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	_, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)

	srv.RevokeClient(clientID)
	srv.ResetRequests()
	_, err = c.FetchRuleset(ctx, "")
	require.ErrorIs(t, err, client.ErrInvalidCredentials)
	se := statusError(t, err)
	assert.Equal(t, http.StatusUnauthorized, se.StatusCode)
	assert.Equal(t, "invalid_client", se.OAuthError)
	assertNoCredentials(t, err.Error())
	assert.Equal(t, 1, count(srv, clienttest.EndpointRuleset), "the rejected request, and no retry without a token")
	assert.Equal(t, 1, count(srv, clienttest.EndpointToken), "one token request (the auth style is known by now)")

	// Later calls fail the same way at the token endpoint, one request each.
	srv.ResetRequests()
	for range 3 {
		_, err = c.FetchRuleset(ctx, "")
		require.ErrorIs(t, err, client.ErrInvalidCredentials)
	}
	assert.Equal(t, 0, count(srv, clienttest.EndpointRuleset))
	assert.Equal(t, 3, count(srv, clienttest.EndpointToken))
}

func TestWrongSecretIsInvalidCredentials(t *testing.T) {
	t.Parallel()
	const wrong = "sk-live-WRONG-0000000000000000"
	for _, style := range []struct {
		name      string
		style     oauth2.AuthStyle
		maxTokens int
	}{
		{"auto-detect", oauth2.AuthStyleAutoDetect, 2}, // header, then form
		{"header", oauth2.AuthStyleInHeader, 1},
		{"params", oauth2.AuthStyleInParams, 1},
	} {
		t.Run(style.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, clienttest.Options{})
			c := newClient(t, srv, func(cfg *client.Config) {
				cfg.ClientSecret = wrong
				cfg.AuthStyle = style.style
			})
			_, err := c.FetchRuleset(ctx, "")
			require.ErrorIs(t, err, client.ErrInvalidCredentials)
			se := statusError(t, err)
			assert.Equal(t, "invalid_client", se.OAuthError)
			assert.Equal(t, http.StatusUnauthorized, se.StatusCode)
			assert.False(t, se.Temporary())
			assertNoCredentials(t, err.Error(), wrong)
			assertNoCredentials(t, fmt.Sprintf("%+v %#v", err, err), wrong)
			assert.Equal(t, 0, count(srv, clienttest.EndpointRuleset), "nothing is sent to the service without a token")
			assert.LessOrEqual(t, count(srv, clienttest.EndpointToken), style.maxTokens)
		})
	}
}

func TestAuthStyles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		style     oauth2.AuthStyle
		wantBasic bool
	}{
		{"auto-detect", oauth2.AuthStyleAutoDetect, true},
		{"header", oauth2.AuthStyleInHeader, true},
		{"params", oauth2.AuthStyleInParams, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, clienttest.Options{})
			c := newClient(t, srv, func(cfg *client.Config) { cfg.AuthStyle = tc.style })
			_, err := c.FetchRuleset(ctx, "")
			require.NoError(t, err)

			toks := requestsTo(srv, clienttest.EndpointToken)
			require.Len(t, toks, 1, "the double accepts the first style tried")
			form := tokenForm(t, toks[0])
			assert.Equal(t, "client_credentials", form.Get("grant_type"))
			assert.Equal(t, "flags:read events:write", form.Get("scope"), "default scopes")
			id, pw, basic := basicAuth(t, toks[0])
			assert.Equal(t, tc.wantBasic, basic, "HTTP Basic")
			if basic {
				assert.Equal(t, clientID, id)
				assert.Equal(t, secret, pw)
				assert.False(t, form.Has("client_secret"), "one authentication method only")
			} else {
				assert.Equal(t, clientID, form.Get("client_id"))
				assert.Equal(t, secret, form.Get("client_secret"))
			}
		})
	}
}

func TestConfiguredScopesAreRequested(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv, func(cfg *client.Config) { cfg.Scopes = []string{clienttest.ScopeRead} })
	_, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	toks := requestsTo(srv, clienttest.EndpointToken)
	require.Len(t, toks, 1)
	assert.Equal(t, "flags:read", tokenForm(t, toks[0]).Get("scope"))

	// A token without events:write is refused for uploads: 403, no retry.
	err = c.PostEvents(ctx, []byte(eventBatch), "batch-1")
	require.ErrorIs(t, err, client.ErrForbidden)
	assert.Equal(t, 1, count(srv, clienttest.EndpointEvents))
}

func TestClientSecretFuncPicksUpARotatedSecret(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	const rotated = "sk-live-ROTATED-11111111111111"
	var current atomic.Value
	current.Store(client.Secret(secret))
	var calls atomic.Int32
	c := newClient(t, srv, func(cfg *client.Config) {
		cfg.ClientSecret = ""
		cfg.ClientSecretFunc = func(context.Context) (client.Secret, error) {
			calls.Add(1)
			return current.Load().(client.Secret), nil
		}
	})

	_, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	_, err = c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	assert.EqualValues(t, 1, calls.Load(), "ClientSecretFunc is called at each token fetch, not each request")

	// Rotate: the service takes only the new secret from now on.
	srv.AddClient(clientID, rotated, tenant)
	current.Store(client.Secret(rotated))
	srv.ExpireTokens()

	_, err = c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())
	toks := requestsTo(srv, clienttest.EndpointToken)
	require.Len(t, toks, 2)
	_, pw, ok := basicAuth(t, toks[1])
	require.True(t, ok)
	assert.Equal(t, rotated, pw, "the second token fetch must use the rotated secret")
	assert.Equal(t, http.StatusOK, toks[1].Status)

	// A secret the service no longer takes is redacted from the error.
	srv.AddClient(clientID, "sk-live-NEWER-2222222222222222", tenant)
	srv.ExpireTokens()
	_, err = c.FetchRuleset(ctx, "")
	require.ErrorIs(t, err, client.ErrInvalidCredentials)
	assertNoCredentials(t, err.Error(), rotated)
}

func TestClientSecretFuncError(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	vaultDown := errors.New("vault: sealed")
	c := newClient(t, srv, func(cfg *client.Config) {
		cfg.ClientSecret = ""
		cfg.ClientSecretFunc = func(context.Context) (client.Secret, error) { return "", vaultDown }
	})
	_, err := c.FetchRuleset(ctx, "")
	require.ErrorIs(t, err, vaultDown)
	assert.Contains(t, err.Error(), "ClientSecretFunc")
	assert.Empty(t, srv.Requests(), "nothing is sent without a secret")
}

func TestAPIKey(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, doc := newServer(t, clienttest.Options{})
	c := newClient(t, srv, withAPIKey)

	rs, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, doc, rs.Data)
	require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))

	assert.Equal(t, 0, count(srv, clienttest.EndpointToken), "no token requests with an API key")
	for _, r := range srv.Requests() {
		assert.Equal(t, apiKey, r.Header.Get("X-API-Key"), "%s %s", r.Method, r.Path)
		assert.Empty(t, r.Header.Get("Authorization"), "%s %s", r.Method, r.Path)
	}
}

func TestWrongAPIKey(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	const wrongKey = "ak-live-WRONG-000000000000000"
	c := newClient(t, srv, withAPIKey, func(cfg *client.Config) { cfg.APIKey = wrongKey })

	_, err := c.FetchRuleset(ctx, "")
	require.ErrorIs(t, err, client.ErrInvalidCredentials)
	se := statusError(t, err)
	assert.Equal(t, http.StatusUnauthorized, se.StatusCode)
	assert.NotEmpty(t, se.RequestID)
	assertNoCredentials(t, err.Error(), wrongKey)
	assert.Equal(t, 1, count(srv, clienttest.EndpointRuleset), "an API key is not retried")
	assert.Equal(t, 0, count(srv, clienttest.EndpointToken))
}

func TestTLS(t *testing.T) {
	t.Parallel()
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("http2=%v", h2), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, doc := newServer(t, clienttest.Options{TLS: true, HTTP2: h2, HeartbeatInterval: 10 * time.Millisecond})
			require.True(t, strings.HasPrefix(srv.URL, "https://"))
			c := newClient(t, srv) // RootCAs: srv.RootCAs()

			rs, err := c.FetchRuleset(ctx, "")
			require.NoError(t, err)
			assert.Equal(t, doc, rs.Data)
			require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))
			var got []byte
			err = c.Stream(ctx, "", func(ev client.StreamEvent) error {
				if ev.Type == client.StreamOpened {
					return nil
				}
				got = bytes.Clone(ev.Data)
				return errStop
			})
			require.ErrorIs(t, err, errStop)
			assert.Equal(t, doc, got)
		})
	}
}

func TestTLSCertificateIsVerified(t *testing.T) {
	t.Parallel()
	for _, auth := range authModes {
		t.Run(auth.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, clienttest.Options{TLS: true})
			// The system pool does not trust the test CA.
			c := newClient(t, srv, auth.opt, func(cfg *client.Config) { cfg.RootCAs = nil })

			_, err := c.FetchRuleset(ctx, "")
			require.Error(t, err)
			var verr *tls.CertificateVerificationError
			assert.True(t, errors.As(err, &verr), "error %v (%T) must wrap the certificate verification failure", err, err)
			assertNoCredentials(t, err.Error())
			err = c.PostEvents(ctx, []byte(eventBatch), "batch-1")
			assert.True(t, errors.As(err, &verr), "error %v (%T) must wrap the certificate verification failure", err, err)
			assert.Empty(t, srv.Requests(), "the handshake fails before any request, and its credentials, is sent")
		})
	}
}

func TestTLSMinimumVersionIs12(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// An HTTPS server speaking only TLS 1.0 and 1.1, with the httptest
	// certificate the double uses too.
	old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("ETag", `"x"`)
		_, _ = w.Write([]byte(`{}`))
	}))
	old.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	old.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	old.StartTLS()
	t.Cleanup(old.Close)
	pool := x509.NewCertPool()
	pool.AddCert(old.Certificate())

	// Control: a client allowing TLS 1.1 does connect, so the failure
	// below is the client's minimum version and nothing else.
	conn, err := tls.Dial("tcp", strings.TrimPrefix(old.URL, "https://"), &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10})
	require.NoError(t, err, "control handshake at TLS 1.1")
	assert.Equal(t, uint16(tls.VersionTLS11), conn.ConnectionState().Version)
	require.NoError(t, conn.Close())

	c, err := client.New(client.Config{BaseURL: old.URL, TenantID: tenant, Environment: env, APIKey: apiKey, RootCAs: pool})
	require.NoError(t, err)
	_, err = c.FetchRuleset(ctx, "")
	require.Error(t, err, "the client must refuse TLS 1.1")
	assert.Contains(t, err.Error(), "protocol version")
	assertNoCredentials(t, err.Error())
}

func TestLoopbackHTTPBaseURLs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, doc := newServer(t, clienttest.Options{})
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	for _, base := range []string{srv.URL, srv.URL + "/", "http://localhost:" + u.Port()} {
		c := newClient(t, srv, func(cfg *client.Config) { cfg.BaseURL = base })
		rs, err := c.FetchRuleset(ctx, "")
		require.NoError(t, err, "FetchRuleset via %q", base)
		assert.Equal(t, doc, rs.Data, "FetchRuleset via %q", base)
	}
}

func TestFetchRuleset(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, doc := newServer(t, clienttest.Options{})
	c := newClient(t, srv)

	rs, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, doc, rs.Data)
	assert.False(t, rs.NotModified)
	assert.Equal(t, clienttest.ETag(doc), rs.ETag)
	assert.NotEmpty(t, rs.RequestID)

	again, err := c.FetchRuleset(ctx, rs.ETag)
	require.NoError(t, err)
	assert.True(t, again.NotModified, "conditional fetch of an unchanged ruleset")
	assert.Nil(t, again.Data)
	assert.Equal(t, rs.ETag, again.ETag)
	assert.NotEmpty(t, again.RequestID)
	reqs := requestsTo(srv, clienttest.EndpointRuleset)
	require.Len(t, reqs, 2)
	assert.Empty(t, reqs[0].Header.Get("If-None-Match"))
	assert.Equal(t, rs.ETag, reqs[1].Header.Get("If-None-Match"))
	assert.Equal(t, http.StatusNotModified, reqs[1].Status)

	doc2 := clienttest.BooleanRuleset(tenant, env, "v2", map[string]bool{"dark-mode": false})
	etag2 := srv.SetRuleset(tenant, env, doc2)
	changed, err := c.FetchRuleset(ctx, rs.ETag)
	require.NoError(t, err)
	assert.False(t, changed.NotModified)
	assert.Equal(t, doc2, changed.Data)
	assert.Equal(t, etag2, changed.ETag)
}

func TestFetchRulesetEscapesTheEnvironment(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	const odd = "pre prod/eu?x=1#y"
	doc := clienttest.BooleanRuleset(tenant, odd, "v1", nil)
	srv.SetRuleset(tenant, odd, doc)
	c := newClient(t, srv, func(cfg *client.Config) { cfg.Environment = odd })
	rs, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, doc, rs.Data)
	reqs := requestsTo(srv, clienttest.EndpointRuleset)
	require.Len(t, reqs, 1)
	assert.Equal(t, odd, reqs[0].Env)
	assert.Equal(t, clienttest.RulesetPath(odd), reqs[0].Path)
}

func TestFetchRulesetErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		opt      func(*client.Config)
		fault    *clienttest.Fault
		sentinel error
		status   int
	}{
		{
			name:     "unknown environment",
			opt:      func(cfg *client.Config) { cfg.Environment = "staging" },
			sentinel: client.ErrNotFound, status: http.StatusNotFound,
		},
		{
			name:     "wrong tenant at the token endpoint",
			opt:      func(cfg *client.Config) { cfg.TenantID = "globex" },
			sentinel: client.ErrForbidden, status: http.StatusForbidden,
		},
		{
			name:     "wrong tenant at the service",
			opt:      func(cfg *client.Config) { withAPIKey(cfg); cfg.TenantID = "globex" },
			sentinel: client.ErrForbidden, status: http.StatusForbidden,
		},
		{
			name:     "oversize body",
			opt:      func(cfg *client.Config) { cfg.MaxRulesetBytes = 1024 },
			fault:    &clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Oversize: 4096},
			sentinel: client.ErrTooLarge,
		},
		{
			name:     "body one byte over the limit",
			opt:      func(cfg *client.Config) { cfg.MaxRulesetBytes = 1024 },
			fault:    &clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Oversize: 1025},
			sentinel: client.ErrTooLarge,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, clienttest.Options{})
			if tc.fault != nil {
				srv.Fail(*tc.fault)
			}
			c := newClient(t, srv, tc.opt)
			rs, err := c.FetchRuleset(ctx, "")
			require.ErrorIs(t, err, tc.sentinel)
			assert.Nil(t, rs)
			for _, other := range []error{client.ErrNotFound, client.ErrForbidden, client.ErrTooLarge, client.ErrInvalidCredentials} {
				if other != tc.sentinel {
					assert.NotErrorIs(t, err, other)
				}
			}
			if tc.status != 0 {
				se := statusError(t, err)
				assert.Equal(t, tc.status, se.StatusCode)
				assert.False(t, se.Temporary())
			}
			assertNoCredentials(t, err.Error())
			assert.LessOrEqual(t, count(srv, clienttest.EndpointRuleset), 1, "not retried (no request at all when the token fetch fails)")
		})
	}
}

// TestFetchRulesetLimitWithoutContentLength: the limit holds for a body
// sent chunked, whose size is unknown until it is read.
func TestFetchRulesetLimitWithoutContentLength(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	chunked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1000
		if strings.Contains(r.URL.Path, "/big/") {
			n = 1500
		}
		w.Header().Set("ETag", `"chunked"`)
		for i := 0; i < n; i += 100 {
			_, _ = w.Write(bytes.Repeat([]byte{' '}, 100))
			http.NewResponseController(w).Flush() // no Content-Length
		}
	}))
	t.Cleanup(chunked.Close)
	for _, tc := range []struct {
		env     string
		wantErr bool
	}{{"small", false}, {"big", true}} {
		c, err := client.New(client.Config{BaseURL: chunked.URL, TenantID: tenant, Environment: tc.env, APIKey: apiKey, MaxRulesetBytes: 1024})
		require.NoError(t, err)
		rs, err := c.FetchRuleset(ctx, "")
		if tc.wantErr {
			require.ErrorIs(t, err, client.ErrTooLarge, "a 1,500-byte chunked body over a 1,024-byte limit")
			continue
		}
		require.NoError(t, err)
		assert.Len(t, rs.Data, 1000)
	}
}

func TestFetchRulesetAtTheLimit(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Oversize: 1024, Count: 1})
	c := newClient(t, srv, func(cfg *client.Config) { cfg.MaxRulesetBytes = 1024 })
	rs, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err, "a body of exactly MaxRulesetBytes is accepted")
	assert.Len(t, rs.Data, 1024)
}

func TestStatusErrorFields(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	body := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", 80) // 5 KiB
	require.Len(t, body, 5120)
	srv.Fail(clienttest.Fault{
		Endpoint: clienttest.EndpointRuleset, Status: http.StatusServiceUnavailable,
		RetryAfter: "7", RequestID: "req-0042", Body: []byte(body), Count: 1,
	})

	_, err := c.FetchRuleset(ctx, "")
	se := statusError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
	assert.Equal(t, "req-0042", se.RequestID)
	assert.Equal(t, "7", se.RetryAfter)
	assert.True(t, se.Temporary())
	assert.Empty(t, se.OAuthError)
	// At most 512 bytes of the body; the excerpt may end with a marker.
	kept := strings.TrimSuffix(se.Body, "…")
	assert.LessOrEqual(t, len(kept), 512, "body excerpt length")
	assert.True(t, strings.HasPrefix(body, kept), "the excerpt is the start of the body")
	assert.GreaterOrEqual(t, len(kept), 256, "the excerpt keeps a useful part of the body")
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "client: "), "package prefix: %q", msg)
	assert.Contains(t, msg, "503")
	assert.Contains(t, msg, "req-0042")
	assert.Less(t, len(msg), 700, "Error() must stay short")
}

func TestErrorsNeverShowCredentials(t *testing.T) {
	t.Parallel()
	t.Run("service error echoing the secret and the token", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		srv, _ := newServer(t, clienttest.Options{})
		c := newClient(t, srv)
		_, err := c.FetchRuleset(ctx, "")
		require.NoError(t, err)
		tok := bearer(t, requestsTo(srv, clienttest.EndpointRuleset)[0])

		for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusForbidden} {
			srv.Fail(clienttest.Fault{
				Endpoint: clienttest.EndpointRuleset, Status: status, Count: 1,
				Body: fmt.Appendf(nil, `{"error":"debug","secret":%q,"authorization":"Bearer %s","raw":"%s%s"}`, secret, tok, tok, secret),
			})
			_, err = c.FetchRuleset(ctx, "")
			se := statusError(t, err)
			require.Equal(t, status, se.StatusCode)
			for _, text := range []string{err.Error(), se.Body, fmt.Sprintf("%v %+v %#v", err, err, err)} {
				assertNoCredentials(t, text, tok)
			}
			assert.Contains(t, se.Body, "[REDACTED]")
		}
	})
	t.Run("service error echoing the API key", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		srv, _ := newServer(t, clienttest.Options{})
		c := newClient(t, srv, withAPIKey)
		srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointEvents, Status: http.StatusBadGateway, Count: 1,
			Body: []byte(`upstream said: X-API-Key: ` + apiKey)})
		err := c.PostEvents(ctx, []byte(eventBatch), "batch-1")
		se := statusError(t, err)
		assertNoCredentials(t, err.Error())
		assertNoCredentials(t, se.Body)
		assert.Contains(t, se.Body, "[REDACTED]")
	})
	t.Run("token endpoint error echoing the secret", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		srv, _ := newServer(t, clienttest.Options{})
		c := newClient(t, srv)
		srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointToken, Status: http.StatusBadRequest,
			Body: []byte(`{"error":"invalid_request","error_description":"bad secret ` + secret + `"}`)})
		_, err := c.FetchRuleset(ctx, "")
		se := statusError(t, err)
		assert.Equal(t, "invalid_request", se.OAuthError)
		assert.Equal(t, http.StatusBadRequest, se.StatusCode)
		assertNoCredentials(t, err.Error())
		assertNoCredentials(t, fmt.Sprintf("%+v %#v", err, err))
	})
	t.Run("rotated secret echoed by the token endpoint", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		srv, _ := newServer(t, clienttest.Options{})
		const fromVault = "sk-live-VAULT-33333333333333333"
		c := newClient(t, srv, func(cfg *client.Config) {
			cfg.ClientSecret = ""
			cfg.ClientSecretFunc = func(context.Context) (client.Secret, error) { return fromVault, nil }
		})
		srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointToken, Status: http.StatusInternalServerError,
			Body: []byte(`server_error for secret=` + fromVault)})
		_, err := c.FetchRuleset(ctx, "")
		se := statusError(t, err)
		assert.True(t, se.Temporary())
		assertNoCredentials(t, err.Error(), fromVault)
	})
}

// TestErrorRedactsTheTokenTheRequestCarried: a response that echoes the
// token its request carried must not reveal it, even when another call
// replaced the cached token while the request was in flight.
func TestErrorRedactsTheTokenTheRequestCarried(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	_, err := c.FetchRuleset(ctx, "")
	require.NoError(t, err)
	tokA := bearer(t, requestsTo(srv, clienttest.EndpointRuleset)[0])

	srv.Fail(clienttest.Fault{
		Endpoint: clienttest.EndpointRuleset, Status: http.StatusBadGateway, Delay: 500 * time.Millisecond, Count: 1,
		Body: []byte(`{"error":"bad_gateway","authorization":"Bearer ` + tokA + `"}`),
	})
	errc := make(chan error, 1)
	go func() {
		_, err := c.FetchRuleset(ctx, "")
		errc <- err
	}()
	require.Eventually(t, func() bool { return count(srv, clienttest.EndpointRuleset) == 2 }, 5*time.Second, 5*time.Millisecond)
	// Meanwhile the service rejects token A and another call replaces it.
	srv.ExpireTokens()
	require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))
	require.Equal(t, 2, count(srv, clienttest.EndpointToken), "token A was replaced")

	err = <-errc
	se := statusError(t, err)
	require.Equal(t, http.StatusBadGateway, se.StatusCode)
	assertNoCredentials(t, err.Error(), tokA)
}

// TestErrorExcerptNeverShowsPartOfACredential: the body excerpt is cut
// after redaction and whitespace folding, so a credential cut off at the
// read limit must not show its first characters.
func TestErrorExcerptNeverShowsPartOfACredential(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv, withAPIKey)
	// An error page of whitespace, then the key: 2,048 bytes of body
	// (the read limit) end 12 bytes into the key.
	body := strings.Repeat(" ", 2048-12) + apiKey + "\n"
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: http.StatusBadGateway, Count: 1, Body: []byte(body)})
	_, err := c.FetchRuleset(ctx, "")
	se := statusError(t, err)
	require.Equal(t, http.StatusBadGateway, se.StatusCode)
	assert.NotContains(t, err.Error(), apiKey[:12])
}

func TestStreamEvents(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, doc := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, done := stream(sctx, c, "")

	first := nextEvent(t, events)
	assert.Equal(t, "ruleset", first.Type)
	assert.Equal(t, "v1", first.ID, "the event ID is the version, not the ETag")
	assert.Equal(t, doc, first.Data, "a multi-line document arrives whole")

	doc2 := clienttest.BooleanRuleset(tenant, env, "v2", map[string]bool{"dark-mode": false, "beta": true})
	srv.SetRuleset(tenant, env, doc2)
	pushed := nextEvent(t, events)
	assert.Equal(t, "ruleset", pushed.Type)
	assert.Equal(t, "v2", pushed.ID)
	assert.Equal(t, doc2, pushed.Data)

	srv.Invalidate(tenant, env)
	inv := nextEvent(t, events)
	assert.Equal(t, "invalidate", inv.Type)
	assert.JSONEq(t, `{}`, string(inv.Data))

	start := time.Now()
	cancel()
	err := streamResult(t, done, 2*time.Second)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), time.Second, "cancellation must end the stream promptly")
	require.NoError(t, srv.WaitOpenStreams(ctx, 0), "the stream's connection must be closed")

	reqs := requestsTo(srv, clienttest.EndpointStream)
	require.Len(t, reqs, 1)
	assert.Contains(t, reqs[0].Header.Get("Accept"), "text/event-stream")
	assert.Empty(t, reqs[0].Header.Values("Last-Event-ID"))
}

func TestStreamLastEventID(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, doc := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	_ = doc // version "v1"
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, done := stream(sctx, c, "v1")
	require.NoError(t, srv.WaitOpenStreams(ctx, 1))

	// The service skips the current document for a client that has it.
	doc2 := clienttest.BooleanRuleset(tenant, env, "v2", nil)
	srv.SetRuleset(tenant, env, doc2)
	ev := nextEvent(t, events)
	assert.Equal(t, "v2", ev.ID, "the first event must be the push, not a resend of the known version")
	assert.Equal(t, doc2, ev.Data)
	cancel()
	require.ErrorIs(t, streamResult(t, done, 2*time.Second), context.Canceled)

	reqs := requestsTo(srv, clienttest.EndpointStream)
	require.Len(t, reqs, 1)
	assert.Equal(t, "v1", reqs[0].Header.Get("Last-Event-ID"))
}

func TestStreamOpenedComesFirst(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	var got []client.StreamEvent
	err := c.Stream(ctx, "v1", func(ev client.StreamEvent) error { // resumes: the service sends nothing
		got = append(got, ev)
		return errStop
	})
	require.ErrorIs(t, err, errStop)
	require.Len(t, got, 1)
	assert.Equal(t, client.StreamEvent{Type: client.StreamOpened}, got[0], "the open is reported before any event arrives")
}

func TestStreamDropsInvalidEventIDs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	bad := clienttest.BooleanRuleset(tenant, env, "2\u0001", nil) // version "2\x01" becomes the event id
	srv.SetRuleset(tenant, env, bad)
	c := newClient(t, srv)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, done := stream(sctx, c, "")
	ev := nextEvent(t, events)
	assert.Equal(t, "ruleset", ev.Type)
	assert.Empty(t, ev.ID, "an id with a control character is dropped")
	cancel()
	require.ErrorIs(t, streamResult(t, done, 2*time.Second), context.Canceled)
}

func TestStreamHandlerErrorEndsTheStream(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	var calls int
	err := c.Stream(ctx, "", func(client.StreamEvent) error { calls++; return errStop })
	require.ErrorIs(t, err, errStop)
	assert.Equal(t, 1, calls)
	require.NoError(t, srv.WaitOpenStreams(ctx, 0), "the stream's connection must be closed")
}

// TestStreamIdleTimeout runs in virtual time against the in-memory
// service, with the default 90 s idle timeout and 15 s heartbeats.
func TestStreamIdleTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts clienttest.Options
	}{
		{"silent stream", clienttest.Options{HeartbeatInterval: time.Hour}},
		{"silent stream over HTTP/2", clienttest.Options{TLS: true, HTTP2: true, HeartbeatInterval: time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tc.opts.InMemory = true
				srv, _ := newServer(t, tc.opts)
				c := newClient(t, srv)
				start := time.Now()
				err := c.Stream(context.Background(), "", func(client.StreamEvent) error { return nil })
				require.ErrorIs(t, err, client.ErrStreamIdle)
				assert.Equal(t, client.DefaultStreamIdleTimeout, time.Since(start), "ends when 90 s pass without a byte")
				synctest.Wait()
				assert.Equal(t, 0, srv.OpenStreams(), "the idle stream's connection is closed")
			})
		})
	}
	t.Run("heartbeats keep it open", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv, _ := newServer(t, clienttest.Options{InMemory: true})
			c := newClient(t, srv)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events, done := stream(ctx, c, "")
			<-events
			time.Sleep(time.Hour) // virtual time (synctest): an hour of heartbeats
			select {
			case err := <-done:
				t.Fatalf("the stream ended despite heartbeats: %v", err)
			default:
			}
			cancel()
			err := <-done
			require.ErrorIs(t, err, context.Canceled)
			assert.NotErrorIs(t, err, client.ErrStreamIdle)
		})
	})
}

// TestStreamReportsWhyItEnded repeats the end of a stream by the caller's
// context and by the idle timeout, over each transport: the error must be
// the cause every time, never ErrStreamClosed (which tells the caller the
// service hung up).
func TestStreamReportsWhyItEnded(t *testing.T) {
	t.Parallel()
	const rounds = 20
	transports := []struct {
		name string
		opts clienttest.Options
	}{
		{"http", clienttest.Options{}},
		{"https", clienttest.Options{TLS: true}},
		{"http2", clienttest.Options{TLS: true, HTTP2: true}},
	}
	for _, tr := range transports {
		for _, end := range []string{"cancel", "idle"} {
			t.Run(tr.name+"/"+end, func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t)
				opts := tr.opts
				opts.HeartbeatInterval = 10 * time.Second
				if end == "cancel" {
					opts.HeartbeatInterval = 5 * time.Millisecond // cancel while bytes flow
				}
				srv, _ := newServer(t, opts)
				c := newClient(t, srv, func(cfg *client.Config) {
					if end == "idle" {
						cfg.StreamIdleTimeout = 30 * time.Millisecond
					}
				})
				want := context.Canceled
				if end == "idle" {
					want = client.ErrStreamIdle
				}
				got := map[string]int{}
				for i := range rounds {
					sctx, cancel := context.WithCancel(ctx)
					events, done := stream(sctx, c, "")
					if end == "cancel" {
						nextEvent(t, events)
						// A real socket on purpose: vary where the cancel
						// lands in the transport's read loop.
						time.Sleep(time.Duration(i%15) * time.Millisecond)
						cancel()
					}
					err := streamResult(t, done, 3*time.Second)
					cancel()
					switch {
					case errors.Is(err, want):
						got["want"]++
					case errors.Is(err, client.ErrStreamClosed):
						got["ErrStreamClosed"]++
					default:
						got[err.Error()]++
					}
				}
				assert.Equal(t, map[string]int{"want": rounds}, got, "Stream ended by %s must return %v", end, want)
			})
		}
	}
}

func TestStreamIdleBeforeTheResponse(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	// The service accepts the connection but sends no headers for 3 s.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Delay: 3 * time.Second, Count: 1})
	c := newClient(t, srv, func(cfg *client.Config) { cfg.StreamIdleTimeout = 200 * time.Millisecond })
	start := time.Now()
	err := c.Stream(ctx, "", func(client.StreamEvent) error { return nil })
	require.ErrorIs(t, err, client.ErrStreamIdle)
	assert.Less(t, time.Since(start), 2*time.Second, "a stream that never answers is idle too")
}

func TestStreamClosedByTheService(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts clienttest.Options
	}{
		{"http", clienttest.Options{}},
		{"https", clienttest.Options{TLS: true}},
		{"http2", clienttest.Options{TLS: true, HTTP2: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, tc.opts)
			c := newClient(t, srv)
			events, done := stream(ctx, c, "")
			nextEvent(t, events)
			srv.DropStreams()
			require.ErrorIs(t, streamResult(t, done, 3*time.Second), client.ErrStreamClosed)
		})
	}
}

func TestStreamRevokedCredentialEndsTheStream(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	events, done := stream(ctx, c, "")
	nextEvent(t, events)
	srv.RevokeClient(clientID)
	require.ErrorIs(t, streamResult(t, done, 3*time.Second), client.ErrStreamClosed)

	// Reopening fails with the credentials error, not in a loop.
	err := c.Stream(ctx, "", func(client.StreamEvent) error { return nil })
	require.ErrorIs(t, err, client.ErrInvalidCredentials)
	assert.Equal(t, 2, count(srv, clienttest.EndpointStream), "the first stream and one reopen, no retry loop")
}

func TestStreamErrors(t *testing.T) {
	t.Parallel()
	t.Run("503", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		srv, _ := newServer(t, clienttest.Options{})
		srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Status: http.StatusServiceUnavailable, RetryAfter: "3", RequestID: "req-stream", Count: 1})
		c := newClient(t, srv)
		err := c.Stream(ctx, "", func(client.StreamEvent) error {
			t.Error("no event expected")
			return nil
		})
		se := statusError(t, err)
		assert.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
		assert.Equal(t, "3", se.RetryAfter)
		assert.Equal(t, "req-stream", se.RequestID)
		assert.True(t, se.Temporary())
	})
	t.Run("404", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		srv, _ := newServer(t, clienttest.Options{})
		c := newClient(t, srv, func(cfg *client.Config) { cfg.Environment = "staging" })
		err := c.Stream(ctx, "", func(client.StreamEvent) error { return nil })
		require.ErrorIs(t, err, client.ErrNotFound)
	})
	t.Run("oversize event", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		srv, _ := newServer(t, clienttest.Options{})
		srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Oversize: 4096, Count: 1})
		c := newClient(t, srv, func(cfg *client.Config) { cfg.MaxRulesetBytes = 1024 })
		err := c.Stream(ctx, "", func(ev client.StreamEvent) error {
			if ev.Type == client.StreamOpened {
				return nil
			}
			t.Error("no event expected")
			return nil
		})
		require.ErrorIs(t, err, client.ErrTooLarge)
	})
	t.Run("context already cancelled", func(t *testing.T) {
		t.Parallel()
		srv, _ := newServer(t, clienttest.Options{})
		c := newClient(t, srv)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.Stream(ctx, "", func(client.StreamEvent) error { return nil })
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestPostEvents(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)

	require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "6f1c7c8e-batch-1"))
	require.NoError(t, c.PostEvents(ctx, []byte(`{"events":[]}`), "6f1c7c8e-batch-2"))

	reqs := requestsTo(srv, clienttest.EndpointEvents)
	require.Len(t, reqs, 2)
	assert.Equal(t, http.StatusAccepted, reqs[0].Status)
	assert.Equal(t, "6f1c7c8e-batch-1", reqs[0].Header.Get("Idempotency-Key"))
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	assert.Equal(t, http.MethodPost, reqs[0].Method)

	batches := srv.Batches(tenant)
	require.Len(t, batches, 2)
	assert.Equal(t, "6f1c7c8e-batch-1", batches[0].IdempotencyKey)
	assert.Equal(t, eventBatch, string(batches[0].Body), "the body is sent byte for byte")
	assert.Len(t, batches[0].Events, 1)
	assert.Equal(t, "6f1c7c8e-batch-2", batches[1].IdempotencyKey)

	// At the limit is fine.
	big := make([]byte, client.MaxEventBatchBytes)
	copy(big, `{"events":[],"pad":"`)
	for i := len(`{"events":[],"pad":"`); i < len(big)-2; i++ {
		big[i] = 'x'
	}
	copy(big[len(big)-2:], `"}`)
	require.NoError(t, c.PostEvents(ctx, big, "6f1c7c8e-batch-3"))
}

func TestPostEventsRejectsBadInputBeforeSending(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)

	err := c.PostEvents(ctx, []byte(eventBatch), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "idempotencyKey")

	big := bytes.Repeat([]byte{' '}, client.MaxEventBatchBytes+1)
	err = c.PostEvents(ctx, big, "batch-big")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "post events")

	assert.Empty(t, srv.Requests(), "nothing may be sent, not even a token request")
}

func TestPostEventsServerError(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv)
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointEvents, Status: http.StatusInternalServerError, Count: 1})
	err := c.PostEvents(ctx, []byte(eventBatch), "batch-1")
	se := statusError(t, err)
	assert.Equal(t, http.StatusInternalServerError, se.StatusCode)
	assert.True(t, se.Temporary())
	assert.NotEmpty(t, se.RequestID)
	assert.Equal(t, 1, count(srv, clienttest.EndpointEvents), "a 500 is reported, not retried")
	assert.Empty(t, srv.Batches(tenant))

	// The caller retries with the same key; the service stores it once.
	require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))
	require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))
	assert.Len(t, srv.Batches(tenant), 1)
}

func TestTemporaryStatuses(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]bool{
		400: false, 401: false, 403: false, 404: false, 408: true, 409: false,
		425: true, 429: true, 500: true, 502: true, 503: true, 504: true,
	} {
		se := &client.StatusError{Op: "fetch ruleset", StatusCode: status}
		assert.Equal(t, want, se.Temporary(), "StatusError{StatusCode: %d}.Temporary()", status)
	}
}

// TestNoGoroutineLeak runs alone (not in parallel): leakcheck compares
// every goroutine of the process.
func TestNoGoroutineLeak(t *testing.T) {
	ctx := testContext(t)
	live, _ := newServer(t, clienttest.Options{HeartbeatInterval: 20 * time.Millisecond})
	quiet, _ := newServer(t, clienttest.Options{TLS: true, HTTP2: true, HeartbeatInterval: 10 * time.Second})
	leaks := leakcheck.Take(t)

	var clients []*client.Client
	for _, srv := range []*clienttest.Server{live, quiet} {
		c := newClient(t, srv)
		clients = append(clients, c)
		_, err := c.FetchRuleset(ctx, "")
		require.NoError(t, err)
		require.NoError(t, c.PostEvents(ctx, []byte(eventBatch), "batch-1"))
		srv.ExpireTokens() // a 401 and a retry
		_, err = c.FetchRuleset(ctx, "")
		require.NoError(t, err)
		// Ended by the caller.
		sctx, cancel := context.WithCancel(ctx)
		events, done := stream(sctx, c, "")
		nextEvent(t, events)
		cancel()
		require.ErrorIs(t, streamResult(t, done, 2*time.Second), context.Canceled)
		// Ended by the handler.
		require.ErrorIs(t, c.Stream(ctx, "", func(client.StreamEvent) error { return errStop }), errStop)
		// Ended by the service.
		events, done = stream(ctx, c, "")
		nextEvent(t, events)
		srv.DropStreams()
		require.ErrorIs(t, streamResult(t, done, 2*time.Second), client.ErrStreamClosed)
		// A failure.
		srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Status: http.StatusServiceUnavailable, Count: 1})
		require.Error(t, c.Stream(ctx, "", func(client.StreamEvent) error { return nil }))
	}
	// Ended by silence.
	c := newClient(t, quiet, func(cfg *client.Config) { cfg.StreamIdleTimeout = 200 * time.Millisecond })
	require.ErrorIs(t, c.Stream(ctx, "", func(client.StreamEvent) error { return nil }), client.ErrStreamIdle)

	// The servers stay up: only closing the clients' idle connections may
	// end the connection goroutines.
	for _, c := range append(clients, c) {
		c.CloseIdleConnections()
	}
	leaks.Check(t)
}

// TestTokenErrorsNeverShowEncodedSecrets: a token endpoint that echoes
// the request it received shows the secret as it was sent, form-escaped in
// the body or base64-encoded in the Basic authorization header. Neither
// form, nor the raw secret, may reach the error.
func TestTokenErrorsNeverShowEncodedSecrets(t *testing.T) {
	t.Parallel()
	const special = "sk/live+secret=value&more" // changes under form escaping
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_request","error_description":"got Authorization=%s body=%s"}`,
			r.Header.Get("Authorization"), body)
	}))
	t.Cleanup(echo.Close)
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		c, err := client.New(client.Config{
			BaseURL: echo.URL, TokenURL: echo.URL + "/token", TenantID: "acme", Environment: "production",
			ClientID: "svc/id", ClientSecret: special, AuthStyle: style,
		})
		require.NoError(t, err)
		_, err = c.FetchRuleset(testContext(t), "")
		se := statusError(t, err)
		require.Equal(t, "invalid_request", se.OAuthError, "the echo server was reached")
		text := fmt.Sprintf("%v %+v %#v %s", err, err, err, se.Body)
		forms := []string{special, url.QueryEscape(special),
			base64.StdEncoding.EncodeToString([]byte(url.QueryEscape("svc/id") + ":" + url.QueryEscape(special)))}
		for _, form := range forms {
			assert.NotContainsf(t, text, form, "AuthStyle %d: the secret leaked in an encoded form", style)
		}
		assert.Contains(t, se.Body, "[REDACTED]", "AuthStyle %d: the echo was redacted, not dropped", style)
	}
}

// TestClientPrintsNoCredentials: a *Client in a log line or a %+v shows
// where it connects, never its credentials.
func TestClientPrintsNoCredentials(t *testing.T) {
	t.Parallel()
	for _, cfg := range []client.Config{
		{BaseURL: "https://flags.example.com", TenantID: "acme", Environment: "production", APIKey: apiKey},
		{BaseURL: "https://flags.example.com", TenantID: "acme", Environment: "production", ClientID: "svc", ClientSecret: secret},
	} {
		c, err := client.New(cfg)
		require.NoError(t, err)
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("connected", "client", c)
		slog.New(slog.NewTextHandler(&logged, nil)).Info("connected", "client", c)
		text := fmt.Sprintf("%v %+v %#v %s", c, c, c, logged.String())
		assertNoCredentials(t, text)
		assert.Contains(t, text, "https://flags.example.com")
		assert.Contains(t, text, "acme")
	}
}

func TestShortCredentialsAreRejected(t *testing.T) {
	t.Parallel()
	base := client.Config{BaseURL: "https://flags.example.com", TenantID: "acme", Environment: "production"}
	withKey := base
	withKey.APIKey = "short"
	_, err := client.New(withKey)
	assert.ErrorContains(t, err, "Config.APIKey is 5 bytes, shorter than 8")
	withSecret := base
	withSecret.ClientID, withSecret.ClientSecret = "svc", "short"
	_, err = client.New(withSecret)
	assert.ErrorContains(t, err, "Config.ClientSecret is 5 bytes, shorter than 8")

	srv, _ := newServer(t, clienttest.Options{})
	c := newClient(t, srv, func(cfg *client.Config) {
		cfg.ClientSecret = ""
		cfg.ClientSecretFunc = func(context.Context) (client.Secret, error) { return "tiny", nil }
	})
	_, err = c.FetchRuleset(testContext(t), "")
	assert.ErrorContains(t, err, "ClientSecretFunc returned a secret of 4 bytes")
	assert.Empty(t, requestsTo(srv, clienttest.EndpointToken), "no token request with a secret that cannot be redacted")
}

// TestStreamReconnectionTime: the retry field a service sends reaches the
// caller through the error the stream ends with, which still says why it
// ended; without one there is none.
func TestStreamReconnectionTime(t *testing.T) {
	t.Parallel()
	for _, retry := range []time.Duration{0, 15 * time.Second} {
		t.Run(retry.String(), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			srv, _ := newServer(t, clienttest.Options{StreamRetry: retry})
			c := newClient(t, srv)
			events, done := stream(ctx, c, "")
			nextEvent(t, events)
			srv.DropStreams()
			err := streamResult(t, done, 3*time.Second)
			require.ErrorIs(t, err, client.ErrStreamClosed)
			d, ok := client.ReconnectionTime(err)
			require.Equal(t, retry > 0, ok)
			require.Equal(t, retry, d)
		})
	}
}
