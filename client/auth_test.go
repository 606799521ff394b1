package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// testSecret is the client secret of the tests in this file: long enough to
// be redacted, distinctive enough to be found in any text that leaks it.
const testSecret = "sk-test-0123456789abcdefSECRET"

// The tests in this file do not call t.Parallel: a parallel test paused
// while TestNoGoroutineLeak runs would show this package in its stack,
// and they are fast (time is virtual in synctest).

func TestServiceString(t *testing.T) {
	tests := []struct {
		name string
		in   string
		keep bool
	}{
		{"empty", "", true},
		{"request ID", "req-0042", true},
		{"strong ETag", `"v1-3f2a"`, true},
		{"weak ETag", `W/"v1"`, true},
		{"every visible ASCII byte", "!~" + `"#$%&'()*+,-./09:;<=>?@AZ[\]^_` + "`az{|}", true},
		{"256 bytes", strings.Repeat("a", 256), true},
		{"257 bytes", strings.Repeat("a", 257), false},
		{"space", "req 1", false},
		{"control character", "2\x01", false},
		{"newline", "req\r\nSet-Cookie:x", false},
		{"DEL", "req\x7f", false},
		{"non-ASCII", "req-é", false},
		{"invalid UTF-8", "req-\xff", false},
		{"the secret", testSecret, false},
		{"the secret inside", "id-" + testSecret + "-x", false},
		{"a short secret is ignored", "id-short", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := serviceString(tt.in, testSecret, "short", "")
			if tt.keep {
				assert.True(t, ok, "serviceString(%q) dropped it", tt.in)
				assert.Equal(t, tt.in, got, "a kept value is unchanged")
			} else {
				assert.False(t, ok, "serviceString(%q) kept it", tt.in)
				assert.Empty(t, got, "a dropped value is dropped whole")
			}
		})
	}
}

func TestServiceRequestID(t *testing.T) {
	h := http.Header{}
	id, ok := serviceRequestID(h)
	assert.True(t, ok)
	assert.Empty(t, id, "no header")

	h.Set("X-Correlation-ID", "corr-1")
	id, ok = serviceRequestID(h)
	assert.True(t, ok)
	assert.Equal(t, "corr-1", id)

	h.Set("X-Request-Id", "req-1")
	id, _ = serviceRequestID(h)
	assert.Equal(t, "req-1", id, "X-Request-ID comes first")

	h.Set("X-Request-Id", "req "+testSecret)
	id, ok = serviceRequestID(h, testSecret)
	assert.False(t, ok)
	assert.Empty(t, id, "a bad first header is dropped, not replaced by the next one")
}

// fakeEndpoint is a token endpoint without a network, for tokenSource in a
// synctest bubble. Every request waits until the test closes release (or
// the request's context ends, as a real transport would), then is answered
// by respond, or with a token valid for an hour.
type fakeEndpoint struct {
	release chan struct{}
	respond func(n int, r *http.Request) *http.Response // n counts requests from 1

	mu   sync.Mutex
	reqs []*http.Request
}

func newFakeEndpoint() *fakeEndpoint { return &fakeEndpoint{release: make(chan struct{})} }

func (e *fakeEndpoint) RoundTrip(r *http.Request) (*http.Response, error) {
	e.mu.Lock()
	e.reqs = append(e.reqs, r)
	n := len(e.reqs)
	e.mu.Unlock()
	select {
	case <-e.release:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	if e.respond != nil {
		return e.respond(n, r), nil
	}
	return tokenResponse(r, accessToken(n), 3600), nil
}

// count returns the number of token requests so far.
func (e *fakeEndpoint) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.reqs)
}

// request returns the nth token request, from 1.
func (e *fakeEndpoint) request(n int) *http.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reqs[n-1]
}

// accessToken is the token fakeEndpoint issues to its nth request.
func accessToken(n int) string { return fmt.Sprintf("at-%d-0123456789abcdef", n) }

func tokenResponse(r *http.Request, access string, expiresIn int) *http.Response {
	return response(r, http.StatusOK, nil, fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, access, expiresIn))
}

// response is a JSON response to r with the given extra header.
func response(r *http.Request, status int, header http.Header, body string) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range header {
		h[k] = v
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		Request: r,
	}
}

