package clienttest_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/internal/leakcheck"
	"github.com/switchyardhq/switchyard/signing"
)

// ---- helpers -------------------------------------------------------------

func newServer(t *testing.T, opts clienttest.Options) *clienttest.Server {
	t.Helper()
	srv := clienttest.New(opts)
	t.Cleanup(srv.Close)
	return srv
}

// response is a read and closed HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// errorCode decodes the "error" member of a JSON error body.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &e), "error body %q", r.Body)
	return e.Error
}

// send makes one request with the headers given as name, value pairs.
func send(t *testing.T, c *http.Client, method, u string, body []byte, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func get(t *testing.T, srv *clienttest.Server, path string, headers ...string) response {
	t.Helper()
	return send(t, srv.Client(), http.MethodGet, srv.URL+path, nil, headers...)
}

// tokenForm is a client-credentials token request body.
func tokenForm(extra ...string) []byte {
	v := url.Values{"grant_type": {"client_credentials"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return []byte(v.Encode())
}

const formType = "application/x-www-form-urlencoded"

// basic is an HTTP Basic Authorization value, id and secret form-encoded
// first as RFC 6749 section 2.3.1 says.
func basic(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return req.Header.Get("Authorization")
}

type tokenBody struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// fetchToken gets a token with HTTP Basic client authentication.
func fetchToken(t *testing.T, srv *clienttest.Server, id, secret, tenant string, form ...string) tokenBody {
	t.Helper()
	r := send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.TokenPath, tokenForm(form...),
		"Content-Type", formType, "Authorization", basic(id, secret), "X-Tenant-ID", tenant)
	require.Equal(t, http.StatusOK, r.Status, "token: %s", r.Body)
	var tok tokenBody
	require.NoError(t, json.Unmarshal(r.Body, &tok))
	return tok
}

// tenantTransport adds X-Tenant-ID, as the SDK's transport does.
type tenantTransport struct {
	tenant string
	base   http.RoundTripper
}

func (tt tenantTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("X-Tenant-ID", tt.tenant)
	return tt.base.RoundTrip(r)
}

func doc(tenant, env, version string) []byte {
	return clienttest.BooleanRuleset(tenant, env, version, map[string]bool{"new-checkout": true, "dark-mode": false})
}

// ---- SSE reading ----------------------------------------------------------

type sseEvent struct {
	Type, ID string
	Data     []string // data lines, in order
	Comments int      // comment lines seen before the event
}

// sseConn reads a stream line by line in a goroutine the test's cleanup
// stops.
type sseConn struct {
	t      *testing.T
	resp   *http.Response
	lines  chan string
	cancel context.CancelFunc
}

func openStream(t *testing.T, srv *clienttest.Server, env string, headers ...string) *sseConn {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+clienttest.StreamPath(env), nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		cancel()
		require.NoError(t, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("open stream: HTTP %d: %s", resp.StatusCode, b)
	}
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	c := &sseConn{t: t, resp: resp, lines: make(chan string, 1024), cancel: cancel}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(c.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		for range c.lines {
		}
		wg.Wait()
	})
	return c
}

// line returns the next line; ok is false at the end of the stream.
func (c *sseConn) line() (string, bool) {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		return l, ok
	case <-time.After(5 * time.Second):
		c.t.Fatal("no line from the stream within 5 s")
		return "", false
	}
}

// event returns the next event with data, counting the comments before
// it.
func (c *sseConn) event() sseEvent {
	c.t.Helper()
	var ev sseEvent
	for {
		l, ok := c.line()
		if !ok {
			c.t.Fatalf("stream ended before an event (got %+v)", ev)
		}
		switch {
		case l == "":
			if ev.Data != nil {
				return ev
			}
		case strings.HasPrefix(l, ":"):
			ev.Comments++
		case strings.HasPrefix(l, "event: "):
			ev.Type = strings.TrimPrefix(l, "event: ")
		case strings.HasPrefix(l, "id: "):
			ev.ID = strings.TrimPrefix(l, "id: ")
		case strings.HasPrefix(l, "data: "):
			ev.Data = append(ev.Data, strings.TrimPrefix(l, "data: "))
		default:
			c.t.Fatalf("unexpected stream line %q", l)
		}
	}
}

// expectEnd reads until the stream ends, failing on any event.
func (c *sseConn) expectEnd() {
	c.t.Helper()
	for {
		l, ok := c.line()
		if !ok {
			return
		}
		if l != "" && !strings.HasPrefix(l, ":") {
			c.t.Fatalf("stream sent %q, want its end", l)
		}
	}
}

// ---- token endpoint -------------------------------------------------------

func TestTokenBasicAuth(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "p@ss word/+=", "acme", "flags:read", "events:write")
	srv.SetRuleset("acme", "production", doc("acme", "production", "1"))

	tok := fetchToken(t, srv, "svc", "p@ss word/+=", "acme")
	assert.NotEmpty(t, tok.AccessToken)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, int64(3600), tok.ExpiresIn)
	assert.Equal(t, "flags:read events:write", tok.Scope)

	r := get(t, srv, clienttest.RulesetPath("production"), "Authorization", "Bearer "+tok.AccessToken, "X-Tenant-ID", "acme")
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	// Tokens are random: a second one differs.
	assert.NotEqual(t, tok.AccessToken, fetchToken(t, srv, "svc", "p@ss word/+=", "acme").AccessToken)
}

func TestTokenFormAuth(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "secret", "acme")
	r := send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.TokenPath,
		tokenForm("client_id", "svc", "client_secret", "secret", "scope", "flags:read"),
		"Content-Type", formType, "X-Tenant-ID", "acme")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var tok tokenBody
	require.NoError(t, json.Unmarshal(r.Body, &tok))
	assert.Equal(t, "flags:read", tok.Scope)
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
}

func TestTokenClientCredentialsLibrary(t *testing.T) {
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
		basic bool // the successful request used HTTP Basic
	}{
		{"auto-detect", oauth2.AuthStyleAutoDetect, true},
		{"in-header", oauth2.AuthStyleInHeader, true},
		{"in-params", oauth2.AuthStyleInParams, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, clienttest.Options{TokenTTL: 10 * time.Minute})
			srv.AddClient("svc id", "s3cret:é&=", "acme", "flags:read", "events:write")
			hc := &http.Client{Transport: tenantTransport{"acme", srv.Client().Transport}}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
			conf := clientcredentials.Config{
				ClientID: "svc id", ClientSecret: "s3cret:é&=",
				TokenURL: srv.URL + clienttest.TokenPath, Scopes: []string{"flags:read", "events:write"},
				AuthStyle: tc.style,
			}
			tok, err := conf.Token(ctx)
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.WithinDuration(t, time.Now().Add(10*time.Minute), tok.Expiry, 10*time.Second)

			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, clienttest.EndpointToken, reqs[0].Endpoint)
			assert.Equal(t, "acme", reqs[0].Tenant)
			assert.Equal(t, http.StatusOK, reqs[0].Status)
			assert.Equal(t, tc.basic, strings.HasPrefix(reqs[0].Header.Get("Authorization"), "Basic "))
			form, err := url.ParseQuery(string(reqs[0].Body))
			require.NoError(t, err)
			assert.Equal(t, "client_credentials", form.Get("grant_type"))
			assert.Equal(t, "flags:read events:write", form.Get("scope"))

			r := get(t, srv, clienttest.RulesetPath("x"), "Authorization", "Bearer "+tok.AccessToken, "X-Tenant-ID", "acme")
			assert.Equal(t, http.StatusNotFound, r.Status, "the token authenticates: only the env is unknown")
		})
	}
}

