package clienttest

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// stream is one open ruleset stream.
type stream struct {
	cred credential
	env  string

	mu     sync.Mutex
	queue  [][]byte      // whole events, in order
	notify chan struct{} // capacity 1: the queue has something

	closeOnce sync.Once
	done      chan struct{} // closed to end the stream
	exited    chan struct{} // closed when the handler returned
}

func newStream(cred credential, env string) *stream {
	return &stream{
		cred:   cred,
		env:    env,
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
}

// push queues one event. It never blocks: the queue is unbounded.
func (st *stream) push(ev []byte) {
	st.mu.Lock()
	st.queue = append(st.queue, ev)
	st.mu.Unlock()
	select {
	case st.notify <- struct{}{}:
	default:
	}
}

func (st *stream) take() [][]byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	q := st.queue
	st.queue = nil
	return q
}

func (st *stream) close() { st.closeOnce.Do(func() { close(st.done) }) }

// rulesetEvent formats a "ruleset" event: one data line per line of doc.
func rulesetEvent(id string, doc []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(doc) + 64)
	b.WriteString("event: ruleset\nid: ")
	b.WriteString(id)
	b.WriteByte('\n')
	for _, line := range splitLines(doc) {
		b.WriteString("data: ")
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// splitLines splits on CRLF, LF and CR, the line ends of an event stream,
// so no data line can contain one.
func splitLines(doc []byte) [][]byte {
	var lines [][]byte
	for {
		i := bytes.IndexAny(doc, "\r\n")
		if i < 0 {
			return append(lines, doc)
		}
		lines = append(lines, doc[:i])
		if doc[i] == '\r' && i+1 < len(doc) && doc[i+1] == '\n' {
			i++
		}
		doc = doc[i+1:]
	}
}

// serveStream answers GET /api/v1/environments/{env}/ruleset/stream.
func (s *Server) serveStream(w *responseWriter, r *http.Request, env string) {
	cred, ok := s.authorize(w, r, ScopeRead)
	if !ok {
		return
	}
	if !acceptsEventStream(r.Header.Values("Accept")) {
		writeError(w, http.StatusNotAcceptable, "not_acceptable", "the stream requires Accept: text/event-stream")
		return
	}

	s.mu.Lock()
	if s.closed || s.down {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the server is shutting down")
		return
	}
	rs := s.rulesets[rulesetKey{cred.tenant, env}]
	if rs == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "not_found", "no ruleset for this environment")
		return
	}
	st := newStream(cred, env)
	f := s.takeFaultLocked(EndpointStream, cred.tenant, true)
	switch {
	case f != nil:
		doc := f.payload()
		st.queue = append(st.queue, rulesetEvent(s.eventID(doc), doc))
	case r.Header.Get("Last-Event-ID") != rs.id:
		st.queue = append(st.queue, rulesetEvent(rs.id, rs.doc))
	}
	s.streams[st] = struct{}{}
	s.streamsChangedLocked()
	s.mu.Unlock()
	defer s.unregister(st)

	if f != nil && !s.replaceAnswer(w, r, f) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if d := s.opts.StreamRetry; d > 0 {
		if _, err := fmt.Fprintf(w, "retry: %d\n\n", d.Milliseconds()); err != nil {
			return
		}
	}
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}

	heartbeat := time.NewTicker(s.opts.HeartbeatInterval)
	defer heartbeat.Stop()
	for {
		if q := st.take(); len(q) > 0 {
			for _, ev := range q {
				if _, err := w.Write(ev); err != nil {
					return
				}
			}
			if rc.Flush() != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-st.done:
			return
		case <-st.notify:
		case <-heartbeat.C:
			if _, err := w.Write([]byte(":\n")); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// acceptsEventStream reports whether an Accept header lists
// text/event-stream.
func acceptsEventStream(accept []string) bool {
	for _, v := range accept {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == "text/event-stream" {
				return true
			}
		}
	}
	return false
}

func (s *Server) unregister(st *stream) {
	s.mu.Lock()
	if _, ok := s.streams[st]; ok {
		delete(s.streams, st)
		s.streamsChangedLocked()
	}
	s.mu.Unlock()
	close(st.exited)
}

// streamsChangedLocked wakes WaitOpenStreams callers.
func (s *Server) streamsChangedLocked() {
	close(s.streamsCh)
	s.streamsCh = make(chan struct{})
}

// removeStreamsLocked ends the streams drop selects and stops counting
// them as open. The caller waits for their exited channels without the
// lock.
func (s *Server) removeStreamsLocked(drop func(*stream) bool) []*stream {
	var out []*stream
	for st := range s.streams {
		if drop(st) {
			st.close()
			delete(s.streams, st)
			out = append(out, st)
		}
	}
	if len(out) > 0 {
		s.streamsChangedLocked()
	}
	return out
}

// DropStreams closes every open ruleset stream now, as a load balancer
// cutting connections would: each client sees its stream end cleanly. It
// returns when the streams' handlers have ended (at most about a second),
// so OpenStreams no longer counts them and later pushes do not reach them.
func (s *Server) DropStreams() {
	s.mu.Lock()
	dropped := s.removeStreamsLocked(func(*stream) bool { return true })
	s.mu.Unlock()
	waitExited(dropped, time.Second)
}

// OpenStreams returns how many ruleset streams are open. A stream counts
// from just before its response headers are sent until it ends.
func (s *Server) OpenStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

// WaitOpenStreams blocks until exactly n ruleset streams are open, or ctx
// ends; then it returns an error wrapping ctx's.
func (s *Server) WaitOpenStreams(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		open, changed := len(s.streams), s.streamsCh
		s.mu.Unlock()
		if open == n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("clienttest: %d ruleset streams open, waiting for %d: %w", open, n, ctx.Err())
		}
	}
}
