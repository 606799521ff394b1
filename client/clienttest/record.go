package clienttest

import (
	"bytes"
	"net/http"
	"time"
)

// Request is one request the server received, as Requests reports it.
type Request struct {
	Method string
	// Path is the URL path as sent, still escaped, without the query.
	Path string
	// Endpoint is the protocol endpoint the path names; empty for an
	// unknown path.
	Endpoint Endpoint
	// Env is the unescaped environment of ruleset and stream requests.
	Env string
	// Header holds the request headers (credentials included: this is a
	// test double).
	Header http.Header
	// Tenant is the X-Tenant-ID header, empty when it was missing.
	Tenant string
	// Host is the host the request was addressed to (its Host header).
	Host string
	// Status is the status sent; 0 while the request has not been
	// answered, or when the client went away first. A stream is recorded
	// with 200 as soon as its headers are sent.
	Status int
	// RequestID is the X-Request-ID the server answered with.
	RequestID string
	// Time is when the request arrived, by Options.Now.
	Time time.Time
	// Body is the body read from token and event requests (nil for the
	// others, and for an event upload rejected before its body was read).
	Body []byte
}

// Requests returns every request received since New or ResetRequests, in
// the order they arrived, token requests and rejected requests included.
// The result is a copy the caller owns.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = bytes.Clone(r.Body)
	}
	return out
}

// ResetRequests forgets the requests recorded so far. Requests in flight
// are not recorded further.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func (s *Server) setBody(rec *Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Body = bytes.Clone(body)
}

// responseWriter records the status and request ID sent.
type responseWriter struct {
	http.ResponseWriter
	s     *Server
	rec   *Request
	wrote bool

	header   http.Header // a fault's headers, applied last
	cutAfter int64       // with a fault's CutAfter: body bytes left before the cut
	cut      bool
}

// applyFault arranges for f's Header and CutAfter to take effect.
func (w *responseWriter) applyFault(f *Fault) {
	if f.Header != nil {
		w.header = f.Header.Clone()
	}
	if f.CutAfter > 0 {
		w.cut, w.cutAfter = true, f.CutAfter
	}
}

func (w *responseWriter) WriteHeader(status int) {
	if !w.wrote && status >= 200 {
		for k, v := range w.header {
			if len(v) == 0 || (len(v) == 1 && v[0] == "") {
				w.Header().Del(k)
			} else {
				w.Header()[k] = v
			}
		}
		w.wrote = true
		id := w.Header().Get("X-Request-ID")
		w.s.mu.Lock()
		w.rec.Status = status
		w.rec.RequestID = id
		w.s.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.cut && int64(len(p)) >= w.cutAfter {
		_, _ = w.ResponseWriter.Write(p[:w.cutAfter])
		if f, ok := w.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		// net/http closes the connection without logging: the client
		// sees the body end early, as after a connection reset.
		panic(http.ErrAbortHandler)
	}
	if w.cut {
		w.cutAfter -= int64(len(p))
	}
	return w.ResponseWriter.Write(p)
}

// Flush sends buffered data to the client.
func (w *responseWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
