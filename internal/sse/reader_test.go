package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func readAll(t *testing.T, stream string, limit int) ([]Event, error) {
	t.Helper()
	r := NewReader(strings.NewReader(stream), limit)
	var out []Event
	for {
		ev, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		out = append(out, ev)
	}
}

func TestReader(t *testing.T) {
	cases := []struct {
		name   string
		stream string
		want   []Event
	}{
		{"ruleset event", "event: ruleset\nid: 42\ndata: {\"a\":\ndata:  1}\n\n",
			[]Event{{Type: "ruleset", ID: "42", Data: []byte("{\"a\":\n 1}")}}},
		{"default type", "data: x\n\n", []Event{{Type: "message", Data: []byte("x")}}},
		{"CRLF and CR line endings", "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r",
			[]Event{{Type: "a", Data: []byte("1")}, {Type: "b", Data: []byte("2")}}},
		{"comments are heartbeats", ": ping\n\n: ping\nevent: invalidate\ndata: {}\n\n",
			[]Event{{Type: "invalidate", Data: []byte("{}")}}},
		{"no space after colon", "event:x\ndata:y\n\n", []Event{{Type: "x", Data: []byte("y")}}},
		{"id persists across events", "id: 7\ndata: a\n\ndata: b\n\n",
			[]Event{{Type: "message", ID: "7", Data: []byte("a")}, {Type: "message", ID: "7", Data: []byte("b")}}},
		{"event without data is not dispatched", "event: ruleset\n\ndata: z\n\n", []Event{{Type: "message", Data: []byte("z")}}},
		{"unterminated last event is dropped", "data: a\n\ndata: partial\n", []Event{{Type: "message", Data: []byte("a")}}},
		{"field without colon", "data\n\n", []Event{{Type: "message", Data: []byte("")}}},
		{"retry and unknown fields ignored", "retry: 10\nfoo: bar\ndata: q\n\n", []Event{{Type: "message", Data: []byte("q")}}},
		{"empty data line", "data:\ndata: b\n\n", []Event{{Type: "message", Data: []byte("\nb")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readAll(t, c.stream, 1<<20)
			if err != nil {
				t.Fatalf("Next() error %v", err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d events %+v, want %d %+v", len(got), got, len(c.want), c.want)
			}
			for i := range got {
				if got[i].Type != c.want[i].Type || got[i].ID != c.want[i].ID || !bytes.Equal(got[i].Data, c.want[i].Data) {
					t.Errorf("event %d = %+v (data %q), want %+v (data %q)", i, got[i], got[i].Data, c.want[i], c.want[i].Data)
				}
			}
		})
	}
}

func TestReaderLimits(t *testing.T) {
	big := "data: " + strings.Repeat("x", 5000) + "\n\n"
	if _, err := readAll(t, big, 2048); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long line: err = %v, want ErrTooLarge", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("y", 500)+"\n", 10) + "\n"
	if _, err := readAll(t, many, 2048); !errors.Is(err, ErrTooLarge) {
		t.Errorf("many data lines: err = %v, want ErrTooLarge", err)
	}
	if evs, err := readAll(t, many, 1<<20); err != nil || len(evs) != 1 || len(evs[0].Data) != 10*500+9 {
		t.Errorf("within the limit: %d events, err %v", len(evs), err)
	}
	// The limit is the size of the event's data, as FetchRuleset's limit
	// is the size of the body: an event of exactly the limit is accepted.
	exact := "data: " + strings.Repeat("z", 1500) + "\ndata: " + strings.Repeat("z", 547) + "\n\n" // 1500+1+547 = 2048
	if evs, err := readAll(t, exact, 2048); err != nil || len(evs) != 1 || len(evs[0].Data) != 2048 {
		t.Errorf("event of exactly the limit: %d events, err %v, want one of 2048 bytes", len(evs), err)
	}
	if _, err := readAll(t, "data: "+strings.Repeat("z", 2049)+"\n\n", 2048); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one byte over the limit: err = %v, want ErrTooLarge", err)
	}
}

func TestOnCommentAndLastEventID(t *testing.T) {
	r := NewReader(strings.NewReader(": hb\nid: 9\nevent: ruleset\ndata: d\n\n: hb\n"), 1<<20)
	comments := 0
	r.OnComment = func([]byte) { comments++ }
	ev, err := r.Next()
	if err != nil || ev.ID != "9" || r.LastEventID() != "9" {
		t.Fatalf("Next() = %+v, %v; LastEventID %q", ev, err, r.LastEventID())
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next() at end = %v, want io.EOF", err)
	}
	if comments != 2 {
		t.Errorf("OnComment called %d times, want 2", comments)
	}
}

// TestRetry: the retry field sets the reconnection time when its value is
// ASCII digits only (milliseconds), and is ignored otherwise, as the
// standard says; it needs no event of its own and the last one wins.
func TestRetry(t *testing.T) {
	for _, c := range []struct {
		stream string
		want   time.Duration
		set    bool
	}{
		{"retry: 15000\n\n", 15 * time.Second, true},
		{"retry:250\ndata: x\n\n", 250 * time.Millisecond, true},
		{"retry: 0\n\n", 0, true},
		{"retry: 1000\n\nretry: 2000\n\n", 2 * time.Second, true},
		{"retry: 1000\n\nretry: soon\n\n", time.Second, true},
		{"retry: 10s\n\n", 0, false},
		{"retry: -1\n\n", 0, false},
		{"retry: 1.5\n\n", 0, false},
		{"retry: \n\n", 0, false},
		// All digits, however long, is a reconnection time (the standard
		// sets it); one beyond the bound stands for the bound, as a long
		// Retry-After stands for its cap, rather than leaving the client
		// unpaced.
		{"retry: 99999999999999999999\n\n", maxRetry * time.Millisecond, true},
		{"retry: 2147483648\n\n", maxRetry * time.Millisecond, true},
		{"retry: 2147483647\n\n", maxRetry * time.Millisecond, true},
		{"retry: 0000000000000000000000015000\n\n", 15 * time.Second, true},
		// Only one space after the colon is stripped: the rest is part of
		// the value, which is then not all digits.
		{"retry:  5000\n\n", 0, false},
		{"retry: 5000 \n\n", 0, false},
		{"retry: +5000\n\n", 0, false},
		{"retry: \uff15\n\n", 0, false}, // a fullwidth digit is not an ASCII digit
		{"retry\n\n", 0, false},
		{"data: x\n\n", 0, false},
	} {
		r := NewReader(strings.NewReader(c.stream), 1<<20)
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		if d, ok := r.Retry(); d != c.want || ok != c.set {
			t.Errorf("%q: Retry() = %v, %v; want %v, %v", c.stream, d, ok, c.want, c.set)
		}
	}
}