// newTokenSource returns a tokenSource of ep on the clock of time.Now
// (virtual in a synctest bubble).
func newTokenSource(ep http.RoundTripper) *tokenSource {
	return &tokenSource{
		conf: clientcredentials.Config{
			ClientID: "svc-test", ClientSecret: testSecret,
			TokenURL: "https://auth.example/token", AuthStyle: oauth2.AuthStyleInHeader,
		},
		httpClient: &http.Client{Transport: ep},
		now:        time.Now,
	}
}

type tokenResult struct {
	access string
	fresh  bool
	err    error
}

// goToken calls ts.token(ctx) on a goroutine; the result arrives on the
// channel.
func goToken(ctx context.Context, ts *tokenSource) <-chan tokenResult {
	c := make(chan tokenResult, 1)
	go func() {
		access, fresh, err := ts.token(ctx)
		c <- tokenResult{access, fresh, err}
	}()
	return c
}

// waiters returns the number of callers waiting for the fetch in flight.
func waiters(ts *tokenSource) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.fetch == nil {
		return 0
	}
	return ts.fetch.waiters
}

// bubble runs f in a synctest bubble, and ends the test binary with a
// message when the bubble has not finished within a minute of real time:
// a goroutine blocked on a mutex (as callers of a locked token fetch were)
// is not durably blocked, so synctest.Wait and virtual time would wait for
// it until the test binary's timeout.
func bubble(t *testing.T, f func(*testing.T)) {
	t.Helper()
	name := t.Name()
	watchdog := time.AfterFunc(time.Minute, func() {
		panic(name + ": the synctest bubble did not finish within a minute: a goroutine is blocked where synctest cannot see it, such as on a mutex")
	})
	defer watchdog.Stop()
	synctest.Test(t, f)
}

// TestTokenFetchIsShared: concurrent callers without a token wait for one
// fetch, and all get its token as fresh.
func TestTokenFetchIsShared(t *testing.T) {
	bubble(t, func(t *testing.T) {
		ep := newFakeEndpoint()
		ts := newTokenSource(ep)
		const n = 8
		var results []<-chan tokenResult
		for range n {
			results = append(results, goToken(t.Context(), ts))
		}
		synctest.Wait() // every caller is waiting; the fetch is blocked in the endpoint
		require.Equal(t, 1, ep.count(), "token requests while the fetch is blocked")
		require.Equal(t, n, waiters(ts), "callers waiting for the fetch")

		close(ep.release)
		for i, c := range results {
			r := <-c
			require.NoError(t, r.err, "caller %d", i)
			assert.Equal(t, accessToken(1), r.access, "caller %d", i)
			assert.True(t, r.fresh, "caller %d waited for the fetch: its token is fresh", i)
		}
		access, fresh, err := ts.token(t.Context())
		require.NoError(t, err)
		assert.Equal(t, accessToken(1), access)
		assert.False(t, fresh, "a cached token is not fresh")
		assert.Equal(t, 1, ep.count(), "token requests")
	})
}

// TestTokenCallerWithShortContextReturnsAtOnce: a caller whose context ends
// while another caller's fetch is blocked returns at that moment with its
// context's error, and the fetch carries on for the other caller.
func TestTokenCallerWithShortContextReturnsAtOnce(t *testing.T) {
	bubble(t, func(t *testing.T) {
		ep := newFakeEndpoint()
		ts := newTokenSource(ep)
		first := goToken(t.Context(), ts)
		synctest.Wait()
		require.Equal(t, 1, ep.count())

		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := ts.token(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 200*time.Millisecond, time.Since(start), "token returned when its context ended (virtual time)")
		assert.True(t, strings.HasPrefix(err.Error(), "client: "), "package prefix: %q", err)

		synctest.Wait()
		assert.NoError(t, ep.request(1).Context().Err(), "the fetch was cancelled while the first caller still waits for it; want it going on")
		close(ep.release)
		r := <-first
		require.NoError(t, r.err)
		assert.Equal(t, accessToken(1), r.access)
		assert.Equal(t, 1, ep.count(), "token requests")
	})
}

