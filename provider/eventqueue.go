package provider

import "sync"

// eventQueue holds encoded telemetry events until a flush takes them. The
// events are copied back to back into one byte slice, with their end
// offsets in another, so queueing an event allocates nothing once the
// slices have grown, and the garbage collector has no pointers to scan in
// them (a channel of per-event slices made a tracked evaluation pay for
// both). Two pairs of slices alternate: a flush takes the filled pair and
// leaves the one it emptied last time. push holds the lock only to copy.
type eventQueue struct {
	mu    sync.Mutex
	limit int      // events at most
	data  []byte   // the events, back to back
	ends  []int    // end offset of each event in data
	spare struct { // the pair the last flush gave back
		data []byte
		ends []int
	}
}

func newEventQueue(limit int) *eventQueue { return &eventQueue{limit: limit} }

// push appends a copy of ev; it reports false when the queue is full.
func (q *eventQueue) push(ev []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ends) >= q.limit {
		return false
	}
	q.data = append(q.data, ev...)
	q.ends = append(q.ends, len(q.data))
	return true
}

// take returns every queued event, in order, and empties the queue. The
// events alias a buffer that the queue reuses after the next take: the
// caller must be done with them by then (flushes are serialised).
func (q *eventQueue) take() [][]byte {
	q.mu.Lock()
	data, ends := q.data, q.ends
	q.data, q.ends = q.spare.data[:0], q.spare.ends[:0]
	q.spare.data, q.spare.ends = data, ends
	q.mu.Unlock()
	events := make([][]byte, len(ends))
	start := 0
	for i, end := range ends {
		events[i] = data[start:end:end]
		start = end
	}
	return events
}

// len returns how many events are queued.
func (q *eventQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ends)
}
