package clienttest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchyardhq/switchyard/signing"
)

type rulesetKey struct{ tenant, env string }

type ruleset struct {
	doc  []byte // the body served: the document, or its signed envelope
	etag string // quoted, of doc
	id   string // stream event ID
}

// newRuleset is what SetRuleset serves for doc: signed with key when it
// holds one, the event ID taken from the document itself. A doc that is
// not a JSON object cannot be signed and is served as it is (a test
// serving malformed bytes); a JSON object that Sign refuses (CR line
// ends, say) panics: serving it unsigned would hide the test's mistake.
func (s *Server) newRuleset(doc []byte, key signing.PrivateKey) *ruleset {
	body := doc
	if key.Key() != nil {
		env, err := signing.Sign(doc, key)
		switch {
		case err == nil:
			body = env
		case bytes.HasPrefix(bytes.TrimLeft(doc, " \t\r\n"), []byte("{")):
			panic("clienttest: SetRuleset cannot sign this document: " + err.Error())
		}
	}
	return &ruleset{doc: body, etag: ETag(body), id: s.eventID(doc)}
}

// SetSigningKey makes the server sign the documents SetRuleset stores from
// now on with key (see Options.SigningKey); the zero PrivateKey stops
// signing. Rulesets already stored keep their envelopes: publish again to
// re-sign them, as a service rotating its key would.
func (s *Server) SetSigningKey(key signing.PrivateKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signKey = key
}

// eventID is the stream event ID of doc under Options.StreamIDs.
func (s *Server) eventID(doc []byte) string {
	hash := strings.Trim(ETag(doc), `"`)
	if s.opts.StreamIDs == StreamIDETag {
		return hash
	}
	var v struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(doc, &v) != nil || v.Version == "" {
		return hash
	}
	return v.Version
}

// ETag returns the quoted ETag the server derives from doc, as SetRuleset
// returns it.
func ETag(doc []byte) string {
	sum := sha256.Sum256(doc)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// SetRuleset stores doc as the ruleset of (tenant, env), replacing any
// previous one, and pushes it as a "ruleset" event to the open streams of
// that tenant and environment (also when it is unchanged). It returns the
// quoted ETag now served. doc is copied and served byte for byte, never
// validated; with a signing key (Options.SigningKey) it is served inside a
// signed envelope.
func (s *Server) SetRuleset(tenant, env string, doc []byte) (etag string) {
	s.mu.Lock()
	key := s.signKey
	s.mu.Unlock()
	rs := s.newRuleset(bytes.Clone(doc), key)
	ev := rulesetEvent(rs.id, rs.doc)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rulesets[rulesetKey{tenant, env}] = rs
	for st := range s.streams {
		if st.cred.tenant == tenant && st.env == env {
			st.push(ev)
		}
	}
	return rs.etag
}

// Document returns the body served for (tenant, env) (the bytes SetRuleset
// stored, or their envelope when signing) and its quoted ETag, the pair a
// client receives as a client.Document; ok is false when there is none.
// The caller owns doc.
func (s *Server) Document(tenant, env string) (doc []byte, etag string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.rulesets[rulesetKey{tenant, env}]
	if rs == nil {
		return nil, "", false
	}
	return bytes.Clone(rs.doc), rs.etag, true
}

// RemoveRuleset deletes the ruleset of (tenant, env), so the environment
// is answered 404, and closes its open streams. It returns when they have
// ended (at most about a second).
func (s *Server) RemoveRuleset(tenant, env string) {
	s.mu.Lock()
	delete(s.rulesets, rulesetKey{tenant, env})
	dropped := s.removeStreamsLocked(func(st *stream) bool { return st.cred.tenant == tenant && st.env == env })
	s.mu.Unlock()
	waitExited(dropped, time.Second)
}

// Invalidate pushes an "invalidate" event (data {}) to the open streams of
// (tenant, env), telling clients to refetch with GET.
func (s *Server) Invalidate(tenant, env string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for st := range s.streams {
		if st.cred.tenant == tenant && st.env == env {
			st.push([]byte("event: invalidate\ndata: {}\n\n"))
		}
	}
}

// serveRuleset answers GET /api/v1/environments/{env}/ruleset.
func (s *Server) serveRuleset(w *responseWriter, r *http.Request, env string) {
	cred, ok := s.authorize(w, r, ScopeRead)
	if !ok {
		return
	}
	s.mu.Lock()
	rs := s.rulesets[rulesetKey{cred.tenant, env}]
	var f *Fault
	if rs != nil {
		f = s.takeFaultLocked(EndpointRuleset, cred.tenant, true)
	}
	s.mu.Unlock()
	if rs == nil {
		writeError(w, http.StatusNotFound, "not_found", "no ruleset for this environment")
		return
	}
	doc, etag := rs.doc, rs.etag
	if f != nil {
		if !s.replaceAnswer(w, r, f) {
			return
		}
		doc = f.payload()
		etag = ETag(doc)
	} else if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110
// section 13.1.2): a list of tags, W/ prefixes ignored, "*" matches any.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// BooleanRuleset returns a valid ruleset document (schemaVersion 1,
// indented, so it spans several lines) for tenant and env with the given
// version and one boolean flag per entry of flags, each with variants "on"
// and "off" and serving the variant its value names. It is a convenience
// for tests; any bytes can be served.
func BooleanRuleset(tenant, env, version string, flags map[string]bool) []byte {
	type serve struct {
		Variant string `json:"variant"`
	}
	type flag struct {
		Type       string          `json:"type"`
		Variants   map[string]bool `json:"variants"`
		OffVariant string          `json:"offVariant"`
		Default    serve           `json:"default"`
	}
	doc := struct {
		SchemaVersion int             `json:"schemaVersion"`
		TenantID      string          `json:"tenantId"`
		Environment   string          `json:"environment"`
		Version       string          `json:"version,omitempty"`
		Flags         map[string]flag `json:"flags"`
	}{SchemaVersion: 1, TenantID: tenant, Environment: env, Version: version, Flags: map[string]flag{}}
	for key, on := range flags {
		v := "off"
		if on {
			v = "on"
		}
		doc.Flags[key] = flag{
			Type:       "boolean",
			Variants:   map[string]bool{"on": true, "off": false},
			OffVariant: "off",
			Default:    serve{Variant: v},
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("clienttest: " + err.Error())
	}
	return b
}