// TestTokenFetchIsCancelledWithItsLastCaller: the fetch's context, seen by
// ClientSecretFunc and by the token request, is cancelled when the last
// caller waiting for it gives up (as at Shutdown), and not before; the
// fetch's goroutine ends (synctest.Test waits for it), and the cancelled
// fetch is not cached.
func TestTokenFetchIsCancelledWithItsLastCaller(t *testing.T) {
	for _, blockIn := range []string{"ClientSecretFunc", "token request"} {
		t.Run(blockIn, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				ep := newFakeEndpoint()
				ts := newTokenSource(ep)
				secretRelease := make(chan struct{})
				var secretCtxs []context.Context // the contexts ClientSecretFunc was called with
				ts.conf.ClientSecret = ""
				ts.secretFunc = func(ctx context.Context) (Secret, error) {
					secretCtxs = append(secretCtxs, ctx)
					if blockIn == "ClientSecretFunc" {
						select {
						case <-secretRelease:
						case <-ctx.Done():
							return "", ctx.Err()
						}
					}
					return testSecret, nil
				}
				// fetchCtx is the context of the first fetch, where it is blocked.
				fetchCtx := func() context.Context {
					if blockIn == "ClientSecretFunc" {
						return secretCtxs[0]
					}
					return ep.request(1).Context()
				}

				ctxA, cancelA := context.WithCancel(t.Context())
				ctxB, cancelB := context.WithCancel(t.Context())
				a := goToken(ctxA, ts) // A starts the fetch, B joins it
				synctest.Wait()
				b := goToken(ctxB, ts)
				synctest.Wait()
				require.Equal(t, 2, waiters(ts))

				cancelA() // the caller that started the fetch leaves first
				synctest.Wait()
				ra := <-a
				require.ErrorIs(t, ra.err, context.Canceled)
				assert.NoError(t, fetchCtx().Err(), "the fetch was cancelled while caller B still waits for it; want it going on")

				cancelB()
				synctest.Wait()
				rb := <-b
				require.ErrorIs(t, rb.err, context.Canceled)
				require.Error(t, fetchCtx().Err(), "the fetch goes on with nobody waiting for it; want it cancelled")
				assert.Len(t, secretCtxs, 1, "ClientSecretFunc calls")

				// The cancelled fetch is not cached: the next caller starts
				// a fetch that succeeds.
				close(secretRelease)
				close(ep.release)
				access, fresh, err := ts.token(t.Context())
				require.NoError(t, err)
				assert.True(t, fresh)
				assert.Len(t, secretCtxs, 2, "ClientSecretFunc calls")
				assert.Equal(t, accessToken(ep.count()), access)
			})
		})
	}
}

// TestFailedTokenFetchIsSharedNotCached: the callers that joined a failed
// fetch all get its error; the next caller starts a new fetch.
func TestFailedTokenFetchIsSharedNotCached(t *testing.T) {
	bubble(t, func(t *testing.T) {
		ep := newFakeEndpoint()
		ep.respond = func(n int, r *http.Request) *http.Response {
			if n == 1 {
				return response(r, http.StatusServiceUnavailable, http.Header{"X-Request-Id": {"req-1"}}, `{"error":"temporarily_unavailable"}`)
			}
			return tokenResponse(r, accessToken(n), 3600)
		}
		ts := newTokenSource(ep)
		var results []<-chan tokenResult
		for range 3 {
			results = append(results, goToken(t.Context(), ts))
		}
		synctest.Wait()
		close(ep.release)
		for i, c := range results {
			r := <-c
			var se *StatusError
			require.ErrorAs(t, r.err, &se, "caller %d", i)
			assert.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
			assert.Equal(t, "req-1", se.RequestID)
		}
		assert.Equal(t, 1, ep.count(), "the callers shared one failed fetch")

		access, fresh, err := ts.token(t.Context())
		require.NoError(t, err)
		assert.True(t, fresh)
		assert.Equal(t, accessToken(2), access)
		assert.Equal(t, 2, ep.count(), "a failed fetch is not cached")
	})
}

