package clienttest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyardhq/switchyard/internal/protocol"
	"github.com/switchyardhq/switchyard/signing"
)

// Defaults of Options.
const (
	DefaultTokenTTL          = time.Hour
	DefaultHeartbeatInterval = 15 * time.Second
	DefaultMaxEventBody      = 1 << 20
)

// Options configures a Server. The zero value of every field is its
// default.
type Options struct {
	// TLS serves HTTPS with httptest's self-signed certificate (valid for
	// 127.0.0.1, ::1 and example.com, not for "localhost": use the URL
	// the Server reports), and TLS 1.2 as the minimum. Certificate,
	// RootCAs and Client give what a client needs to trust it. The
	// default is plain HTTP, which the SDK accepts for loopback hosts.
	TLS bool
	// MaxTLSVersion, with TLS, makes the server offer at most this
	// version (such as tls.VersionTLS11), to test that clients refuse it.
	// Zero means TLS 1.2 and 1.3.
	MaxTLSVersion uint16
	// HTTP2 lets TLS clients negotiate HTTP/2 (the default is HTTP/1.1
	// only). It has no effect without TLS.
	HTTP2 bool
	// TokenTTL is the lifetime of issued access tokens; zero means 1 h.
	TokenTTL time.Duration
	// HeartbeatInterval is the time between ":" comment heartbeats on
	// ruleset streams; zero means 15 s.
	HeartbeatInterval time.Duration
	// MaxEventBody bounds an event upload; a larger one is answered 413.
	// Zero means 1 MiB, the protocol's limit.
	MaxEventBody int64
	// Now is the clock for token expiry and Request.Time; nil means
	// time.Now. It must be safe for concurrent use.
	Now func() time.Time
	// InMemory serves over in-memory connections instead of a loopback
	// socket: clients reach it only through Server.Dial, given as
	// client.Config.DialContext. Such a server works inside a
	// testing/synctest bubble (create it inside the bubble), so polling,
	// backoff and stale windows can be tested in virtual time.
	InMemory bool
	// StreamIDs chooses the stream's event IDs; the zero value,
	// StreamIDVersion, sends the document's "version" as the protocol
	// says, so event IDs and ETags differ.
	StreamIDs StreamIDMode
	// SigningKey, when it holds a key, makes the server sign what it
	// serves: SetRuleset wraps each document in a signed envelope
	// (signing.Sign), served by GET and on the stream, with the ETag of
	// the envelope. The zero value serves documents unsigned.
	// Server.SetSigningKey changes it later (a key rotation).
	SigningKey signing.PrivateKey
	// StreamRetry, when positive, is sent at the start of every stream as
	// the SSE retry field (in milliseconds): the reconnection time a
	// service sets to pace its clients. The provider then spreads its
	// reconnections over at least that long. Zero sends none, as the
	// protocol's service does not.
	StreamRetry time.Duration
}

// StreamIDMode selects what a ruleset event's id is.
type StreamIDMode int

const (
	// StreamIDVersion sends the document's top-level "version" (the ETag's
	// hash when the document has none or cannot be read).
	StreamIDVersion StreamIDMode = iota
	// StreamIDETag sends the ETag without its quotes, as a service whose
	// versions are content hashes would.
	StreamIDETag
)

// Server is a running fake flag service. Create it with New and stop it
// with Close. All its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:40123, without a
	// trailing slash.
	URL string

	opts Options
	addr string // the listening address, kept across Stop and Start

	// netMu serialises Stop, Start and Close, and guards what they
	// replace.
	netMu   sync.Mutex
	ts      *httptest.Server
	mem     atomic.Pointer[memListener] // with Options.InMemory; Start replaces it
	stopped bool                        // by Stop, until Start

	closeOnce sync.Once
	done      chan struct{} // closed by Close: streams and delays end

	mu        sync.Mutex
	closed    bool
	signKey   signing.PrivateKey
	down      bool                         // between Stop and Start: no new stream is registered
	clients   map[string]*registeredClient // by client ID
	tokens    map[string]*token            // by access token
	apiKeys   map[string]string            // key → tenant
	rulesets  map[rulesetKey]*ruleset
	batches   map[string][]Batch             // by tenant
	seenKeys  map[string]map[string]struct{} // tenant → idempotency keys
	requests  []*Request
	faults    []*activeFault
	streams   map[*stream]struct{}
	streamsCh chan struct{} // closed and replaced whenever streams changes
}

