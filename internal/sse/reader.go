// Package sse reads server-sent events (the text/event-stream format of
// the HTML Living Standard, section "Server-sent events").
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Event is one dispatched event.
type Event struct {
	// Type is the event type; "message" when the stream gave none.
	Type string
	// ID is the stream's last event ID at dispatch.
	ID string
	// Data is the event's data lines joined with "\n".
	Data []byte
}

// ErrTooLarge is returned when a line or an event's data exceeds the
// reader's limit.
var ErrTooLarge = errors.New("sse: event exceeds the size limit")

// Reader parses an event stream. It is not safe for concurrent use.
type Reader struct {
	br      *bufio.Reader
	max     int
	lastID  string
	retry   time.Duration
	retried bool // a retry field was read
	line    []byte
	pending [][]byte // lines split on a bare CR, not yet processed
	eof     bool
	// OnComment, when set, is called with each comment line (a heartbeat).
	OnComment func(comment []byte)
}

// NewReader reads events from r; maxEventBytes bounds a line and an
// event's data (at least 1 KiB is used).
func NewReader(r io.Reader, maxEventBytes int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), max: max(maxEventBytes, 1<<10)}
}

// LastEventID returns the last event ID seen, to send as Last-Event-ID when
// reconnecting.
func (r *Reader) LastEventID() string { return r.lastID }

// Retry returns the reconnection time the stream last set with a retry
// field; ok is false if it set none.
func (r *Reader) Retry() (d time.Duration, ok bool) { return r.retry, r.retried }

// maxRetry bounds the retry field's value (about 24 days, so the
// milliseconds fit a Duration on any platform): a larger one stands for
// it, since the standard sets the reconnection time from any value of
// ASCII digits (ignoring one that is not all digits), and a service asking
// for a long wait must not leave its clients unpaced. The provider caps
// the wait far lower (backoff.MaxRetryAfter).
const maxRetry = 1<<31 - 1

// Next returns the next event. At the end of the stream it returns io.EOF
// (an event without its terminating blank line is discarded, as the
// standard requires).
func (r *Reader) Next() (Event, error) {
	var (
		typ     string
		data    []byte
		hasData bool
	)
	for {
		line, err := r.readLine()
		if err != nil {
			return Event{}, err
		}
		if len(line) == 0 { // blank line: dispatch
			if !hasData {
				typ = ""
				continue
			}
			if typ == "" {
				typ = "message"
			}
			data = bytes.TrimSuffix(data, []byte{'\n'})
			return Event{Type: typ, ID: r.lastID, Data: data}, nil
		}
		if line[0] == ':' {
			if r.OnComment != nil {
				r.OnComment(line[1:])
			}
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			value = bytes.TrimPrefix(value, []byte{' '})
		}
		switch string(field) {
		case "event":
			typ = string(value)
		case "data":
			if len(data)+len(value) > r.max { // data holds earlier lines and their separators
				return Event{}, fmt.Errorf("%w (%d bytes)", ErrTooLarge, r.max)
			}
			data = append(data, value...)
			data = append(data, '\n')
			hasData = true
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				r.lastID = string(value)
			}
		case "retry":
			if ms, ok := digits(value); ok {
				r.retry, r.retried = time.Duration(ms)*time.Millisecond, true
			}
		default: // unknown fields are ignored
		}
	}
}

// readLine returns the next line without its terminator (CRLF, LF or CR).
func (r *Reader) readLine() ([]byte, error) {
	if len(r.pending) > 0 {
		l := r.pending[0]
		r.pending = r.pending[1:]
		return l, nil
	}
	if r.eof {
		return nil, io.EOF
	}
	r.line = r.line[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(r.line)+len(chunk) > r.max+2 {
			return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, r.max)
		}
		r.line = append(r.line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err != io.EOF {
				return nil, err
			}
			// The stream ended without LF. Lines ended by a bare CR are
			// complete; whatever follows the last CR is a partial line,
			// which is never dispatched.
			r.eof = true
			i := bytes.LastIndexByte(r.line, '\r')
			if i < 0 {
				return nil, io.EOF
			}
			r.pending = append(r.pending[:0], bytes.Split(r.line[:i], []byte{'\r'})...)
			return r.readLine()
		}
		break
	}
	line := bytes.TrimSuffix(r.line[:len(r.line)-1], []byte{'\r'})
	if bytes.IndexByte(line, '\r') < 0 {
		return line, nil
	}
	parts := bytes.Split(line, []byte{'\r'})
	r.pending = append(r.pending[:0], parts[1:]...)
	return parts[0], nil
}

// digits reads a decimal number of ASCII digits only, as the standard's
// retry field must be, saturating at maxRetry (leading zeros and any
// length allowed); ok is false for anything else.
func digits(v []byte) (n int64, ok bool) {
	if len(v) == 0 {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= maxRetry { // so n stays below 2^35: no overflow
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, maxRetry), true
}