// TestTokenRefreshPoint: a token is replaced a fifth of its lifetime, at
// most 60 s, before it expires, and dropped by invalidate, on the injected
// clock (virtual time here).
func TestTokenRefreshPoint(t *testing.T) {
	for _, tt := range []struct {
		lifetime, refresh time.Duration
	}{
		{100 * time.Second, 80 * time.Second},
		{time.Hour, time.Hour - time.Minute},
	} {
		t.Run(tt.lifetime.String(), func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				ep := newFakeEndpoint()
				close(ep.release)
				ep.respond = func(n int, r *http.Request) *http.Response {
					return tokenResponse(r, accessToken(n), int(tt.lifetime/time.Second))
				}
				ts := newTokenSource(ep)
				access, _, err := ts.token(t.Context())
				require.NoError(t, err)
				require.Equal(t, accessToken(1), access)

				time.Sleep(tt.refresh - time.Second) // virtual time: this test runs in a synctest bubble
				access, fresh, err := ts.token(t.Context())
				require.NoError(t, err)
				assert.Equal(t, accessToken(1), access, "1 s before the refresh point")
				assert.False(t, fresh)

				time.Sleep(time.Second)
				access, fresh, err = ts.token(t.Context())
				require.NoError(t, err)
				assert.Equal(t, accessToken(2), access, "at the refresh point")
				assert.True(t, fresh)

				ts.invalidate("some other token")
				access, _, _ = ts.token(t.Context())
				assert.Equal(t, accessToken(2), access, "invalidate drops only the token it names")
				ts.invalidate(access)
				access, _, _ = ts.token(t.Context())
				assert.Equal(t, accessToken(3), access, "after invalidate")
			})
		})
	}
}

// TestTokenFetchOverHTTPIsCancelledWithItsCaller: over a real transport,
// the token request's context (r.Context() in the handler) ends when the
// only caller gives up, the caller returns at once, and no goroutine of
// the fetch remains.
func TestTokenFetchOverHTTPIsCancelledWithItsCaller(t *testing.T) {
	entered, cancelled, ended := make(chan struct{}), make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server watches the connection, and so can cancel
		// r.Context(), only once the body has been read.
		_, _ = io.Copy(io.Discard, r.Body)
		close(entered)
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-ended:
		}
	}))
	defer srv.Close()
	defer close(ended)
	c, err := New(Config{
		BaseURL: srv.URL, TenantID: "acme", Environment: "production",
		ClientID: "svc-test", ClientSecret: testSecret, AuthStyle: oauth2.AuthStyleInHeader,
	})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	res := goToken(ctx, c.tokens)
	waitFor(t, entered, "the token request")
	cancel()
	r := <-res
	require.ErrorIs(t, r.err, context.Canceled)
	waitFor(t, cancelled, "the token request's context to end")
	c.tokens.mu.Lock()
	f := c.tokens.fetch
	c.tokens.mu.Unlock()
	if f != nil {
		waitFor(t, f.done, "the fetch to return")
	}
}

// waitFor fails the test when c is not closed within 10 s; a guard, not a
// sleep: it returns as soon as c is closed.
func waitFor(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		require.FailNow(t, "timed out waiting for "+what)
	}
}

var _ = errors.New

// TestClientSecretFuncPanicIsRecovered: a panicking credentials function
// is an error of the call, not the end of the process, and the panic
// value, which may be the secret, is not repeated.
func TestClientSecretFuncPanicIsACredentialsErrorAndRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ep := newFakeEndpoint()
		close(ep.release)
		ts := newTokenSource(ep)
		ts.secretFunc = func(context.Context) (Secret, error) { panic("secret store down: " + testSecret) }
		_, _, err := ts.token(context.Background())
		require.ErrorIs(t, err, ErrCredentialsFunc)
		assert.NotErrorIs(t, err, ErrInvalidCredentials, "the service rejected nothing")
		assert.Contains(t, err.Error(), "panicked")
		assert.NotContains(t, err.Error(), testSecret)
		assert.Zero(t, ep.count(), "no token request without a secret")

		// The next call tries again, and a working function is used.
		ts.secretFunc = func(context.Context) (Secret, error) { return testSecret, nil }
		access, fresh, err := ts.token(context.Background())
		require.NoError(t, err)
		assert.True(t, fresh)
		assert.Equal(t, accessToken(1), access)
	})
}

