package clienttest

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// Endpoint names a protocol endpoint, for faults and the request log.
type Endpoint string

// The endpoints of the flag service protocol.
const (
	EndpointToken   Endpoint = "token"   // POST /api/v1/oauth/token
	EndpointRuleset Endpoint = "ruleset" // GET /api/v1/environments/{env}/ruleset
	EndpointStream  Endpoint = "stream"  // GET /api/v1/environments/{env}/ruleset/stream
	EndpointEvents  Endpoint = "events"  // POST /api/v1/events
	// EndpointAny, in a Fault, matches all four; so does the empty
	// Endpoint.
	EndpointAny Endpoint = "any"
)

// Fault describes an injected failure, added with Server.Fail. Faults
// match requests in the order they were added; a request takes at most one
// fault of each kind below.
//
// There are two kinds:
//
//   - An error fault (Status set), or a fault with only Delay and/or
//     RequestID, is taken when a request arrives, before authentication,
//     like a failing gateway in front of the service: after Delay it
//     answers Status with a JSON error body (or Body/Oversize as the
//     error body), or, without Status, goes on to answer normally (with
//     RequestID as its X-Request-ID, when set).
//   - A body fault (Body or Oversize set, Status zero) is taken only by a
//     request the service would otherwise answer successfully, after
//     authentication and the other checks, so Count counts bodies
//     replaced. After Delay the answer is a success with the body
//     replaced: for the ruleset endpoint 200 with an ETag derived from the
//     replacement; for the stream, the first "ruleset" event carries the
//     replacement (even when Last-Event-ID matched) and the stream then goes
//     on live; for the token endpoint 200 with the replacement and no token
//     issued; for events the batch is stored as usual and 202 carries the
//     replacement.
//
// The zero value of each field is "not set".
type Fault struct {
	// Endpoint selects the requests; empty or EndpointAny matches every
	// protocol endpoint (never an unknown path).
	Endpoint Endpoint
	// Tenant, when set, matches only requests whose X-Tenant-ID is it.
	Tenant string
	// Count is how many matching requests the fault applies to; zero or
	// less means until ClearFaults.
	Count int
	// Status is the status to answer, such as 500, 429, 503, 401, 403 or
	// 404. A 401 carries the endpoint's WWW-Authenticate challenge (from
	// the token endpoint: invalid_client).
	Status int
	// RetryAfter is sent as the Retry-After header with Status (meant for
	// 429 and 503, sent with any Status) and with body faults.
	RetryAfter string
	// Delay is waited before answering. A client that gives up (its
	// request context ends) gets no answer, and Close ends the wait with
	// 503.
	Delay time.Duration
	// Body, when non-nil, replaces the response body (for example with
	// malformed JSON); see the body faults above.
	Body []byte
	// Oversize, when positive, replaces the response body with this many
	// bytes: a valid JSON object {"schemaVersion":1,"padding":"xxx…"} (only
	// padding when Oversize is too small for it). It takes precedence over
	// Body.
	Oversize int64
	// RequestID is sent as X-Request-ID instead of a random one.
	RequestID string
	// Header holds response headers set last, over the server's own (a bad
	// ETag, a Location for a redirect); an empty value removes the
	// header, so {"ETag": {""}} answers without an ETag.
	Header http.Header
	// CutAfter, when positive, ends the connection after this many bytes
	// of the response body, as a reset in mid-body would.
	CutAfter int64
}

type activeFault struct {
	f    Fault
	left int // requests still to fault; <= 0: unlimited
}

// Fail adds a fault; see Fault. The Body slice and Header are copied.
func (s *Server) Fail(f Fault) {
	f.Body = bytes.Clone(f.Body)
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{f: f, left: f.Count})
}

// ClearFaults removes every fault, including unlimited ones.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// replacesBody reports whether f is a body fault.
func (f *Fault) replacesBody() bool {
	return f.Status == 0 && (f.Body != nil || f.Oversize > 0)
}

// takeFault consumes the first matching fault of the given kind.
func (s *Server) takeFault(ep Endpoint, tenant string, body bool) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.takeFaultLocked(ep, tenant, body)
}

func (s *Server) takeFaultLocked(ep Endpoint, tenant string, body bool) *Fault {
	for i, af := range s.faults {
		f := &af.f
		if f.replacesBody() != body {
			continue
		}
		if !body && f.Status == 0 && f.Delay <= 0 && f.RequestID == "" && f.Header == nil && f.CutAfter <= 0 {
			continue // a fault that does nothing
		}
		if f.Endpoint != "" && f.Endpoint != EndpointAny && f.Endpoint != ep {
			continue
		}
		if f.Tenant != "" && f.Tenant != tenant {
			continue
		}
		taken := *f
		if af.left > 0 {
			af.left--
			if af.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &taken
	}
	return nil
}

// payload is the replacement body of a fault, or nil.
func (f *Fault) payload() []byte {
	if f.Oversize > 0 {
		return oversize(f.Oversize)
	}
	return f.Body
}

// oversize returns n bytes of valid JSON when n allows it.
func oversize(n int64) []byte {
	const prefix, suffix = `{"schemaVersion":1,"padding":"`, `"}`
	if n < int64(len(prefix)+len(suffix)) {
		return bytes.Repeat([]byte{' '}, int(n))
	}
	b := make([]byte, 0, n)
	b = append(b, prefix...)
	b = append(b, bytes.Repeat([]byte{'x'}, int(n)-len(prefix)-len(suffix))...)
	return append(b, suffix...)
}

// replaceAnswer prepares the answer of a body fault: its headers and its
// delay. It reports whether to answer.
func (s *Server) replaceAnswer(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if rw, ok := w.(*responseWriter); ok {
		rw.applyFault(f)
	}
	if f.RequestID != "" {
		w.Header().Set("X-Request-ID", f.RequestID)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	return s.delay(w, r, f.Delay)
}

// writeFault answers an error fault.
func writeFault(w http.ResponseWriter, ep Endpoint, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Status == http.StatusUnauthorized {
		if ep == EndpointToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="switchyard"`)
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchyard", error="invalid_token"`)
		}
	}
	if body := f.payload(); body != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		if bodyAllowed(f.Status) {
			_, _ = w.Write(body)
		}
		return
	}
	code := faultCode(ep, f.Status)
	msg := "injected fault: " + http.StatusText(f.Status)
	if ep == EndpointToken {
		writeOAuthError(w, f.Status, code, msg)
	} else {
		writeError(w, f.Status, code, msg)
	}
}

// faultCode is the error code of an injected status: OAuth2 codes from
// the token endpoint, else the status text in snake case.
func faultCode(ep Endpoint, status int) string {
	if ep == EndpointToken {
		switch status {
		case http.StatusBadRequest:
			return "invalid_request"
		case http.StatusUnauthorized:
			return "invalid_client"
		case http.StatusForbidden:
			return "access_denied"
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			return "temporarily_unavailable"
		}
		if status >= 500 {
			return "server_error"
		}
	}
	text := http.StatusText(status)
	if text == "" {
		return "error"
	}
	return strings.ReplaceAll(strings.ToLower(text), " ", "_")
}
