// Package protocol holds rules of the flag-service protocol that the
// client, the provider and the test double share.
package protocol

import "net/url"

// MaxServiceString is the longest ETag, stream event ID, request ID or
// error code the SDK keeps from a response.
const MaxServiceString = 256

// ValidServiceString reports whether s, a string the flag service sent,
// may be stored, logged or sent back in a header: 1 to MaxServiceString
// bytes of visible ASCII (0x21 to 0x7E, so no space, control character or
// non-ASCII byte). Anything else is dropped by the caller, never stored, so
// one bad value cannot poison later requests (a header value with a control
// character makes every later request fail before it is sent).
func ValidServiceString(s string) bool {
	if len(s) == 0 || len(s) > MaxServiceString {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// Paths of the flag service's endpoints under its base URL, and the scopes
// of its OAuth2 tokens: the one definition that the client and its test
// double, clienttest, both use.
const (
	TokenPath          = "/api/v1/oauth/token"
	EventsPath         = "/api/v1/events"
	EnvironmentsPrefix = "/api/v1/environments/"
	ScopeRead          = "flags:read"
	ScopeWrite         = "events:write"
	HeaderTenant       = "X-Tenant-ID"
)

// RulesetPath returns the path of env's ruleset, with env path-escaped.
func RulesetPath(env string) string { return EnvironmentsPrefix + url.PathEscape(env) + "/ruleset" }

// StreamPath returns the path of env's ruleset stream.
func StreamPath(env string) string { return RulesetPath(env) + "/stream" }