func TestClientSecretFuncErrorIsACredentialsError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ep := newFakeEndpoint()
		close(ep.release)
		ts := newTokenSource(ep)
		boom := errors.New("vault sealed")
		ts.secretFunc = func(context.Context) (Secret, error) { return "", boom }
		_, _, err := ts.token(context.Background())
		require.ErrorIs(t, err, ErrCredentialsFunc)
		require.ErrorIs(t, err, boom)
	})
}

// TestTokenEndpointEchoesAreDropped: a token endpoint that echoes the
// credentials in its request ID or in the OAuth2 error code must not get
// them into the error, and neither may a request ID that is not a service
// string (a control character, more than 256 bytes).
func TestTokenEndpointEchoesAreDropped(t *testing.T) {
	basic := "Basic " // the Basic header's credentials, as the endpoint saw them
	cases := []struct {
		name      string
		requestID func(r *http.Request) string
		code      func(r *http.Request) string
	}{
		{"secret in the request ID", func(*http.Request) string { return "req-" + testSecret }, nil},
		{"Basic header in the request ID", func(r *http.Request) string {
			return strings.TrimPrefix(r.Header.Get("Authorization"), basic)
		}, nil},
		{"secret as the error code", nil, func(*http.Request) string { return testSecret }},
		{"control character in the request ID", func(*http.Request) string { return "req-1\x01" }, nil},
		{"overlong request ID", func(*http.Request) string { return strings.Repeat("r", 300) }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ep := newFakeEndpoint()
				close(ep.release)
				ep.respond = func(_ int, r *http.Request) *http.Response {
					h := http.Header{}
					if c.requestID != nil {
						h.Set("X-Request-ID", c.requestID(r))
					}
					code := "invalid_request"
					if c.code != nil {
						code = c.code(r)
					}
					return response(r, http.StatusBadRequest, h, fmt.Sprintf(`{"error":%q}`, code))
				}
				ts := newTokenSource(ep)
				_, _, err := ts.token(context.Background())
				var se *StatusError
				require.ErrorAs(t, err, &se)
				auth := strings.TrimPrefix(ep.request(1).Header.Get("Authorization"), basic)
				for _, leaked := range []string{testSecret, auth} {
					assert.NotContains(t, err.Error(), leaked)
					assert.NotContains(t, fmt.Sprintf("%+v", se), leaked)
				}
				assert.NotContains(t, err.Error(), "\x01")
				if c.requestID != nil {
					assert.Empty(t, se.RequestID, "dropped whole")
				}
				if c.code != nil {
					assert.Empty(t, se.OAuthError)
				}
			})
		})
	}
}

// TestClientSecretFuncPanicIsRecovered: a panic in ClientSecretFunc is a
// credentials error that says so, shows neither the panic value nor the
// secret in it, is not ErrInvalidCredentials, sends nothing, and is not
// cached: the next call calls the function again.
func TestClientSecretFuncPanicIsRecovered(t *testing.T) {
	for _, tt := range []struct {
		name  string
		panic func()
		typ   string
	}{
		{"string holding the secret", func() { panic("vault said " + testSecret) }, "a string"},
		{"error holding the secret", func() { panic(fmt.Errorf("decode %q", testSecret)) }, "a *errors.errorString"},
		{"runtime error", func() {
			var m map[string]int
			//lint:ignore SA5000 the test needs a panic raised by the runtime
			m["x"]++
		}, "a runtime.plainError"},
		{"nil", func() { panic(nil) }, "a *runtime.PanicNilError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				ep := newFakeEndpoint()
				close(ep.release)
				ts := newTokenSource(ep)
				ts.conf.ClientSecret = ""
				calls := 0
				gate := make(chan struct{})
				ts.secretFunc = func(context.Context) (Secret, error) {
					calls++
					if calls == 1 {
						<-gate
						tt.panic()
					}
					return testSecret, nil
				}
				a, b := goToken(t.Context(), ts), goToken(t.Context(), ts)
				synctest.Wait()
				close(gate)
				for _, c := range []<-chan tokenResult{a, b} {
					r := <-c
					require.Error(t, r.err)
					msg := r.err.Error()
					assert.True(t, strings.HasPrefix(msg, "client: credentials error: ClientSecretFunc failed: it panicked with "+tt.typ+" "), "error %q", msg)
					assert.NotContains(t, fmt.Sprintf("%v %+v %#v", r.err, r.err, r.err), testSecret)
					assert.NotContains(t, msg, "vault said")
					assert.NotErrorIs(t, r.err, ErrInvalidCredentials, "a panic says nothing about the credentials")
					var se *StatusError
					assert.False(t, errors.As(r.err, &se))
					assert.Equal(t, ErrCredentialsFunc, errors.Unwrap(r.err), "only the sentinel, never the panic value, can be reached")
				}
				assert.Equal(t, 1, calls, "the two callers shared one fetch")
				assert.Equal(t, 0, ep.count(), "nothing is sent without a secret")

				access, _, err := ts.token(t.Context())
				require.NoError(t, err, "the panic is not cached")
				assert.Equal(t, accessToken(1), access)
				assert.Equal(t, 2, calls)
			})
		})
	}
}