// AuthStyleAutoDetect tries HTTP Basic first and form fields after a
// failure; an injected 401 on the first attempt shows the server accepts
// the second.
func TestTokenAutoDetectFallsBackToParams(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "secret", "acme")
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointToken, Status: http.StatusUnauthorized, Count: 1})
	hc := &http.Client{Transport: tenantTransport{"acme", srv.Client().Transport}}
	conf := clientcredentials.Config{ClientID: "svc", ClientSecret: "secret", TokenURL: srv.URL + clienttest.TokenPath}
	_, err := conf.Token(context.WithValue(context.Background(), oauth2.HTTPClient, hc))
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, http.StatusUnauthorized, reqs[0].Status)
	assert.True(t, strings.HasPrefix(reqs[0].Header.Get("Authorization"), "Basic "))
	assert.Equal(t, http.StatusOK, reqs[1].Status)
	assert.Empty(t, reqs[1].Header.Get("Authorization"))
	assert.Contains(t, string(reqs[1].Body), "client_secret=secret")
}

func TestTokenErrors(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "pw-svc", "acme", "flags:read")
	srv.AddClient("other", "pw-other", "globex")

	for _, tc := range []struct {
		name      string
		form      []byte
		headers   []string
		method    string
		status    int
		code      string
		challenge string
	}{
		{name: "wrong secret basic", headers: []string{"Authorization", basic("svc", "nope"), "X-Tenant-ID", "acme"},
			status: 401, code: "invalid_client", challenge: "Basic"},
		{name: "wrong secret form", form: tokenForm("client_id", "svc", "client_secret", "nope"), headers: []string{"X-Tenant-ID", "acme"},
			status: 401, code: "invalid_client", challenge: "Basic"},
		{name: "unknown client", headers: []string{"Authorization", basic("ghost", "pw-svc"), "X-Tenant-ID", "acme"},
			status: 401, code: "invalid_client", challenge: "Basic"},
		{name: "no client authentication", headers: []string{"X-Tenant-ID", "acme"},
			status: 401, code: "invalid_client", challenge: "Basic"},
		{name: "missing tenant header", headers: []string{"Authorization", basic("svc", "pw-svc")},
			status: 403, code: "access_denied"},
		{name: "other tenant header", headers: []string{"Authorization", basic("svc", "pw-svc"), "X-Tenant-ID", "globex"},
			status: 403, code: "access_denied"},
		{name: "scope not granted", form: tokenForm("scope", "flags:read events:write"),
			headers: []string{"Authorization", basic("svc", "pw-svc"), "X-Tenant-ID", "acme"}, status: 400, code: "invalid_scope"},
		{name: "unknown scope", form: tokenForm("scope", "admin"),
			headers: []string{"Authorization", basic("other", "pw-other"), "X-Tenant-ID", "globex"}, status: 400, code: "invalid_scope"},
		{name: "wrong grant type", form: []byte("grant_type=password"),
			headers: []string{"Authorization", basic("svc", "pw-svc"), "X-Tenant-ID", "acme"}, status: 400, code: "unsupported_grant_type"},
		{name: "missing grant type", form: []byte("scope=flags%3Aread"),
			headers: []string{"Authorization", basic("svc", "pw-svc"), "X-Tenant-ID", "acme"}, status: 400, code: "invalid_request"},
		{name: "two authentication methods", form: tokenForm("client_id", "svc", "client_secret", "pw-svc"),
			headers: []string{"Authorization", basic("svc", "pw-svc"), "X-Tenant-ID", "acme"}, status: 400, code: "invalid_request"},
		{name: "not a form", form: []byte(`{"grant_type":"client_credentials"}`),
			headers: []string{"Content-Type", "application/json", "Authorization", basic("svc", "pw-svc"), "X-Tenant-ID", "acme"}, status: 400, code: "invalid_request"},
		{name: "GET", method: http.MethodGet,
			headers: []string{"Authorization", basic("svc", "pw-svc"), "X-Tenant-ID", "acme"}, status: 405, code: "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, method := tc.form, tc.method
			if form == nil {
				form = tokenForm()
			}
			if method == "" {
				method = http.MethodPost
			}
			headers := tc.headers
			if !slicesContains(headers, "Content-Type") {
				headers = append([]string{"Content-Type", formType}, headers...)
			}
			r := send(t, srv.Client(), method, srv.URL+clienttest.TokenPath, form, headers...)
			assert.Equal(t, tc.status, r.Status, "%s", r.Body)
			assert.Equal(t, tc.code, r.errorCode(t))
			if tc.challenge != "" {
				assert.True(t, strings.HasPrefix(r.Header.Get("WWW-Authenticate"), tc.challenge), "WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
			}
			assert.NotContains(t, string(r.Body), "pw-")
			assert.NotContains(t, string(r.Body), "globex")
		})
	}
	// Every attempt was recorded with its status, the rejected ones too.
	reqs := srv.Requests()
	require.Len(t, reqs, 13)
	assert.Equal(t, 401, reqs[0].Status)
	assert.Equal(t, 403, reqs[5].Status)
	assert.Equal(t, "globex", reqs[5].Tenant)
}

func slicesContains(kv []string, name string) bool {
	for i := 0; i < len(kv); i += 2 {
		if kv[i] == name {
			return true
		}
	}
	return false
}

func TestRevokeClient(t *testing.T) {
	srv := newServer(t, clienttest.Options{HeartbeatInterval: 20 * time.Millisecond})
	srv.AddClient("svc", "secret", "acme")
	srv.AddClient("keep", "secret", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	tok := fetchToken(t, srv, "svc", "secret", "acme")
	kept := fetchToken(t, srv, "keep", "secret", "acme")
	auth := func(tk tokenBody) []string {
		return []string{"Authorization", "Bearer " + tk.AccessToken, "X-Tenant-ID", "acme"}
	}
	stream := openStream(t, srv, "prod", auth(tok)...)
	other := openStream(t, srv, "prod", auth(kept)...)
	stream.event()
	other.event()

	srv.RevokeClient("svc")

	stream.expectEnd() // its stream was cut
	r := get(t, srv, clienttest.RulesetPath("prod"), auth(tok)...)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
	r = send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.TokenPath, tokenForm(),
		"Content-Type", formType, "Authorization", basic("svc", "secret"), "X-Tenant-ID", "acme")
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, "invalid_client", r.errorCode(t))

	// Another client of the tenant is untouched.
	assert.Equal(t, 1, srv.OpenStreams())
	assert.Equal(t, http.StatusOK, get(t, srv, clienttest.RulesetPath("prod"), auth(kept)...).Status)
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "2"))
	assert.Equal(t, "ruleset", other.event().Type)

	// Re-adding the client does not revive its old tokens.
	srv.AddClient("svc", "secret", "acme")
	assert.Equal(t, http.StatusUnauthorized, get(t, srv, clienttest.RulesetPath("prod"), auth(tok)...).Status)
	assert.Equal(t, http.StatusOK, get(t, srv, clienttest.RulesetPath("prod"), auth(fetchToken(t, srv, "svc", "secret", "acme"))...).Status)
}

