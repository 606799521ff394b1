package provider

import (
	"fmt"
	"testing"
)

func TestEventQueue(t *testing.T) {
	q := newEventQueue(3)
	for i := range 4 {
		if got, want := q.push(fmt.Appendf(nil, `{"n":%d}`, i)), i < 3; got != want {
			t.Fatalf("push #%d = %v, want %v", i, got, want)
		}
	}
	if q.len() != 3 {
		t.Fatalf("len = %d, want 3", q.len())
	}
	first := q.take()
	if len(first) != 3 || string(first[0]) != `{"n":0}` || string(first[2]) != `{"n":2}` {
		t.Fatalf("take = %q", first)
	}
	if q.len() != 0 || len(q.take()) != 0 {
		t.Fatal("take must empty the queue")
	}
	// After two takes the first buffer is reused; events taken before
	// stay intact until then, and an appended slice cannot overwrite the
	// next event (each has its capacity cut at its end).
	q.push([]byte(`{"n":9}`))
	second := q.take()
	if string(second[0]) != `{"n":9}` {
		t.Fatalf("take = %q", second)
	}
	if cap(first[0]) != len(first[0]) {
		t.Fatal("a taken event must not share capacity with the next")
	}
}

func TestEventQueuePushDoesNotAllocate(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts are not meaningful under -race")
	}
	q := newEventQueue(1 << 20)
	ev := []byte(`{"kind":"track","name":"clicked"}`)
	for range 1000 {
		q.push(ev)
	}
	q.take()
	q.take() // both buffers have grown
	if n := testing.AllocsPerRun(500, func() { q.push(ev) }); n != 0 {
		t.Errorf("push allocates %v times, want 0", n)
	}
}