// TestServiceEchoesOfCredentialsAreDropped: a ruleset response whose
// request ID echoes the bearer token or the API key, and an ETag or event
// id that does, are dropped; Redact scrubs text such as a validation
// message quoting a field name.
func TestServiceEchoesOfCredentialsAreDropped(t *testing.T) {
	const apiKey = "api-key-0123456789-ECHOED"
	var echo func(r *http.Request) string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", echo(r))
		w.Header().Set("ETag", `"`+echo(r)+`"`)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, TenantID: "acme", Environment: "prod", APIKey: apiKey})
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	echo = func(r *http.Request) string { return r.Header.Get("X-API-Key") }
	rs, err := c.FetchRuleset(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, rs.RequestID, "a request ID that echoes the API key is dropped")
	assert.Empty(t, rs.ETag, "so is an ETag, which would be sent back")
	assert.True(t, rs.InvalidETag)
	assert.Equal(t, `unknown field "[REDACTED]"`, c.Redact(`unknown field "`+apiKey+`"`))
}

// TestClientSecretFuncPanicThroughTheClient: the same through the public
// API, where the panic would otherwise kill the process.
func TestClientSecretFuncPanicThroughTheClient(t *testing.T) {
	c, err := New(Config{
		BaseURL: "https://flags.example.com", TenantID: "acme", Environment: "production", ClientID: "svc-test",
		ClientSecretFunc: func(context.Context) (Secret, error) { panic(testSecret) },
	})
	require.NoError(t, err)
	_, err = c.FetchRuleset(t.Context(), "")
	require.ErrorContains(t, err, "ClientSecretFunc failed: it panicked")
	assert.NotContains(t, err.Error(), testSecret)
	assert.NotErrorIs(t, err, ErrInvalidCredentials)
}

// TestClientSecretFuncGoexit: a ClientSecretFunc that ends its goroutine
// (runtime.Goexit, as t.FailNow does) still wakes the callers.
func TestClientSecretFuncGoexit(t *testing.T) {
	bubble(t, func(t *testing.T) {
		ts := newTokenSource(newFakeEndpoint())
		ts.conf.ClientSecret = ""
		ts.secretFunc = func(context.Context) (Secret, error) { runtime.Goexit(); return "", nil }
		_, _, err := ts.token(t.Context())
		require.ErrorContains(t, err, "Goexit")
		assert.Nil(t, ts.fetch, "no fetch in flight")
	})
}

// echoSecret changes under form escaping, so the secret's forms differ,
// and its Basic header (of client ID svc/test) holds a "+", which changes
// under escaping too.
const echoSecret = "sk/test+secret=value&more?~>"