func TestRotatedSecretKeepsTokens(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "old", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	tok := fetchToken(t, srv, "svc", "old", "acme")
	srv.AddClient("svc", "new", "acme")
	assert.Equal(t, http.StatusOK, get(t, srv, clienttest.RulesetPath("prod"), "Authorization", "Bearer "+tok.AccessToken, "X-Tenant-ID", "acme").Status)
	r := send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.TokenPath, tokenForm(),
		"Content-Type", formType, "Authorization", basic("svc", "old"), "X-Tenant-ID", "acme")
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	fetchToken(t, srv, "svc", "new", "acme")
}

func TestExpireTokens(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "secret", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	tok := fetchToken(t, srv, "svc", "secret", "acme")
	hdr := []string{"Authorization", "Bearer " + tok.AccessToken, "X-Tenant-ID", "acme"}
	require.Equal(t, http.StatusOK, get(t, srv, clienttest.RulesetPath("prod"), hdr...).Status)

	srv.ExpireTokens()
	r := get(t, srv, clienttest.RulesetPath("prod"), hdr...)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
	assert.Equal(t, "unauthorized", r.errorCode(t))

	fresh := fetchToken(t, srv, "svc", "secret", "acme")
	assert.Equal(t, http.StatusOK, get(t, srv, clienttest.RulesetPath("prod"), "Authorization", "Bearer "+fresh.AccessToken, "X-Tenant-ID", "acme").Status)
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTokenTTLWithInjectedClock(t *testing.T) {
	clock := &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := newServer(t, clienttest.Options{TokenTTL: 90*time.Second + time.Millisecond, Now: clock.Now})
	srv.AddClient("svc", "secret", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	tok := fetchToken(t, srv, "svc", "secret", "acme")
	assert.Equal(t, int64(91), tok.ExpiresIn, "expires_in rounds up")
	hdr := []string{"Authorization", "Bearer " + tok.AccessToken, "X-Tenant-ID", "acme"}

	clock.Advance(90 * time.Second)
	assert.Equal(t, http.StatusOK, get(t, srv, clienttest.RulesetPath("prod"), hdr...).Status)
	clock.Advance(time.Millisecond)
	assert.Equal(t, http.StatusUnauthorized, get(t, srv, clienttest.RulesetPath("prod"), hdr...).Status)

	reqs := srv.Requests()
	assert.Equal(t, clock.Now(), reqs[len(reqs)-1].Time, "Request.Time comes from Options.Now")
}

// ---- tenancy and authentication of service requests ------------------------

func TestTenantIsolation(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("acme-svc", "secret", "acme")
	srv.AddAPIKey("acme-key", "acme")
	srv.AddAPIKey("globex-key", "globex")
	acmeDoc, globexDoc := doc("acme", "production", "a1"), doc("globex", "production", "g1")
	srv.SetRuleset("acme", "production", acmeDoc)
	srv.SetRuleset("globex", "production", globexDoc)
	srv.SetRuleset("globex", "globex-only", doc("globex", "globex-only", "g2"))
	tok := fetchToken(t, srv, "acme-svc", "secret", "acme")

	for _, tc := range []struct {
		name    string
		path    string
		headers []string
		status  int
	}{
		{"token, own tenant", clienttest.RulesetPath("production"), []string{"Authorization", "Bearer " + tok.AccessToken, "X-Tenant-ID", "acme"}, 200},
		{"token, other tenant header", clienttest.RulesetPath("production"), []string{"Authorization", "Bearer " + tok.AccessToken, "X-Tenant-ID", "globex"}, 403},
		{"token, no tenant header", clienttest.RulesetPath("production"), []string{"Authorization", "Bearer " + tok.AccessToken}, 403},
		{"key, other tenant header", clienttest.RulesetPath("production"), []string{"X-API-Key", "acme-key", "X-Tenant-ID", "globex"}, 403},
		{"key, no tenant header", clienttest.RulesetPath("production"), []string{"X-API-Key", "acme-key"}, 403},
		{"env of another tenant only", clienttest.RulesetPath("globex-only"), []string{"X-API-Key", "acme-key", "X-Tenant-ID", "acme"}, 404},
		{"stream, other tenant header", clienttest.StreamPath("production"), []string{"Accept", "text/event-stream", "X-API-Key", "acme-key", "X-Tenant-ID", "globex"}, 403},
		{"other tenant's own key", clienttest.RulesetPath("production"), []string{"X-API-Key", "globex-key", "X-Tenant-ID", "globex"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, srv, tc.path, tc.headers...)
			require.Equal(t, tc.status, r.Status, "%s", r.Body)
			if tc.status == 200 {
				return
			}
			assert.NotEmpty(t, r.errorCode(t))
			for _, leak := range []string{"globex", "acme", "g1", "g2", "new-checkout"} {
				assert.NotContains(t, string(r.Body), leak)
			}
			assert.Empty(t, r.Header.Get("ETag"))
		})
	}
	r := get(t, srv, clienttest.RulesetPath("production"), "Authorization", "Bearer "+tok.AccessToken, "X-Tenant-ID", "acme")
	assert.Equal(t, acmeDoc, r.Body)
	r = get(t, srv, clienttest.RulesetPath("production"), "X-API-Key", "globex-key", "X-Tenant-ID", "globex")
	assert.Equal(t, globexDoc, r.Body)
}

func TestAPIKeys(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k1", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))

	r := get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k1", "X-Tenant-ID", "acme")
	assert.Equal(t, http.StatusOK, r.Status)

	for name, headers := range map[string][]string{
		"unknown key":                     {"X-API-Key", "k2", "X-Tenant-ID", "acme"},
		"no credentials":                  {"X-Tenant-ID", "acme"},
		"bad bearer wins over a good key": {"Authorization", "Bearer nope", "X-API-Key", "k1", "X-Tenant-ID", "acme"},
		"not bearer":                      {"Authorization", basic("k1", ""), "X-Tenant-ID", "acme"},
	} {
		t.Run(name, func(t *testing.T) {
			r := get(t, srv, clienttest.RulesetPath("prod"), headers...)
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			assert.True(t, strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer"), r.Header.Get("WWW-Authenticate"))
			assert.Equal(t, "unauthorized", r.errorCode(t))
			assert.NotContains(t, string(r.Body), "k1")
		})
	}

	srv.RevokeAPIKey("k1")
	assert.Equal(t, http.StatusUnauthorized, get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k1", "X-Tenant-ID", "acme").Status)
}

func TestScopesAreEnforced(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("reader", "secret", "acme", clienttest.ScopeRead)
	srv.AddClient("writer", "secret", "acme", clienttest.ScopeWrite)
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	read := fetchToken(t, srv, "reader", "secret", "acme")
	write := fetchToken(t, srv, "writer", "secret", "acme")

	r := send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.EventsPath, []byte(`{"events":[]}`),
		"Authorization", "Bearer "+read.AccessToken, "X-Tenant-ID", "acme", "Content-Type", "application/json", "Idempotency-Key", "k")
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Equal(t, "insufficient_scope", r.errorCode(t))
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`)

	r = get(t, srv, clienttest.RulesetPath("prod"), "Authorization", "Bearer "+write.AccessToken, "X-Tenant-ID", "acme")
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Equal(t, "insufficient_scope", r.errorCode(t))

	assert.Equal(t, http.StatusOK, get(t, srv, clienttest.RulesetPath("prod"), "Authorization", "Bearer "+read.AccessToken, "X-Tenant-ID", "acme").Status)
}

// ---- rulesets --------------------------------------------------------------

func TestRulesetETag(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}
	v1 := doc("acme", "prod", "1")
	etag1 := srv.SetRuleset("acme", "prod", v1)
	assert.Equal(t, clienttest.ETag(v1), etag1)
	assert.True(t, strings.HasPrefix(etag1, `"`) && strings.HasSuffix(etag1, `"`) && len(etag1) > 2, "ETag %s is quoted", etag1)

	r := get(t, srv, clienttest.RulesetPath("prod"), auth...)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, v1, r.Body)
	assert.Equal(t, etag1, r.Header.Get("ETag"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))

	for _, inm := range []string{etag1, "W/" + etag1, `"other", ` + etag1, "*"} {
		r = get(t, srv, clienttest.RulesetPath("prod"), append(auth, "If-None-Match", inm)...)
		assert.Equal(t, http.StatusNotModified, r.Status, "If-None-Match: %s", inm)
		assert.Empty(t, r.Body)
		assert.Equal(t, etag1, r.Header.Get("ETag"))
	}
	r = get(t, srv, clienttest.RulesetPath("prod"), append(auth, "If-None-Match", `"stale"`)...)
	assert.Equal(t, http.StatusOK, r.Status)

	// The ETag follows the content.
	v2 := doc("acme", "prod", "2")
	etag2 := srv.SetRuleset("acme", "prod", v2)
	assert.NotEqual(t, etag1, etag2)
	r = get(t, srv, clienttest.RulesetPath("prod"), append(auth, "If-None-Match", etag1)...)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, v2, r.Body)
	assert.Equal(t, etag2, r.Header.Get("ETag"))
	assert.Equal(t, etag1, srv.SetRuleset("acme", "other", v1), "same bytes, same ETag")

	got, etag, ok := srv.Document("acme", "prod")
	assert.True(t, ok)
	assert.Equal(t, v2, got)
	assert.Equal(t, etag2, etag)
}

func TestRulesetNotFoundAndEscaping(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}

	r := get(t, srv, clienttest.RulesetPath("prod"), auth...)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "not_found", r.errorCode(t))

	env := "eu west/1 ü"
	d := doc("acme", env, "1")
	srv.SetRuleset("acme", env, d)
	path := "/api/v1/environments/" + url.PathEscape(env) + "/ruleset"
	assert.Equal(t, path, clienttest.RulesetPath(env))
	r = get(t, srv, path, auth...)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, d, r.Body)
	last := srv.Requests()[1]
	assert.Equal(t, env, last.Env)
	assert.Equal(t, path, last.Path, "Path is recorded as sent")

	srv.RemoveRuleset("acme", env)
	assert.Equal(t, http.StatusNotFound, get(t, srv, path, auth...).Status)

	for _, p := range []string{"/", "/api/v1/environments//ruleset", "/api/v1/environments/prod/flags", "/api/v2/events"} {
		r := get(t, srv, p, auth...)
		assert.Equal(t, http.StatusNotFound, r.Status, p)
		assert.NotEmpty(t, r.Header.Get("X-Request-ID"))
	}
	r = send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.RulesetPath("prod"), []byte("{}"), auth...)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
	assert.Equal(t, "GET", r.Header.Get("Allow"))
}

func TestBooleanRulesetIsValid(t *testing.T) {
	d := clienttest.BooleanRuleset("acme", "prod", "7", map[string]bool{"a": true, "b": false})
	ev, err := evaluator.Load(d)
	require.NoError(t, err)
	assert.Equal(t, true, ev.Evaluate("a", nil).Value)
	assert.Equal(t, false, ev.Evaluate("b", nil).Value)
	assert.Greater(t, bytes.Count(d, []byte("\n")), 3, "indented over several lines")
	assert.Equal(t, d, clienttest.BooleanRuleset("acme", "prod", "7", map[string]bool{"b": false, "a": true}), "deterministic")
}

// ---- stream -----------------------------------------------------------------

func TestStream(t *testing.T) {
	srv := newServer(t, clienttest.Options{HeartbeatInterval: 20 * time.Millisecond})
	srv.AddAPIKey("k", "acme")
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}
	v1 := doc("acme", "prod", "1")
	etag1 := srv.SetRuleset("acme", "prod", v1)

	c := openStream(t, srv, "prod", auth...)
	ev := c.event()
	assert.Equal(t, "ruleset", ev.Type)
	assert.Equal(t, "1", ev.ID, "the event ID is the document's version")
	assert.NotEqual(t, strings.Trim(etag1, `"`), ev.ID, "event IDs and ETags differ")
	assert.Equal(t, strings.Split(string(v1), "\n"), ev.Data, "one data line per document line")
	assert.Greater(t, len(ev.Data), 3)
	assert.Equal(t, 1, srv.OpenStreams())

	// Heartbeats: ":" comments every 20 ms.
	l, ok := c.line()
	require.True(t, ok)
	assert.Equal(t, ":", l)

	v2 := doc("acme", "prod", "2")
	srv.SetRuleset("acme", "prod", v2)
	ev = c.event()
	assert.Equal(t, "ruleset", ev.Type)
	assert.Equal(t, "2", ev.ID)
	assert.Equal(t, string(v2), strings.Join(ev.Data, "\n"))

	srv.Invalidate("acme", "prod")
	ev = c.event()
	assert.Equal(t, "invalidate", ev.Type)
	assert.Equal(t, []string{"{}"}, ev.Data)
	assert.Empty(t, ev.ID)

	// Pushes for another environment or tenant do not reach it.
	srv.SetRuleset("acme", "staging", doc("acme", "staging", "1"))
	srv.SetRuleset("globex", "prod", doc("globex", "prod", "1"))
	srv.Invalidate("globex", "prod")
	srv.Invalidate("acme", "prod")
	ev = c.event()
	assert.Equal(t, "invalidate", ev.Type, "the next event is acme/prod's")

	srv.DropStreams()
	assert.Equal(t, 0, srv.OpenStreams())
	c.expectEnd()
}

func TestStreamHeartbeats(t *testing.T) {
	srv := newServer(t, clienttest.Options{HeartbeatInterval: 20 * time.Millisecond})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	start := time.Now()
	// Resuming at the current version: no initial event, only heartbeats.
	c := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme", "Last-Event-ID", "1")
	for range 3 {
		l, ok := c.line()
		require.True(t, ok)
		require.Equal(t, ":", l)
	}
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	srv.Invalidate("acme", "prod")
	assert.Equal(t, "invalidate", c.event().Type)
}

func TestStreamLastEventID(t *testing.T) {
	srv := newServer(t, clienttest.Options{HeartbeatInterval: time.Hour})
	srv.AddAPIKey("k", "acme")
	v1 := doc("acme", "prod", "1")
	etag := srv.SetRuleset("acme", "prod", v1)
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}

	// An ETag is not an event ID: the full document first.
	c0 := openStream(t, srv, "prod", append(auth, "Last-Event-ID", strings.Trim(etag, `"`))...)
	assert.Equal(t, "ruleset", c0.event().Type)

	// Matching Last-Event-ID: the first event is the next push.
	c := openStream(t, srv, "prod", append(auth, "Last-Event-ID", "1")...)
	srv.Invalidate("acme", "prod")
	assert.Equal(t, "invalidate", c.event().Type)

	// A stale one: the full document first.
	c2 := openStream(t, srv, "prod", append(auth, "Last-Event-ID", "stale")...)
	ev := c2.event()
	assert.Equal(t, "ruleset", ev.Type)
	assert.Equal(t, string(v1), strings.Join(ev.Data, "\n"))
}

func TestStreamErrors(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}
	for _, tc := range []struct {
		name    string
		env     string
		headers []string
		status  int
	}{
		{"no Accept", "prod", auth, 406},
		{"Accept json", "prod", append([]string{"Accept", "application/json"}, auth...), 406},
		{"Accept any", "prod", append([]string{"Accept", "*/*"}, auth...), 406},
		{"unknown env", "nope", append([]string{"Accept", "text/event-stream"}, auth...), 404},
		{"no credentials", "prod", []string{"Accept", "text/event-stream", "X-Tenant-ID", "acme"}, 401},
		{"no tenant", "prod", []string{"Accept", "text/event-stream", "X-API-Key", "k"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, srv, clienttest.StreamPath(tc.env), tc.headers...)
			assert.Equal(t, tc.status, r.Status, "%s", r.Body)
			assert.NotEmpty(t, r.errorCode(t))
		})
	}
	// A list that includes text/event-stream is accepted.
	openStream(t, srv, "prod", append(auth, "Accept", "application/json, text/event-stream;q=0.9")...).event()
	assert.Equal(t, 0, countStatus(srv, clienttest.EndpointStream, 0), "every stream request has its status")
}

