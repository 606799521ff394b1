package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchyardhq/switchyard/internal/protocol"
)

// Sentinels for conditions callers branch on; StatusError and token errors
// match them with errors.Is.
var (
	// ErrInvalidCredentials: the token endpoint answered invalid_client, or
	// the service answered 401 to a freshly fetched token or an API key.
	ErrInvalidCredentials = errors.New("client: invalid credentials")
	// ErrForbidden: 403, for example a tenant the credentials do not cover.
	ErrForbidden = errors.New("client: forbidden")
	// ErrNotFound: 404, for example an unknown environment.
	ErrNotFound = errors.New("client: not found")
	// ErrCredentialsFunc: Config.ClientSecretFunc returned an error or
	// panicked. It is not ErrInvalidCredentials: the service did not reject
	// anything, and a secret store that fails may recover, so callers retry
	// with backoff.
	ErrCredentialsFunc = errors.New("client: credentials error: ClientSecretFunc failed")
	// ErrTooLarge: a response body exceeded Config.MaxRulesetBytes.
	ErrTooLarge = errors.New("client: response body too large")
)

// maxBodyExcerpt bounds the body text kept in a StatusError.
const maxBodyExcerpt = 512

// StatusError is an unexpected HTTP status from the flag service or its
// token endpoint. Its message holds the status, the service's request ID
// and at most 512 bytes of the body, with any credential the client holds
// replaced by [REDACTED].
type StatusError struct {
	Op         string // what was attempted, such as "fetch ruleset"
	StatusCode int
	RequestID  string
	// Body is an excerpt of the response body: at most 512 bytes of text,
	// plus "…" when it was cut.
	Body string
	// RetryAfter is the Retry-After header, when the service sent one.
	RetryAfter string
	// OAuthError is the OAuth2 error code of a token endpoint answer, such
	// as invalid_client.
	OAuthError string
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: %s: HTTP %d", e.Op, e.StatusCode)
	if e.OAuthError != "" {
		fmt.Fprintf(&b, " (%s)", e.OAuthError)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, ", request ID %s", e.RequestID)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	return b.String()
}

// Is matches the sentinel that fits the status.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrInvalidCredentials:
		return e.OAuthError == "invalid_client" || e.StatusCode == 401
	case ErrForbidden:
		return e.StatusCode == 403
	case ErrNotFound:
		return e.StatusCode == 404
	}
	return false
}

// Temporary reports whether retrying later may succeed: 408, 425, 429 and
// 5xx.
func (e *StatusError) Temporary() bool {
	switch {
	case e.StatusCode == 408, e.StatusCode == 425, e.StatusCode == 429, e.StatusCode >= 500:
		return true
	}
	return false
}

// serviceString checks a string taken from a service response (an ETag, a
// stream event id, a request ID, an OAuth2 error code) before the SDK
// stores it, puts it in an error or a log line, or sends it back.
//
// The rule: s is kept, unchanged, when protocol.ValidServiceString accepts
// it (1 to 256 bytes of visible ASCII) and it contains none of secrets;
// anything else is dropped whole, never cut or redacted, so a kept value
// is exactly what the service sent and one bad value cannot poison a later
// request. Secrets shorter than MinSecretLen are ignored, as in excerpt,
// since they cannot be told from other text; callers pass every form of
// every credential they hold (Client.secrets). It returns the kept value
// and true, or "" and false when a non-empty s was dropped, which the
// caller should report once; an empty s gives "" and true.
func serviceString(s string, secrets ...string) (string, bool) {
	if s == "" {
		return "", true
	}
	if !protocol.ValidServiceString(s) {
		return "", false
	}
	for _, secret := range secrets {
		if len(secret) >= MinSecretLen && strings.Contains(s, secret) {
			return "", false
		}
	}
	return s, true
}

// requestIDHeaders are the headers a service's request ID is read from, the
// first one set winning.
var requestIDHeaders = []string{"X-Request-ID", "Request-Id", "X-Correlation-ID"}

// serviceRequestID returns the response's request ID checked by
// serviceString: the value of the first of requestIDHeaders that is set,
// or "" and false when that value was dropped.
func serviceRequestID(h http.Header, secrets ...string) (string, bool) {
	for _, k := range requestIDHeaders {
		if v := h.Get(k); v != "" {
			return serviceString(v, secrets...)
		}
	}
	return "", true
}

// secretForms returns secret as sent and in the encodings a server or a
// transport error could echo it in: URL query escaping (form bodies, query
// strings) and JSON string escaping.
func secretForms(secret string) []string {
	if secret == "" {
		return nil
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	if j, err := json.Marshal(secret); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	return forms
}

// excerpt returns at most maxBodyExcerpt bytes of body as text, cut at a
// UTF-8 boundary, with the given secrets redacted.
func excerpt(body []byte, secrets ...string) string {
	return excerptCut(body, false, secrets...)
}

// excerptCut is excerpt for a body that may have been cut short: when cut
// is true, a tail that could be the start of a secret is redacted too.
func excerptCut(body []byte, cut bool, secrets ...string) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	for _, secret := range secrets {
		if len(secret) < MinSecretLen {
			continue // empty, or a form too short to be told from other text
		}
		s = strings.ReplaceAll(s, secret, redacted)
		if cut {
			for k := len(secret) - 1; k > 0; k-- {
				if strings.HasSuffix(s, secret[:k]) {
					s = s[:len(s)-k] + redacted
					break
				}
			}
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxBodyExcerpt {
		cut := maxBodyExcerpt
		for cut > 0 && (s[cut]&0xC0) == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