// TestTokenErrorScrubsEchoes: a token endpoint that echoes credentials in
// the request ID or the OAuth2 error code, the channels that bypass body
// redaction, has the value dropped: neither the secret (raw, form-escaped,
// or inside the Basic header, padded or not) nor an access token the
// client held reaches the error.
func TestTokenErrorScrubsEchoes(t *testing.T) {
	basic := func(r *http.Request) string { return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ") }
	for _, tt := range []struct {
		name string
		echo func(r *http.Request, lastToken string) string
	}{
		{"the secret", func(*http.Request, string) string { return echoSecret }},
		{"the secret form-escaped", func(*http.Request, string) string { return "req-" + url.QueryEscape(echoSecret) }},
		{"the Basic credentials", func(r *http.Request, _ string) string { return basic(r) }},
		{"the Basic credentials unpadded", func(r *http.Request, _ string) string { return strings.TrimRight(basic(r), "=") }},
		{"the Basic credentials form-escaped", func(r *http.Request, _ string) string { return url.QueryEscape(basic(r)) }},
		{"the previous access token", func(_ *http.Request, last string) string { return "req-" + last }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				ep := newFakeEndpoint()
				close(ep.release)
				var echoed []string
				ep.respond = func(n int, r *http.Request) *http.Response {
					if n == 1 {
						return tokenResponse(r, accessToken(1), 3600)
					}
					e := tt.echo(r, accessToken(1))
					echoed = append(echoed, e)
					body, _ := json.Marshal(map[string]string{"error": e, "error_description": "echo " + e})
					return response(r, http.StatusBadRequest, http.Header{"X-Request-Id": {e}}, string(body))
				}
				ts := newTokenSource(ep)
				ts.conf.ClientID = "svc/test"
				ts.conf.ClientSecret = echoSecret
				access, _, err := ts.token(t.Context())
				require.NoError(t, err)
				ts.invalidate(access) // the 401 path: the next call fetches again

				_, _, err = ts.token(t.Context())
				var se *StatusError
				require.ErrorAs(t, err, &se)
				require.Len(t, echoed, 1, "the endpoint echoed")
				if strings.Contains(tt.name, "Basic") {
					require.Contains(t, basic(ep.request(2)), "+", "the test needs a Basic header that changes under escaping")
				}
				assert.Equal(t, http.StatusBadRequest, se.StatusCode)
				assert.Empty(t, se.RequestID, "a request ID holding a credential is dropped")
				assert.Empty(t, se.OAuthError, "an error code holding a credential is dropped")
				text := fmt.Sprintf("%v|%+v|%#v|%s|%s|%s", err, err, err, se.Body, se.RequestID, se.OAuthError)
				for _, leak := range []string{echoSecret, url.QueryEscape(echoSecret), echoed[0], access} {
					assert.NotContains(t, text, leak)
				}
				assert.Contains(t, se.Body, redacted, "the body is redacted, not dropped")
				assert.NotErrorIs(t, err, ErrInvalidCredentials)
			})
		})
	}
}

// TestTokenErrorDropsBadServiceStrings: request IDs and error codes that
// are not visible ASCII of at most 256 bytes are dropped, not cut; good
// ones are kept as sent.
func TestTokenErrorDropsBadServiceStrings(t *testing.T) {
	for _, tt := range []struct {
		name, requestID, code string
		wantID, wantCode      string
	}{
		{"good", "req-0042", "invalid_client", "req-0042", "invalid_client"},
		{"256 bytes", strings.Repeat("r", 256), "invalid_request", strings.Repeat("r", 256), "invalid_request"},
		{"257 bytes", strings.Repeat("r", 257), strings.Repeat("e", 257), "", ""},
		{"control character", "req-1\x01", `invalid_client\u0001`, "", ""}, // a JSON escape in the body
		{"space", "req 1", "invalid client", "", ""},
		{"non-ASCII", "req-é", "invalid_clïent", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				ep := newFakeEndpoint()
				close(ep.release)
				ep.respond = func(_ int, r *http.Request) *http.Response {
					return response(r, http.StatusBadRequest, http.Header{"X-Request-Id": {tt.requestID}}, `{"error":"`+tt.code+`"}`)
				}
				_, _, err := newTokenSource(ep).token(t.Context())
				var se *StatusError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tt.wantID, se.RequestID, "RequestID")
				assert.Equal(t, tt.wantCode, se.OAuthError, "OAuthError")
				if tt.wantID == "" {
					assert.NotContains(t, err.Error(), "request ID", "a dropped request ID is not shown")
				}
				// A 400 is ErrInvalidCredentials by its kept code alone.
				assert.Equal(t, tt.wantCode == "invalid_client", errors.Is(err, ErrInvalidCredentials), "errors.Is(err, ErrInvalidCredentials)")
			})
		})
	}
}