func countStatus(srv *clienttest.Server, ep clienttest.Endpoint, status int) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Endpoint == ep && r.Status == status {
			n++
		}
	}
	return n
}

func TestStreamClosedByRemoveRulesetAndRevokedKey(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.AddAPIKey("k2", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	srv.SetRuleset("acme", "staging", doc("acme", "staging", "1"))

	prod := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme")
	staging := openStream(t, srv, "staging", "X-API-Key", "k2", "X-Tenant-ID", "acme")
	prod.event()
	staging.event()
	srv.RemoveRuleset("acme", "prod")
	prod.expectEnd()
	assert.Equal(t, 1, srv.OpenStreams())

	srv.RevokeAPIKey("k2")
	staging.expectEnd()
	assert.Equal(t, 0, srv.OpenStreams())
}

func TestStreamCancelledByClient(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	c := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme")
	c.event()
	c.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitOpenStreams(ctx, 0))
}

func TestWaitOpenStreamsTimeout(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := srv.WaitOpenStreams(ctx, 1)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestStreamDocumentLineEnds(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", []byte("{\r\n \"a\": 1,\r \"b\": 2\n}\n"))
	ev := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme").event()
	assert.Equal(t, []string{"{", ` "a": 1,`, ` "b": 2`, "}", ""}, ev.Data)
}