// New starts a Server on the loopback interface with opts. It panics if a
// field of opts is negative or no port can be bound, as httptest.NewServer
// does.
func New(opts Options) *Server {
	switch {
	case opts.TokenTTL < 0:
		panic("clienttest: Options.TokenTTL is negative (zero means 1 h)")
	case opts.HeartbeatInterval < 0:
		panic("clienttest: Options.HeartbeatInterval is negative (zero means 15 s)")
	case opts.MaxEventBody < 0:
		panic("clienttest: Options.MaxEventBody is negative (zero means 1 MiB)")
	}
	opts.TokenTTL = cmp.Or(opts.TokenTTL, DefaultTokenTTL)
	opts.HeartbeatInterval = cmp.Or(opts.HeartbeatInterval, DefaultHeartbeatInterval)
	opts.MaxEventBody = cmp.Or(opts.MaxEventBody, DefaultMaxEventBody)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:      opts,
		signKey:   opts.SigningKey,
		done:      make(chan struct{}),
		clients:   make(map[string]*registeredClient),
		tokens:    make(map[string]*token),
		apiKeys:   make(map[string]string),
		rulesets:  make(map[rulesetKey]*ruleset),
		batches:   make(map[string][]Batch),
		seenKeys:  make(map[string]map[string]struct{}),
		streams:   make(map[*stream]struct{}),
		streamsCh: make(chan struct{}),
	}
	var ln net.Listener
	if opts.InMemory {
		mem := newMemListener()
		s.mem.Store(mem)
		ln = mem
	} else {
		ln = listenLoopback()
	}
	s.addr = ln.Addr().String()
	s.ts = s.serveOn(ln)
	s.URL = s.ts.URL
	return s
}

// listenLoopback listens on a free loopback port, IPv4 first, and panics
// when there is none, as httptest.NewServer does.
func listenLoopback() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic("clienttest: failed to listen on a loopback port: " + err.Error())
		}
	}
	return ln
}

// serveOn starts serving on ln, with TLS if the options ask for it.
func (s *Server) serveOn(ln net.Listener) *httptest.Server {
	ts := &httptest.Server{Listener: ln, Config: &http.Server{
		Handler: http.HandlerFunc(s.serve),
		// Handshake failures of clients that do not trust the test CA
		// are what such tests expect; they need not fill the test
		// output.
		ErrorLog: log.New(io.Discard, "", 0),
	}}
	if !s.opts.TLS {
		ts.Start()
		return ts
	}
	ts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	if s.opts.MaxTLSVersion != 0 {
		ts.TLS.MinVersion, ts.TLS.MaxVersion = tls.VersionTLS10, s.opts.MaxTLSVersion
	}
	ts.EnableHTTP2 = s.opts.HTTP2
	// httptest serves its one built-in certificate, so the RootCAs of
	// the first start still verify the server after a restart.
	ts.StartTLS()
	return ts
}

// Close ends every open stream and pending fault delay, then shuts the
// server down, waiting for the requests in flight (connections still busy
// after a few seconds are cut). It is idempotent, and the other methods
// keep working on the recorded state afterwards. A closed server cannot be
// started again.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.netMu.Lock()
		defer s.netMu.Unlock()
		s.mu.Lock()
		s.closed = true
		close(s.done)
		dropped := s.removeStreamsLocked(func(*stream) bool { return true })
		s.mu.Unlock()
		waitExited(dropped, time.Second)

		cut := time.AfterFunc(3*time.Second, s.ts.CloseClientConnections)
		defer cut.Stop()
		s.ts.Close()
	})
}

