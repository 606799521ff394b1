package sse

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary streams: the reader must not panic, must keep
// to its size limit, and every event must come from the stream's data
// lines (no bytes invented).
func FuzzReader(f *testing.F) {
	f.Add([]byte("event: ruleset\nid: 1\ndata: {}\n\n"))
	f.Add([]byte(": hb\r\ndata: a\r\ndata: b\r\r\n"))
	f.Add([]byte("data\n\nid: \x00\ndata: x\n\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		const limit = 1024
		r := NewReader(bytes.NewReader(stream), limit)
		for range 10000 {
			ev, err := r.Next()
			if err != nil {
				if err != io.EOF && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(ev.Data) > limit {
				t.Fatalf("event data of %d bytes exceeds the %d-byte limit", len(ev.Data), limit)
			}
			for _, line := range bytes.Split(ev.Data, []byte{'\n'}) {
				if !bytes.Contains(stream, line) {
					t.Fatalf("data line %q is not in the stream", line)
				}
			}
			if ev.Type == "" {
				t.Fatal("an event without a type")
			}
		}
	})
}