// ---- events ------------------------------------------------------------------

func postEvents(t *testing.T, srv *clienttest.Server, body []byte, headers ...string) response {
	t.Helper()
	return send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.EventsPath, body, headers...)
}

func TestEvents(t *testing.T) {
	srv := newServer(t, clienttest.Options{MaxEventBody: 200})
	srv.AddAPIKey("k", "acme")
	srv.AddAPIKey("g", "globex")
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme", "Content-Type", "application/json"}

	b1 := []byte(`{"events":[{"kind":"summary","n":1},{"kind":"track","name":"buy"}]}`)
	r := postEvents(t, srv, b1, append(auth, "Idempotency-Key", "key-1")...)
	assert.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	assert.Empty(t, r.Header.Get("Idempotent-Replayed"))

	// A retry with the same key is acknowledged and stored once, even with
	// another body.
	r = postEvents(t, srv, []byte(`{"events":[]}`), append(auth, "Idempotency-Key", "key-1")...)
	assert.Equal(t, http.StatusAccepted, r.Status)
	assert.Equal(t, "true", r.Header.Get("Idempotent-Replayed"))

	b2 := []byte(`{"events":[{"kind":"evaluation"}]}`)
	r = postEvents(t, srv, b2, append(auth, "Idempotency-Key", "key-2")...)
	assert.Equal(t, http.StatusAccepted, r.Status)

	// Keys are per tenant.
	r = postEvents(t, srv, b2, "X-API-Key", "g", "X-Tenant-ID", "globex", "Content-Type", "application/json; charset=utf-8", "Idempotency-Key", "key-1")
	assert.Equal(t, http.StatusAccepted, r.Status)

	batches := srv.Batches("acme")
	require.Len(t, batches, 2)
	assert.Equal(t, clienttest.Batch{
		Tenant: "acme", IdempotencyKey: "key-1", Body: b1,
		Events: []json.RawMessage{json.RawMessage(`{"kind":"summary","n":1}`), json.RawMessage(`{"kind":"track","name":"buy"}`)},
	}, batches[0])
	assert.Equal(t, "key-2", batches[1].IdempotencyKey)
	assert.Len(t, srv.Events("acme"), 3)
	require.Len(t, srv.Batches("globex"), 1)
	assert.Empty(t, srv.Batches("nobody"))

	// The result is the caller's.
	batches[0].Body[0] = 'X'
	assert.Equal(t, b1, srv.Batches("acme")[0].Body)

	for _, tc := range []struct {
		name    string
		body    []byte
		headers []string
		status  int
		code    string
	}{
		{"too large", []byte(`{"events":[` + strings.Repeat(`{},`, 80) + `{}]}`), append(auth, "Idempotency-Key", "big"), 413, "too_large"},
		{"not JSON content type", b2, []string{"X-API-Key", "k", "X-Tenant-ID", "acme", "Content-Type", "text/plain", "Idempotency-Key", "t"}, 415, "unsupported_media_type"},
		{"no content type", b2, []string{"X-API-Key", "k", "X-Tenant-ID", "acme", "Idempotency-Key", "t"}, 415, "unsupported_media_type"},
		{"no idempotency key", b2, auth, 400, "missing_idempotency_key"},
		{"malformed JSON", []byte(`{"events":[`), append(auth, "Idempotency-Key", "m"), 400, "invalid_json"},
		{"events not an array", []byte(`{"events":{}}`), append(auth, "Idempotency-Key", "m2"), 400, "invalid_json"},
		{"no events member", []byte(`{}`), append(auth, "Idempotency-Key", "m3"), 400, "invalid_request"},
		{"wrong tenant", b2, []string{"X-API-Key", "k", "X-Tenant-ID", "globex", "Content-Type", "application/json", "Idempotency-Key", "w"}, 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postEvents(t, srv, tc.body, tc.headers...)
			assert.Equal(t, tc.status, r.Status, "%s", r.Body)
			assert.Equal(t, tc.code, r.errorCode(t))
		})
	}
	assert.Len(t, srv.Batches("acme"), 2, "rejected uploads are not stored")
	assert.Len(t, srv.Batches("globex"), 1)

	// A body of exactly the limit is accepted.
	exact := []byte(`{"events":[` + strings.Repeat(" ", 200-13) + `]}`)
	require.Len(t, exact, 200)
	assert.Equal(t, http.StatusAccepted, postEvents(t, srv, exact, append(auth, "Idempotency-Key", "exact")...).Status)

	// The request log holds the bodies of event requests.
	var logged int
	for _, req := range srv.Requests() {
		if req.Endpoint == clienttest.EndpointEvents && req.Header.Get("Idempotency-Key") == "key-2" {
			assert.Equal(t, b2, req.Body)
			logged++
		}
	}
	assert.Equal(t, 1, logged)
}

