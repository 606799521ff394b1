package clienttest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
)

// Batch is one event upload the server stored.
type Batch struct {
	Tenant         string
	IdempotencyKey string
	// Body is the request body as sent.
	Body []byte
	// Events are the elements of the body's "events" array.
	Events []json.RawMessage
}

// Batches returns the event uploads stored for tenant, in the order they
// arrived, each Idempotency-Key once. The result is a copy the caller owns.
func (s *Server) Batches(tenant string) []Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Batch, len(s.batches[tenant]))
	for i, b := range s.batches[tenant] {
		out[i] = cloneBatch(b)
	}
	return out
}

// Events returns the events of every batch stored for tenant, in order.
// The result is a copy the caller owns.
func (s *Server) Events(tenant string) []json.RawMessage {
	var out []json.RawMessage
	for _, b := range s.Batches(tenant) {
		out = append(out, b.Events...)
	}
	return out
}

func cloneBatch(b Batch) Batch {
	b.Body = bytes.Clone(b.Body)
	b.Events = slices.Clone(b.Events)
	for i, e := range b.Events {
		b.Events[i] = bytes.Clone(e)
	}
	return b
}

// serveEvents answers POST /api/v1/events.
func (s *Server) serveEvents(w *responseWriter, r *http.Request) {
	cred, ok := s.authorize(w, r, ScopeWrite)
	if !ok {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be application/json")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeError(w, http.StatusBadRequest, "missing_idempotency_key", "the Idempotency-Key header is required")
		return
	}
	limit := s.opts.MaxEventBody
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the batch exceeds the size limit")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	s.setBody(w.rec, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body could not be read")
		return
	}
	if int64(len(body)) > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the batch exceeds the size limit")
		return
	}
	var payload struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &payload); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", "the body is not a JSON object with an \"events\" array")
		return
	}
	if payload.Events == nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body has no \"events\" array")
		return
	}

	batch := Batch{Tenant: cred.tenant, IdempotencyKey: key, Body: body, Events: payload.Events}
	s.mu.Lock()
	seen := s.seenKeys[cred.tenant]
	if seen == nil {
		seen = make(map[string]struct{})
		s.seenKeys[cred.tenant] = seen
	}
	_, replayed := seen[key]
	if !replayed {
		seen[key] = struct{}{}
		s.batches[cred.tenant] = append(s.batches[cred.tenant], cloneBatch(batch))
	}
	f := s.takeFaultLocked(EndpointEvents, cred.tenant, true)
	s.mu.Unlock()

	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if f != nil {
		if !s.replaceAnswer(w, r, f) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(f.payload())
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