// Stop takes the server off the network, as a crash or a restart of the
// service would: it ends every open stream (cleanly, as a service
// draining its connections does), stops listening, so that new
// connections are refused, and cuts every other connection, including
// requests in flight (a fault's Delay ends without an answer). It returns
// when the handlers have returned.
//
// Everything the server holds survives: credentials and issued tokens,
// rulesets, faults, uploaded events and the request log (call
// ExpireTokens to model a service that forgets its tokens). Start serves
// again on the same address. Stop on a stopped or closed server does
// nothing.
func (s *Server) Stop() {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	s.mu.Lock()
	if s.closed || s.down {
		s.mu.Unlock()
		return
	}
	s.down = true
	dropped := s.removeStreamsLocked(func(*stream) bool { return true })
	s.mu.Unlock()

	// Refuse new connections first, then let the streams end, then cut
	// what is left.
	_ = s.ts.Listener.Close()
	waitExited(dropped, time.Second)
	s.ts.CloseClientConnections()
	s.ts.Close()
	s.stopped = true
}

// Start serves again after Stop, on the same address, so URL (and, with
// TLS, the certificate) stays valid and clients reconnect as they would to
// a restarted service. It does nothing on a server that is running. It
// fails on a closed server, and when the address was taken by something
// else in the meantime (a socket server only; the port is then lost).
func (s *Server) Start() error {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return errors.New("clienttest: Start on a closed server: Close is final; use Stop to restart a server, or create a new one")
	case !s.stopped:
		return nil
	}
	var ln net.Listener
	if s.opts.InMemory {
		mem := newMemListener()
		s.mem.Store(mem)
		ln = mem
	} else {
		var err error
		if ln, err = net.Listen("tcp", s.addr); err != nil {
			return fmt.Errorf("clienttest: Start: cannot listen on %s again: %w", s.addr, err)
		}
	}
	s.ts = s.serveOn(ln)
	s.stopped = false
	s.mu.Lock()
	s.down = false
	s.mu.Unlock()
	return nil
}

// Certificate returns the server's TLS certificate, or nil without TLS.
func (s *Server) Certificate() *x509.Certificate {
	if !s.opts.TLS {
		return nil
	}
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return s.ts.Certificate()
}

// RootCAs returns a pool holding the server's certificate, for
// client.Config.RootCAs, or nil without TLS.
func (s *Server) RootCAs() *x509.CertPool {
	c := s.Certificate()
	if c == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return pool
}

// Client returns an HTTP client that trusts the server's certificate (a
// plain client without TLS). Close and Stop close its idle connections; a
// client returned before Stop keeps working after Start. It adds no
// headers: requests still need X-Tenant-ID and credentials.
func (s *Server) Client() *http.Client {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return s.ts.Client()
}

// serve routes, records and answers one request.
func (s *Server) serve(rw http.ResponseWriter, r *http.Request) {
	ep, env, routed := route(r)
	rec := &Request{
		Method:   r.Method,
		Path:     r.URL.EscapedPath(),
		Endpoint: ep,
		Env:      env,
		Header:   r.Header.Clone(),
		Tenant:   r.Header.Get(headerTenant),
		Host:     r.Host,
		Time:     s.opts.Now(),
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	w := &responseWriter{ResponseWriter: rw, s: s, rec: rec}
	w.Header().Set("X-Request-ID", newID())

	if routed == routeNotFound {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	if routed == routeBadEnv {
		writeError(w, http.StatusBadRequest, "invalid_request", "the environment in the path is not validly escaped")
		return
	}
	if allow := allowedMethod(ep); r.Method != allow {
		w.Header().Set("Allow", allow)
		if ep == EndpointToken {
			writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "use "+allow)
		} else {
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+allow)
		}
		return
	}
	if f := s.takeFault(ep, rec.Tenant, false); f != nil {
		if f.RequestID != "" {
			w.Header().Set("X-Request-ID", f.RequestID)
		}
		w.applyFault(f)
		if !s.delay(w, r, f.Delay) {
			return
		}
		if f.Status != 0 {
			writeFault(w, ep, f)
			return
		}
	}
	switch ep {
	case EndpointToken:
		s.serveToken(w, r)
	case EndpointRuleset:
		s.serveRuleset(w, r, env)
	case EndpointStream:
		s.serveStream(w, r, env)
	case EndpointEvents:
		s.serveEvents(w, r)
	}
}