func TestEventsDefaultLimitIsOneMiB(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme", "Content-Type", "application/json"}
	pad := func(n int) []byte { return []byte(`{"events":[` + strings.Repeat(" ", n-13) + `]}`) }
	assert.Equal(t, http.StatusAccepted, postEvents(t, srv, pad(1<<20), append(auth, "Idempotency-Key", "a")...).Status)
	assert.Equal(t, http.StatusRequestEntityTooLarge, postEvents(t, srv, pad(1<<20+1), append(auth, "Idempotency-Key", "b")...).Status)
}

// ---- faults ------------------------------------------------------------------

func TestFaultStatus(t *testing.T) {
	for _, tc := range []struct {
		status     int
		retryAfter string
		code       string
	}{
		{500, "", "internal_server_error"},
		{429, "7", "too_many_requests"},
		{503, "Wed, 21 Oct 2015 07:28:00 GMT", "service_unavailable"},
		{401, "", "unauthorized"},
		{403, "", "forbidden"},
		{404, "", "not_found"},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := newServer(t, clienttest.Options{})
			srv.AddAPIKey("k", "acme")
			srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
			srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: tc.status, RetryAfter: tc.retryAfter, Count: 2})
			for i := range 2 {
				r := get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme")
				assert.Equal(t, tc.status, r.Status, "request %d", i)
				assert.Equal(t, tc.retryAfter, r.Header.Get("Retry-After"))
				assert.Equal(t, tc.code, r.errorCode(t))
				assert.NotEmpty(t, r.Header.Get("X-Request-ID"))
				if tc.status == 401 {
					assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
				}
			}
			r := get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme")
			assert.Equal(t, http.StatusOK, r.Status, "Count 2 applies to two requests")
		})
	}
}

func TestFaultAppliesBeforeAuthentication(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointEvents, Status: 503, Count: 1})
	r := postEvents(t, srv, []byte(`{"events":[]}`))
	assert.Equal(t, 503, r.Status)
	assert.Equal(t, 401, postEvents(t, srv, []byte(`{"events":[]}`)).Status)
}

func TestFaultUntilCleared(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "secret", "acme")
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	srv.Fail(clienttest.Fault{Status: 502}) // any endpoint, Count 0: until cleared
	for range 3 {
		assert.Equal(t, 502, get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme").Status)
	}
	r := send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.TokenPath, tokenForm(),
		"Content-Type", formType, "Authorization", basic("svc", "secret"), "X-Tenant-ID", "acme")
	assert.Equal(t, 502, r.Status)
	assert.Equal(t, "server_error", r.errorCode(t), "OAuth2 error codes from the token endpoint")
	assert.Equal(t, 502, postEvents(t, srv, []byte(`{}`)).Status)
	assert.Equal(t, 502, get(t, srv, clienttest.StreamPath("prod"), "Accept", "text/event-stream").Status)
	assert.Equal(t, 404, get(t, srv, "/unknown").Status, "unknown paths are not faulted")

	srv.ClearFaults()
	assert.Equal(t, 200, get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme").Status)
}

func TestFaultMatching(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("a", "acme")
	srv.AddAPIKey("g", "globex")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	srv.SetRuleset("globex", "prod", doc("globex", "prod", "1"))
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Status: 500, Count: 1})
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointAny, Tenant: "globex", Status: 429, Count: 1})
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503, Count: 1})

	assert.Equal(t, 429, get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "g", "X-Tenant-ID", "globex").Status)
	assert.Equal(t, 503, get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "a", "X-Tenant-ID", "acme").Status)
	assert.Equal(t, 200, get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "g", "X-Tenant-ID", "globex").Status)
	assert.Equal(t, 500, get(t, srv, clienttest.StreamPath("prod"), "Accept", "text/event-stream", "X-API-Key", "a", "X-Tenant-ID", "acme").Status)
	openStream(t, srv, "prod", "X-API-Key", "a", "X-Tenant-ID", "acme").event()
}

func TestFaultTokenInvalidClient(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "secret", "acme")
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointToken, Status: 401})
	hc := &http.Client{Transport: tenantTransport{"acme", srv.Client().Transport}}
	conf := clientcredentials.Config{ClientID: "svc", ClientSecret: "secret", TokenURL: srv.URL + clienttest.TokenPath, AuthStyle: oauth2.AuthStyleInHeader}
	_, err := conf.Token(context.WithValue(context.Background(), oauth2.HTTPClient, hc))
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_client", re.ErrorCode)
	assert.Equal(t, 401, re.Response.StatusCode)
	assert.Contains(t, re.Response.Header.Get("WWW-Authenticate"), "Basic")
}

func TestFaultDelay(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))

	// A delay alone answers normally, late.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Delay: 50 * time.Millisecond, Count: 1})
	start := time.Now()
	r := get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme")
	assert.Equal(t, 200, r.Status)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	// A client that gives up is let go at once.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Delay: time.Hour, Status: 500, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+clienttest.RulesetPath("prod"), nil)
	start = time.Now()
	_, err := srv.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
	// The fault was spent on it, unanswered; the next request is served.
	assert.Equal(t, 0, srv.Requests()[1].Status)
	assert.Equal(t, 200, get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme").Status)
}

func TestFaultBody(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.AddClient("svc", "secret", "acme")
	good := doc("acme", "prod", "1")
	srv.SetRuleset("acme", "prod", good)
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}
	bad := []byte(`{"schemaVersion":1,"flags":{`)
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Body: bad, Count: 1, RequestID: "req-bad"})

	// A body fault is not spent on a rejected request.
	assert.Equal(t, 401, get(t, srv, clienttest.RulesetPath("prod"), "X-Tenant-ID", "acme").Status)

	r := get(t, srv, clienttest.RulesetPath("prod"), append(auth, "If-None-Match", clienttest.ETag(good))...)
	assert.Equal(t, 200, r.Status)
	assert.Equal(t, bad, r.Body)
	assert.Equal(t, clienttest.ETag(bad), r.Header.Get("ETag"))
	assert.Equal(t, "req-bad", r.Header.Get("X-Request-ID"))

	r = get(t, srv, clienttest.RulesetPath("prod"), auth...)
	assert.Equal(t, good, r.Body)
	assert.NotEqual(t, "req-bad", r.Header.Get("X-Request-ID"))

	// Token endpoint: 200 with the replacement, no token issued.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointToken, Body: []byte(`{"access_token":`), Count: 1})
	r = send(t, srv.Client(), http.MethodPost, srv.URL+clienttest.TokenPath, tokenForm(),
		"Content-Type", formType, "Authorization", basic("svc", "secret"), "X-Tenant-ID", "acme")
	assert.Equal(t, 200, r.Status)
	assert.Equal(t, `{"access_token":`, string(r.Body))

	// Events: stored, 202 with the replacement.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointEvents, Body: []byte(`oops`), Count: 1})
	r = postEvents(t, srv, []byte(`{"events":[1]}`), append(auth, "Content-Type", "application/json", "Idempotency-Key", "x")...)
	assert.Equal(t, 202, r.Status)
	assert.Equal(t, "oops", string(r.Body))
	assert.Len(t, srv.Batches("acme"), 1)

	// Error fault with its own body.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 502, Body: []byte("<html>bad gateway</html>"), Count: 1})
	r = get(t, srv, clienttest.RulesetPath("prod"), auth...)
	assert.Equal(t, 502, r.Status)
	assert.Equal(t, "<html>bad gateway</html>", string(r.Body))
}

