package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenSource fetches client-credentials tokens, caches one, refreshes it
// before it expires, and drops it when the service rejects it. It is safe
// for concurrent use.
//
// Token fetches are shared, not locked: at most one is
// in flight, on a goroutine of its own, and every caller that needs a
// token waits for it on its own context. mu is never held across I/O or a
// call of secretFunc. The fetch runs on a context of its own that is
// cancelled when the last caller waiting for it gives up, so the
// ClientSecretFunc and the token request see a cancelled context once
// nobody wants their result (at Shutdown, for example), and the goroutine
// ends when they return.
type tokenSource struct {
	// conf is used by the fetch in flight. Its ClientSecret is written
	// only by that fetch, under mu, and read without mu only by it; a
	// new fetch starts only after the previous one has returned.
	conf       clientcredentials.Config
	secretFunc func(context.Context) (Secret, error)
	httpClient *http.Client // adds the tenant and SDK headers to token requests
	now        func() time.Time

	mu     sync.Mutex
	tok    *oauth2.Token
	issued time.Time   // by now
	expiry time.Time   // by now; zero when the token does not expire
	fetch  *tokenFetch // the fetch in flight, or nil
	// prev is the access token the cache held before tok, kept for
	// redaction: the service may still echo it.
	prev string
}

// tokenFetch is one token fetch and the callers waiting for it.
type tokenFetch struct {
	done   chan struct{} // closed when the fetch has returned and is no longer ts.fetch
	cancel context.CancelFunc

	// Under tokenSource.mu.
	waiters   int
	abandoned bool // every waiter left and the fetch was cancelled

	// Set before done is closed.
	access string
	err    error
}

// token returns a valid access token, fetching one when needed. fresh is
// true when the token was fetched while this call waited, by a fetch it
// started or joined: a 401 to it is not answered by fetching another.
// When ctx ends first, token returns at once with an
// error wrapping ctx.Err(); a fetch that fails is not cached, so each of
// its waiters gets its error and the next call starts a new fetch.
func (ts *tokenSource) token(ctx context.Context) (access string, fresh bool, err error) {
	for {
		ts.mu.Lock()
		if ts.tok != nil && ts.valid(ts.now()) {
			access := ts.tok.AccessToken
			ts.mu.Unlock()
			return access, false, nil
		}
		if err := ctx.Err(); err != nil {
			ts.mu.Unlock()
			return "", false, fmt.Errorf("client: fetch token: %w", err)
		}
		f := ts.fetch
		if f == nil {
			f = ts.startLocked(ctx)
		}
		if f.abandoned {
			// Cancelled and still returning: the next fetch starts
			// once it has.
			ts.mu.Unlock()
			select {
			case <-f.done:
				continue
			case <-ctx.Done():
				return "", false, fmt.Errorf("client: fetch token: %w", ctx.Err())
			}
		}
		f.waiters++
		ts.mu.Unlock()

		select {
		case <-f.done:
			return f.access, f.err == nil, f.err
		case <-ctx.Done():
			ts.leave(f)
			return "", false, fmt.Errorf("client: fetch token: %w", ctx.Err())
		}
	}
}

// startLocked starts a fetch. Its context keeps the values of ctx, the
// context of the caller that started it, but not its deadline or
// cancellation: it lives as long as any caller waits.
func (ts *tokenSource) startLocked(ctx context.Context) *tokenFetch {
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &tokenFetch{done: make(chan struct{}), cancel: cancel}
	ts.fetch = f
	go ts.run(fctx, f)
	return f
}

// wait returns when no fetch is in flight.
func (ts *tokenSource) wait() {
	for {
		ts.mu.Lock()
		f := ts.fetch
		ts.mu.Unlock()
		if f == nil {
			return
		}
		<-f.done
	}
}

// leave removes a waiter whose context ended, and cancels the fetch when
// it was the last.
func (ts *tokenSource) leave(f *tokenFetch) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	f.waiters--
	if f.waiters == 0 && ts.fetch == f {
		f.abandoned = true
		f.cancel()
	}
}

// run performs the fetch f on its own goroutine.
func (ts *tokenSource) run(ctx context.Context, f *tokenFetch) {
	// Deferred, so the waiters are woken even when ClientSecretFunc ends
	// the goroutine with runtime.Goexit (callSecretFunc recovers its panics).
	var tok *oauth2.Token
	err := errors.New("client: fetch token: ClientSecretFunc called runtime.Goexit")
	defer func() { ts.finish(f, tok, err) }()
	tok, err = ts.fetchToken(ctx)
}

// finish caches the token of the fetch f, or records its error, and wakes
// its waiters.
func (ts *tokenSource) finish(f *tokenFetch, tok *oauth2.Token, err error) {
	defer f.cancel()
	ts.mu.Lock()
	if err == nil {
		// oauth2 sets Expiry from the wall clock; keep the lifetime and
		// place it on ts.now, the clock valid reads.
		ts.dropLocked()
		ts.tok, ts.issued, ts.expiry = tok, ts.now(), time.Time{}
		if !tok.Expiry.IsZero() {
			ts.expiry = ts.issued.Add(time.Until(tok.Expiry))
		}
		f.access = tok.AccessToken
	} else {
		f.err = err
	}
	ts.fetch = nil
	ts.mu.Unlock()
	close(f.done)
}

