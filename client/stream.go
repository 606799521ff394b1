package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/switchyardhq/switchyard/internal/sse"
)

// StreamEvent is one event of the ruleset stream.
type StreamEvent struct {
	// Type is "ruleset" (Data holds the full document), "invalidate"
	// (refetch with FetchRuleset), or StreamOpened; other types may be
	// added by the service and should be ignored.
	Type string
	// ID is the event ID (the ruleset version), to resume with. It is
	// empty when the service sent none, or sent one that is not 1 to 256
	// bytes of visible ASCII (such an ID is dropped, never resent).
	ID string
	// InvalidID reports that the service sent an id that was dropped.
	InvalidID bool
	Data      []byte
}

// StreamOpened is the Type of the first event Stream delivers: the service
// accepted the stream (HTTP 200), before it sent anything. Events the
// service sends never have an empty type.
const StreamOpened = ""

// Errors that end a stream.
var (
	// ErrStreamIdle: the stream sent nothing, not even a heartbeat, for
	// Config.StreamIdleTimeout.
	ErrStreamIdle = errors.New("client: ruleset stream silent for too long")
	// ErrStreamClosed: the service ended the stream.
	ErrStreamClosed = errors.New("client: ruleset stream closed by the service")
)

// Stream opens the ruleset stream and calls handle for each event until
// ctx ends, handle returns an error, the service closes the stream, or the
// stream is silent for Config.StreamIdleTimeout. lastEventID resumes after
// a known version. It always returns a non-nil error: ctx's error,
// handle's, ErrStreamClosed, ErrStreamIdle, a *StatusError when the stream
// could not be opened, or a transport error. When the service set a
// reconnection time (the SSE retry field), ReconnectionTime reads it from
// the error, which then wraps the others: compare with errors.Is, not ==.
func (c *Client) Stream(ctx context.Context, lastEventID string, handle func(StreamEvent) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	const op = "open ruleset stream"

	// The watchdog cancels the request when no byte arrives for the idle
	// timeout; every read re-arms it.
	idle := c.cfg.StreamIdleTimeout
	watchdog := time.AfterFunc(idle, func() { cancel(ErrStreamIdle) })
	defer watchdog.Stop()

	resp, err := c.do(ctx, op, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(true), nil)
		if err == nil {
			// A connection of its own, closed when the stream ends: a
			// stream cancelled at Shutdown leaves no connection to linger
			// idle after Close (over HTTP/2 its connection would become
			// idle only once the reset was processed).
			req.Close = true
			req.Header.Set("Accept", "text/event-stream")
			req.Header.Set("Cache-Control", "no-cache")
			if lastEventID != "" {
				req.Header.Set("Last-Event-ID", lastEventID)
			}
		}
		return req, err
	})
	if err != nil {
		return streamErr(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return c.statusError(op, resp)
	}
	defer resp.Body.Close()
	watchdog.Reset(idle)
	if err := handle(StreamEvent{Type: StreamOpened}); err != nil {
		return err
	}

	body := &activityReader{r: resp.Body, touch: func() { watchdog.Reset(idle) }}
	reader := sse.NewReader(body, int(c.cfg.MaxRulesetBytes))
	for {
		ev, err := reader.Next()
		if err != nil {
			return paced(reader, streamEndErr(ctx, err, c.cfg.MaxRulesetBytes))
		}
		out := StreamEvent{Type: ev.Type, Data: ev.Data}
		var ok bool
		if out.ID, ok = serviceString(ev.ID, c.secrets()...); !ok {
			out.InvalidID = true
		}
		if err := handle(out); err != nil {
			return paced(reader, err)
		}
	}
}

// streamEndErr is the error a stream that stopped reading ends with.
func streamEndErr(ctx context.Context, err error, limit int64) error {
	// A cancelled request can surface as a clean end of the body (HTTP/1.1
	// over TLS does): the cause comes first.
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	if errors.Is(err, io.EOF) {
		return ErrStreamClosed
	}
	if errors.Is(err, sse.ErrTooLarge) {
		return fmt.Errorf("%w: a stream event exceeds the %d-byte limit (Config.MaxRulesetBytes)", ErrTooLarge, limit)
	}
	return streamErr(ctx, fmt.Errorf("client: ruleset stream: %w", err))
}

// paced adds to err the reconnection time the stream set, if it set one.
func paced(r *sse.Reader, err error) error {
	if d, ok := r.Retry(); ok {
		return &streamEnd{err: err, retry: d}
	}
	return err
}

// streamEnd is the end of a stream whose service set a reconnection time.
type streamEnd struct {
	err   error
	retry time.Duration
}

func (e *streamEnd) Error() string { return e.err.Error() }
func (e *streamEnd) Unwrap() error { return e.err }

// ReconnectionTime returns the reconnection time the service set on the
// stream that ended with err, with the SSE retry field (milliseconds, in
// digits only; other values are ignored, as the standard says); ok is
// false if it set none. The provider spreads its reconnections over at
// least that long: a service can pace its clients after a restart.
func ReconnectionTime(err error) (d time.Duration, ok bool) {
	var end *streamEnd
	if errors.As(err, &end) {
		return end.retry, true
	}
	return 0, false
}

// streamErr prefers the reason the stream's context was cancelled (the
// idle watchdog, or the caller's context) over the transport error it
// caused.
func streamErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// activityReader calls touch after every read that returned data.
type activityReader struct {
	r     io.Reader
	touch func()
	mu    sync.Mutex
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.mu.Lock()
		a.touch()
		a.mu.Unlock()
	}
	return n, err
}