func TestFaultBodyOnStream(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	etag := srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	bad := []byte("{\n\"schemaVersion\": 1,")
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Body: bad, Count: 1})
	// Sent even though Last-Event-ID matches the real version.
	c := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme", "Last-Event-ID", strings.Trim(etag, `"`))
	ev := c.event()
	assert.Equal(t, "ruleset", ev.Type)
	assert.Equal(t, strings.Trim(clienttest.ETag(bad), `"`), ev.ID)
	assert.Equal(t, []string{"{", `"schemaVersion": 1,`}, ev.Data)
	// Then the stream is live.
	v2 := doc("acme", "prod", "2")
	srv.SetRuleset("acme", "prod", v2)
	assert.Equal(t, string(v2), strings.Join(c.event().Data, "\n"))
}

func TestFaultOversize(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	const n = 17 << 20 // above the client's default 16 MiB limit
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Oversize: n, Count: 1})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+clienttest.RulesetPath("prod"), nil)
	req.Header.Set("X-API-Key", "k")
	req.Header.Set("X-Tenant-ID", "acme")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, int64(n), resp.ContentLength)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Len(t, body, n)
	assert.True(t, json.Valid(body), "the oversize body is valid JSON")
	assert.Equal(t, clienttest.ETag(body), resp.Header.Get("ETag"))

	// On the stream: one event of that size.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Oversize: 100_000, Count: 1})
	ev := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme").event()
	require.Len(t, ev.Data, 1)
	assert.Len(t, ev.Data[0], 100_000)
}

func TestFaultRequestIDOnly(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	srv.Fail(clienttest.Fault{RequestID: "fixed-id", Count: 2})
	for range 2 {
		r := get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme")
		assert.Equal(t, 200, r.Status)
		assert.Equal(t, "fixed-id", r.Header.Get("X-Request-ID"))
	}
	assert.NotEqual(t, "fixed-id", get(t, srv, clienttest.RulesetPath("prod")).Header.Get("X-Request-ID"))
	for _, r := range srv.Requests()[:2] {
		assert.Equal(t, "fixed-id", r.RequestID)
	}
}

// ---- request log ---------------------------------------------------------------

func TestRequestLog(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddClient("svc", "secret", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	tok := fetchToken(t, srv, "svc", "secret", "acme")
	auth := []string{"Authorization", "Bearer " + tok.AccessToken, "X-Tenant-ID", "acme", "User-Agent", "switchyard-go/test", "X-SDK-Language", "go"}
	get(t, srv, clienttest.RulesetPath("prod"), auth...)
	get(t, srv, clienttest.RulesetPath("prod"), "Authorization", "Bearer "+tok.AccessToken, "X-Tenant-ID", "globex")
	postEvents(t, srv, []byte(`{"events":[]}`), append(auth, "Content-Type", "application/json", "Idempotency-Key", "i")...)
	get(t, srv, "/nope")

	reqs := srv.Requests()
	require.Len(t, reqs, 5)
	want := []struct {
		method, path string
		ep           clienttest.Endpoint
		tenant       string
		status       int
	}{
		{"POST", clienttest.TokenPath, clienttest.EndpointToken, "acme", 200},
		{"GET", "/api/v1/environments/prod/ruleset", clienttest.EndpointRuleset, "acme", 200},
		{"GET", "/api/v1/environments/prod/ruleset", clienttest.EndpointRuleset, "globex", 403},
		{"POST", clienttest.EventsPath, clienttest.EndpointEvents, "acme", 202},
		{"GET", "/nope", "", "", 404},
	}
	ids := map[string]bool{}
	for i, w := range want {
		r := reqs[i]
		assert.Equal(t, w.method, r.Method, "request %d", i)
		assert.Equal(t, w.path, r.Path, "request %d", i)
		assert.Equal(t, w.ep, r.Endpoint, "request %d", i)
		assert.Equal(t, w.tenant, r.Tenant, "request %d", i)
		assert.Equal(t, w.tenant, r.Header.Get("X-Tenant-ID"), "request %d", i)
		assert.Equal(t, w.status, r.Status, "request %d", i)
		assert.NotEmpty(t, r.RequestID, "request %d", i)
		assert.False(t, ids[r.RequestID], "request IDs are unique")
		ids[r.RequestID] = true
		assert.False(t, r.Time.IsZero())
		if i > 0 {
			assert.False(t, r.Time.Before(reqs[i-1].Time), "in order")
		}
	}
	assert.Equal(t, "switchyard-go/test", reqs[1].Header.Get("User-Agent"))
	assert.Equal(t, "go", reqs[1].Header.Get("X-SDK-Language"))
	assert.Contains(t, string(reqs[0].Body), "grant_type=client_credentials")
	assert.Nil(t, reqs[1].Body)
	assert.Equal(t, `{"events":[]}`, string(reqs[3].Body))

	// The result is a copy.
	reqs[0].Header.Set("X-Tenant-ID", "changed")
	assert.Equal(t, "acme", srv.Requests()[0].Header.Get("X-Tenant-ID"))

	srv.ResetRequests()
	assert.Empty(t, srv.Requests())
	get(t, srv, "/nope")
	assert.Len(t, srv.Requests(), 1)
}

// ---- TLS ------------------------------------------------------------------------

func TestTLS(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("http2=%v", h2), func(t *testing.T) {
			srv := newServer(t, clienttest.Options{TLS: true, HTTP2: h2})
			require.True(t, strings.HasPrefix(srv.URL, "https://127.0.0.1:"), srv.URL)
			require.NotNil(t, srv.Certificate())
			require.NotNil(t, srv.RootCAs())
			srv.AddAPIKey("k", "acme")
			srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))

			r := get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme")
			assert.Equal(t, 200, r.Status)

			c := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme")
			c.event()
			if h2 {
				assert.Equal(t, 2, c.resp.ProtoMajor)
			} else {
				assert.Equal(t, 1, c.resp.ProtoMajor)
			}
			srv.Invalidate("acme", "prod")
			assert.Equal(t, "invalidate", c.event().Type)
			srv.DropStreams()
			c.expectEnd()

			// A client without the test CA fails verification.
			plain := &http.Client{Transport: &http.Transport{}}
			defer plain.CloseIdleConnections()
			_, err := plain.Get(srv.URL + clienttest.RulesetPath("prod"))
			require.Error(t, err)
		})
	}
	assert.Nil(t, newServer(t, clienttest.Options{}).Certificate())
	assert.Nil(t, newServer(t, clienttest.Options{}).RootCAs())
}

