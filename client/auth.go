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
// for concurrent use; fetches are serialised.
type tokenSource struct {
	mu         sync.Mutex
	conf       clientcredentials.Config
	secretFunc func(context.Context) (Secret, error)
	httpClient *http.Client // adds the tenant and SDK headers to token requests
	now        func() time.Time

	tok    *oauth2.Token
	issued time.Time // by now
	expiry time.Time // by now; zero when the token does not expire
}

// token returns a valid access token, fetching one when needed. fresh is
// true when it was fetched by this call.
func (ts *tokenSource) token(ctx context.Context) (access string, fresh bool, err error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok != nil && ts.valid(ts.now()) {
		return ts.tok.AccessToken, false, nil
	}
	if ts.secretFunc != nil {
		s, err := ts.secretFunc(ctx)
		if err != nil {
			return "", false, fmt.Errorf("client: ClientSecretFunc: %w", err)
		}
		if n := len(s); n < MinSecretLen {
			return "", false, fmt.Errorf("client: ClientSecretFunc returned a secret of %d bytes, shorter than %d: check the secret store", n, MinSecretLen)
		}
		ts.conf.ClientSecret = s.Reveal()
	}
	tok, err := ts.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, ts.httpClient))
	if err != nil {
		return "", false, ts.tokenError(err)
	}
	if tok.AccessToken == "" {
		return "", false, errors.New("client: fetch token: the token endpoint returned no access_token")
	}
	// oauth2 sets Expiry from the wall clock; keep the lifetime and place
	// it on ts.now, the clock valid reads.
	ts.tok, ts.issued, ts.expiry = tok, ts.now(), time.Time{}
	if !tok.Expiry.IsZero() {
		ts.expiry = ts.issued.Add(time.Until(tok.Expiry))
	}
	return tok.AccessToken, true, nil
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
		ts.tok = nil
	}
}

// secrets returns the credentials to redact from error text.
func (ts *tokenSource) secrets() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.secretsLocked()
}

// secretsLocked lists the client secret and the cached token in every form
// they are sent in, including the Basic authorization header of the token
// request (RFC 6749 section 2.3.1: both parts form-escaped, then base64).
func (ts *tokenSource) secretsLocked() []string {
	id, secret := ts.conf.ClientID, ts.conf.ClientSecret
	out := secretForms(secret)
	for _, pair := range []string{url.QueryEscape(id) + ":" + url.QueryEscape(secret), id + ":" + secret} {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(pair)))
	}
	if ts.tok != nil {
		out = append(out, secretForms(ts.tok.AccessToken)...)
	}
	return out
}

// tokenError converts an oauth2 error into a StatusError without the
// secret, or wraps a transport error.
func (ts *tokenSource) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return &StatusError{
			Op:         "fetch token",
			StatusCode: re.Response.StatusCode,
			RequestID:  requestID(re.Response.Header),
			Body:       excerpt(re.Body, ts.secretsLocked()...),
			RetryAfter: re.Response.Header.Get("Retry-After"),
			OAuthError: re.ErrorCode,
		}
	}
	return &redactedError{msg: "client: fetch token: " + excerpt([]byte(err.Error()), ts.secretsLocked()...), err: err}
}

// redactedError carries an error whose text was redacted, keeping the
// original for errors.Is and errors.As (context errors, net errors).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