type routeResult int

const (
	routeOK routeResult = iota
	routeNotFound
	routeBadEnv
)

const (
	headerTenant = protocol.HeaderTenant
	envPrefix    = protocol.EnvironmentsPrefix
)

// Paths of the endpoints under Server.URL.
const (
	// TokenPath is the OAuth2 token endpoint.
	TokenPath = protocol.TokenPath
	// EventsPath is the event upload endpoint.
	EventsPath = protocol.EventsPath
)

// RulesetPath returns the path of env's ruleset, with env path-escaped.
func RulesetPath(env string) string { return protocol.RulesetPath(env) }

// StreamPath returns the path of env's ruleset stream, with env
// path-escaped.
func StreamPath(env string) string { return protocol.StreamPath(env) }

// route finds the endpoint of r and, for environment endpoints, the
// unescaped environment.
func route(r *http.Request) (Endpoint, string, routeResult) {
	p := r.URL.EscapedPath()
	switch p {
	case TokenPath:
		return EndpointToken, "", routeOK
	case EventsPath:
		return EndpointEvents, "", routeOK
	}
	rest, ok := strings.CutPrefix(p, envPrefix)
	if !ok {
		return "", "", routeNotFound
	}
	ep := EndpointStream
	escaped, ok := strings.CutSuffix(rest, "/ruleset/stream")
	if !ok {
		ep = EndpointRuleset
		if escaped, ok = strings.CutSuffix(rest, "/ruleset"); !ok {
			return "", "", routeNotFound
		}
	}
	if escaped == "" || strings.Contains(escaped, "/") {
		return "", "", routeNotFound
	}
	env, err := url.PathUnescape(escaped)
	if err != nil {
		return ep, "", routeBadEnv
	}
	return ep, env, routeOK
}

func allowedMethod(ep Endpoint) string {
	if ep == EndpointToken || ep == EndpointEvents {
		return http.MethodPost
	}
	return http.MethodGet
}

// delay waits d, or until the request is cancelled or the server closes.
// It reports whether to go on answering; when the server closes it
// answers 503 itself.
func (s *Server) delay(w http.ResponseWriter, r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	// Read the body first, as a gateway would: net/http notices a client
	// that went away only once the body is consumed.
	if r.Body != nil && r.Body != http.NoBody {
		body, _ := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxEventBody+1))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the server is shutting down")
		return false
	}
}

// errorBody is the JSON body of error responses.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	Message     string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic("clienttest: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if bodyAllowed(status) {
		_, _ = w.Write(body)
	}
}

// writeError answers a service error.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: code, Message: msg})
}

// writeOAuthError answers a token endpoint error (RFC 6749 section 5.2).
func writeOAuthError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, errorBody{Error: code, Description: msg, Message: msg})
}

// unauthorized answers 401 with a Bearer challenge.
func unauthorized(w http.ResponseWriter, presentedToken bool, msg string) {
	challenge := `Bearer realm="switchyard"`
	if presentedToken {
		challenge += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeError(w, http.StatusUnauthorized, "unauthorized", msg)
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// newID returns a random identifier (26 base32 characters, 130 bits), for
// request IDs and access tokens.
func newID() string { return rand.Text() }

// waitExited waits until every stream's handler has returned, at most d.
func waitExited(streams []*stream, d time.Duration) {
	if len(streams) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for _, st := range streams {
		select {
		case <-st.exited:
		case <-ctx.Done():
			return
		}
	}
}
