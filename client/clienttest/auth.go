package clienttest

import (
	"crypto/subtle"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchyardhq/switchyard/internal/protocol"
)

// Scopes the service knows.
const (
	// ScopeRead allows reading rulesets and their stream.
	ScopeRead = protocol.ScopeRead
	// ScopeWrite allows uploading events.
	ScopeWrite = protocol.ScopeWrite
)

// maxTokenBody bounds a token request's form.
const maxTokenBody = 64 << 10

type registeredClient struct {
	secret string
	tenant string
	scopes []string
}

type token struct {
	clientID string
	tenant   string
	scopes   []string
	expiry   time.Time
	expired  bool // set by ExpireTokens
}

// credential is who a service request authenticated as.
type credential struct {
	tenant   string
	clientID string   // empty for an API key
	apiKey   string   // empty for a token
	scopes   []string // nil: every scope (API keys)
}

// AddClient registers an OAuth2 client for the client-credentials grant:
// its secret, the tenant its tokens act for, and the scopes it may request
// (none means ScopeRead and ScopeWrite). Adding an existing id replaces
// its secret, tenant and scopes, as a secret rotation would; tokens
// already issued stay valid. The scopes slice is copied.
func (s *Server) AddClient(id, secret, tenant string, scopes ...string) {
	if len(scopes) == 0 {
		scopes = []string{ScopeRead, ScopeWrite}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[id] = &registeredClient{secret: secret, tenant: tenant, scopes: slices.Clone(scopes)}
}

// RevokeClient removes the client id: its secret no longer gets tokens
// (401 invalid_client), every token already issued to it is answered 401,
// and the streams opened with those tokens are closed. It returns when
// those streams have ended (at most about a second). Revoking an unknown
// id does nothing.
func (s *Server) RevokeClient(id string) {
	s.mu.Lock()
	delete(s.clients, id)
	for access, t := range s.tokens {
		if t.clientID == id {
			delete(s.tokens, access)
		}
	}
	dropped := s.removeStreamsLocked(func(st *stream) bool { return st.cred.clientID == id && st.cred.apiKey == "" })
	s.mu.Unlock()
	waitExited(dropped, time.Second)
}

// ExpireTokens makes every access token issued so far expired: using one
// is answered 401. Tokens issued afterwards are valid, and open streams
// stay open.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.expired = true
	}
}

// AddAPIKey registers a static API key (sent as X-API-Key) for tenant.
// Adding an existing key moves it to tenant. API keys carry every scope.
func (s *Server) AddAPIKey(key, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKeys[key] = tenant
}

// RevokeAPIKey removes key: requests with it are answered 401, and the
// streams opened with it are closed. It returns when those streams have
// ended (at most about a second).
func (s *Server) RevokeAPIKey(key string) {
	s.mu.Lock()
	delete(s.apiKeys, key)
	dropped := s.removeStreamsLocked(func(st *stream) bool { return st.cred.apiKey == key })
	s.mu.Unlock()
	waitExited(dropped, time.Second)
}

// tokenResponse is the successful token endpoint answer (RFC 6749 section
// 5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// serveToken answers the client-credentials grant.
func (s *Server) serveToken(w *responseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTokenBody+1))
	s.setBody(w.rec, body)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the request body could not be read")
		return
	}
	if len(body) > maxTokenBody {
		writeOAuthError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the form is too large")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the form is malformed")
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing")
		return
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "only grant_type=client_credentials is supported")
		return
	}

	id, secret, basic := r.BasicAuth()
	if basic {
		if form.Has("client_secret") {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the client authenticated with both HTTP Basic and client_secret; use one")
			return
		}
		// RFC 6749 section 2.3.1: both are form-encoded before Basic.
		uid, err1 := url.QueryUnescape(id)
		usecret, err2 := url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			s.invalidClient(w)
			return
		}
		id, secret = uid, usecret
		if form.Has("client_id") && form.Get("client_id") != id {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_id differs from the HTTP Basic user")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}

	s.mu.Lock()
	c := s.clients[id]
	var reg registeredClient
	if c != nil {
		reg = *c
	}
	s.mu.Unlock()
	if c == nil || id == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(reg.secret)) != 1 {
		s.invalidClient(w)
		return
	}
	if r.Header.Get(headerTenant) != reg.tenant {
		writeOAuthError(w, http.StatusForbidden, "access_denied", "X-Tenant-ID is missing or does not match the client's tenant")
		return
	}
	granted := reg.scopes
	if requested := strings.Fields(form.Get("scope")); len(requested) > 0 {
		for _, sc := range requested {
			if !slices.Contains(reg.scopes, sc) {
				writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "a requested scope is not granted to this client")
				return
			}
		}
		granted = nil
		for _, sc := range requested {
			if !slices.Contains(granted, sc) {
				granted = append(granted, sc)
			}
		}
	}

	if f := s.takeFault(EndpointToken, reg.tenant, true); f != nil {
		if !s.replaceAnswer(w, r, f) {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(f.payload())
		return
	}

	access := newID() + newID()
	ttl := s.opts.TokenTTL
	s.mu.Lock()
	s.tokens[access] = &token{clientID: id, tenant: reg.tenant, scopes: granted, expiry: s.opts.Now().Add(ttl)}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: access,
		TokenType:   "Bearer",
		ExpiresIn:   max(1, int64(math.Ceil(ttl.Seconds()))),
		Scope:       strings.Join(granted, " "),
	})
}

func (s *Server) invalidClient(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="switchyard"`)
	writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
}

// authorize authenticates a service request, checks its tenant header and
// scope, and answers the failure itself (then ok is false).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, scope string) (cred credential, ok bool) {
	s.mu.Lock()
	cred, presented, msg := s.authenticateLocked(r)
	s.mu.Unlock()
	if msg != "" {
		unauthorized(w, presented, msg)
		return credential{}, false
	}
	if r.Header.Get(headerTenant) == "" {
		writeError(w, http.StatusForbidden, "forbidden", "the X-Tenant-ID header is missing")
		return credential{}, false
	}
	if r.Header.Get(headerTenant) != cred.tenant {
		writeError(w, http.StatusForbidden, "forbidden", "X-Tenant-ID does not match the tenant of the credentials")
		return credential{}, false
	}
	if cred.scopes != nil && !slices.Contains(cred.scopes, scope) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchyard", error="insufficient_scope", scope="`+scope+`"`)
		writeError(w, http.StatusForbidden, "insufficient_scope", "the token lacks the scope "+scope)
		return credential{}, false
	}
	return cred, true
}

// authenticateLocked finds the credential of r. msg is non-empty when it
// has none valid; presented reports a bearer token was sent.
func (s *Server) authenticateLocked(r *http.Request) (cred credential, presented bool, msg string) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, access, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(access) == "" {
			return credential{}, false, "the Authorization header is not a bearer token"
		}
		t := s.tokens[strings.TrimSpace(access)]
		switch {
		case t == nil:
			return credential{}, true, "the access token is unknown or revoked"
		case t.expired || !s.opts.Now().Before(t.expiry):
			return credential{}, true, "the access token has expired"
		}
		return credential{tenant: t.tenant, clientID: t.clientID, scopes: t.scopes}, true, ""
	}
	if key := r.Header.Get("X-API-Key"); key != "" {
		tenant, ok := s.apiKeys[key]
		if !ok {
			return credential{}, false, "the API key is unknown or revoked"
		}
		return credential{tenant: tenant, apiKey: key}, false, ""
	}
	return credential{}, false, "credentials are required: Authorization: Bearer <token> or X-API-Key"
}