// ---- lifecycle --------------------------------------------------------------------

func TestCloseWithOpenStreamsDoesNotHang(t *testing.T) {
	srv := clienttest.New(clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	var streams []*sseConn
	for range 3 {
		c := openStream(t, srv, "prod", "X-API-Key", "k", "X-Tenant-ID", "acme")
		c.event()
		streams = append(streams, c)
	}
	// A request held by a fault delay, too.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Delay: time.Hour})
	delayed := make(chan int, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL + clienttest.RulesetPath("prod"))
		if err != nil {
			delayed <- 0
			return
		}
		resp.Body.Close()
		delayed <- resp.StatusCode
	}()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 4 }, 5*time.Second, 5*time.Millisecond)

	start := time.Now()
	srv.Close()
	assert.Less(t, time.Since(start), 2*time.Second)
	for _, c := range streams {
		c.expectEnd()
	}
	assert.Equal(t, 503, <-delayed)
	assert.Equal(t, 0, srv.OpenStreams())
	srv.Close() // idempotent

	// The state can still be read.
	assert.Len(t, srv.Requests(), 4)
	_, err := srv.Client().Get(srv.URL + "/")
	assert.Error(t, err, "the server no longer listens")
}

func TestNoGoroutineLeak(t *testing.T) {
	leaks := leakcheck.Take(t)
	for _, opts := range []clienttest.Options{{}, {TLS: true}, {TLS: true, HTTP2: true}} {
		srv := clienttest.New(opts)
		srv.AddClient("svc", "secret", "acme")
		srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
		tok := fetchToken(t, srv, "svc", "secret", "acme")
		auth := []string{"Authorization", "Bearer " + tok.AccessToken, "X-Tenant-ID", "acme"}
		get(t, srv, clienttest.RulesetPath("prod"), auth...)
		postEvents(t, srv, []byte(`{"events":[]}`), append(auth, "Content-Type", "application/json", "Idempotency-Key", "i")...)

		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+clienttest.StreamPath("prod"), nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("X-Tenant-ID", "acme")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		done := make(chan struct{})
		go func() { defer close(done); _, _ = io.Copy(io.Discard, resp.Body) }()
		require.Equal(t, 1, srv.OpenStreams())

		srv.Close()
		<-done
		resp.Body.Close()
		cancel()
		srv.Client().CloseIdleConnections()
	}
	leaks.Check(t)
}

func TestNewRejectsNegativeOptions(t *testing.T) {
	for _, opts := range []clienttest.Options{{TokenTTL: -1}, {HeartbeatInterval: -1}, {MaxEventBody: -1}} {
		assert.Panics(t, func() { clienttest.New(opts) }, "%+v", opts)
	}
}

// TestConcurrentUse exercises every method at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	srv := newServer(t, clienttest.Options{HeartbeatInterval: 5 * time.Millisecond})
	srv.AddClient("svc", "secret", "acme")
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "0"))
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}
	c := openStream(t, srv, "prod", auth...)
	c.event()

	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				switch (w + i) % 5 {
				case 0:
					srv.SetRuleset("acme", "prod", doc("acme", "prod", fmt.Sprint(w, i)))
				case 1:
					srv.Invalidate("acme", "prod")
				case 2:
					fetchToken(t, srv, "svc", "secret", "acme")
				case 3:
					postEvents(t, srv, []byte(`{"events":[{}]}`), append(auth, "Content-Type", "application/json", "Idempotency-Key", fmt.Sprint(w, "-", i))...)
				case 4:
					srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 500, Count: 1})
					get(t, srv, clienttest.RulesetPath("prod"), auth...)
					_ = srv.Requests()
					_ = srv.Batches("acme")
					_ = srv.OpenStreams()
				}
			}
		}()
	}
	wg.Wait()
	assert.Len(t, srv.Batches("acme"), 16)
	// Every push reached the stream: 16 documents and 16 invalidations,
	// then this last one.
	srv.Invalidate("acme", "prod")
	counts := map[string]int{}
	for range 33 {
		counts[c.event().Type]++
	}
	assert.Equal(t, map[string]int{"ruleset": 16, "invalidate": 17}, counts)
	assert.Equal(t, 1, srv.OpenStreams())
}

// ---- signing -----------------------------------------------------------------

func TestSignedRulesets(t *testing.T) {
	k1 := signing.NewPrivateKey("k1", ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)))
	k2 := signing.NewPrivateKey("k2", ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32)))
	trusted, err := signing.NewKeys(k1.Public(), k2.Public())
	require.NoError(t, err)
	srv := newServer(t, clienttest.Options{SigningKey: k1})
	srv.AddAPIKey("k", "acme")
	auth := []string{"X-API-Key", "k", "X-Tenant-ID", "acme"}
	v1 := doc("acme", "prod", "1")
	etag := srv.SetRuleset("acme", "prod", v1)

	r := get(t, srv, clienttest.RulesetPath("prod"), auth...)
	require.Equal(t, http.StatusOK, r.Status)
	got, keyID, err := signing.Verify(r.Body, trusted)
	require.NoError(t, err, "GET serves a signed envelope")
	assert.Equal(t, "k1", keyID)
	assert.Equal(t, string(bytes.TrimSpace(v1)), string(got))
	assert.Equal(t, clienttest.ETag(r.Body), etag, "the ETag is the envelope's")
	body, etag2, _ := srv.Document("acme", "prod")
	assert.Equal(t, r.Body, body)
	assert.Equal(t, etag, etag2)

	c := openStream(t, srv, "prod", auth...)
	ev := c.event()
	assert.Equal(t, "1", ev.ID, "the event ID is still the document's version")
	got, _, err = signing.Verify([]byte(strings.Join(ev.Data, "\n")), trusted)
	require.NoError(t, err, "the stream serves the envelope")
	assert.Equal(t, string(bytes.TrimSpace(v1)), string(got))

	srv.SetSigningKey(k2)
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "2"))
	_, keyID, err = signing.Verify([]byte(strings.Join(c.event().Data, "\n")), trusted)
	require.NoError(t, err)
	assert.Equal(t, "k2", keyID, "SetSigningKey rotates the key")

	srv.SetSigningKey(signing.PrivateKey{})
	v3 := doc("acme", "prod", "3")
	srv.SetRuleset("acme", "prod", v3)
	r = get(t, srv, clienttest.RulesetPath("prod"), auth...)
	assert.Equal(t, v3, r.Body, "the zero key stops signing")
}

func TestUnsignableDocumentPanics(t *testing.T) {
	k := signing.NewPrivateKey("k1", ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)))
	srv := newServer(t, clienttest.Options{SigningKey: k})
	crlf := []byte("{\"schemaVersion\": 1,\r\n \"tenantId\": \"acme\", \"environment\": \"prod\", \"flags\": {}}")
	assert.Panics(t, func() { srv.SetRuleset("acme", "prod", crlf) }, "a document Sign refuses is not served unsigned")
	assert.NotPanics(t, func() { srv.SetRuleset("acme", "prod", []byte("not json")) }, "malformed bytes stay a test's choice")
}