// fetchToken gets the secret, when it comes from secretFunc, and requests
// a token with it.
func (ts *tokenSource) fetchToken(ctx context.Context) (*oauth2.Token, error) {
	if ts.secretFunc != nil {
		s, err := ts.callSecretFunc(ctx)
		if err != nil {
			return nil, err
		}
		if n := len(s); n < MinSecretLen {
			return nil, fmt.Errorf("client: ClientSecretFunc returned a secret of %d bytes, shorter than %d: check the secret store", n, MinSecretLen)
		}
		ts.mu.Lock()
		ts.conf.ClientSecret = s.Reveal()
		ts.mu.Unlock()
	}
	tok, err := ts.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, ts.httpClient))
	if err != nil {
		return nil, ts.tokenError(err)
	}
	if tok.AccessToken == "" {
		return nil, errors.New("client: fetch token: the token endpoint returned no access_token")
	}
	return tok, nil
}

// callSecretFunc calls the application's ClientSecretFunc. A panic in it
// would kill the process (it runs on the SDK's goroutine): it is recovered
// and returned as an error matching ErrCredentialsFunc. The panic value is
// not included, since it could hold the secret.
func (ts *tokenSource) callSecretFunc(ctx context.Context) (s Secret, err error) {
	defer func() {
		if v := recover(); v != nil {
			s, err = "", fmt.Errorf("%w: it panicked with a %T (the value is not shown: it may hold the secret); fix the function", ErrCredentialsFunc, v)
		}
	}()
	s, err = ts.secretFunc(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrCredentialsFunc, err)
	}
	return s, nil
}

// valid reports whether the cached token can still be used: it is
// refreshed a fifth of its lifetime (at most 60 s) before it expires.
func (ts *tokenSource) valid(now time.Time) bool {
	if ts.expiry.IsZero() {
		return true
	}
	margin := min(ts.expiry.Sub(ts.issued)/5, time.Minute)
	return now.Before(ts.expiry.Add(-margin))
}

// invalidate drops the cached token if it is still access.
func (ts *tokenSource) invalidate(access string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok != nil && ts.tok.AccessToken == access {
		ts.dropLocked()
	}
}

// dropLocked drops the cached token, remembering it in prev.
func (ts *tokenSource) dropLocked() {
	if ts.tok != nil {
		ts.prev, ts.tok = ts.tok.AccessToken, nil
	}
}

// secrets returns the credentials to redact from error text.
func (ts *tokenSource) secrets() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.secretsLocked()
}

// secretsLocked lists the client secret, the cached token and the one
// before it in every form they are sent or could be echoed in, including
// the Basic authorization header of the token request (RFC 6749 section
// 2.3.1: both parts form-escaped, then base64). The base64 is unpadded,
// a prefix of the padded form, so an echo is found with or without its
// padding.
func (ts *tokenSource) secretsLocked() []string {
	id, secret := ts.conf.ClientID, ts.conf.ClientSecret
	out := secretForms(secret)
	if secret != "" {
		for _, pair := range []string{url.QueryEscape(id) + ":" + url.QueryEscape(secret), id + ":" + secret} {
			out = append(out, secretForms(base64.RawStdEncoding.EncodeToString([]byte(pair)))...)
		}
	}
	if ts.tok != nil {
		out = append(out, secretForms(ts.tok.AccessToken)...)
	}
	return append(out, secretForms(ts.prev)...)
}

// tokenError converts an oauth2 error into a StatusError, or wraps a
// transport error. Every string taken from the response is cleaned of the
// credentials secretsLocked lists ("credentials stay
// in"): the body excerpt and Retry-After are redacted, and the request ID
// and OAuth2 error code, which the SDK keeps as they came, go through
// serviceString and are dropped when they hold a credential or are not
// short visible ASCII.
func (ts *tokenSource) tokenError(err error) error {
	secrets := ts.secrets()
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		h := re.Response.Header
		requestID, _ := serviceRequestID(h, secrets...)
		code, _ := serviceString(re.ErrorCode, secrets...)
		return &StatusError{
			Op:         "fetch token",
			StatusCode: re.Response.StatusCode,
			RequestID:  requestID,
			Body:       excerpt(re.Body, secrets...),
			RetryAfter: excerpt([]byte(h.Get("Retry-After")), secrets...),
			OAuthError: code,
		}
	}
	return &redactedError{msg: "client: fetch token: " + excerpt([]byte(err.Error()), secrets...), err: err}
}

// redactedError carries an error whose text was redacted, keeping the
// original for errors.Is and errors.As (context errors, net errors).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
