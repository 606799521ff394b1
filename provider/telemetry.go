package provider

import (
	"cmp"
	"context"
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/internal/backoff"
	"github.com/switchyardhq/switchyard/internal/jsonenc"
	"github.com/switchyardhq/switchyard/privacy"
)

// Telemetry defaults.
const (
	DefaultFlushInterval  = 10 * time.Second
	DefaultQueueSize      = 10000
	DefaultRetryDelay     = time.Second
	MaxTelemetryBatchSize = client.MaxEventBatchBytes
)

// Exporter receives telemetry batches: a JSON document {"events": [...]}
// of at most 1 MiB and a unique idempotency key, reused if the same batch is
// sent again. The remote source's exporter uploads to the flag service; a
// user's may send them anywhere.
//
// Errors steer the retry policy: a *client.StatusError with a temporary
// status (408, 425, 429, 5xx), or any error with a Temporary() bool method
// returning true, is retried once, after Retry-After when the error
// carries one; client.ErrForbidden and client.ErrNotFound stop
// all sending; anything else drops the batch (counted).
type Exporter interface {
	Export(ctx context.Context, batch []byte, idempotencyKey string) error
}

// ExporterFunc adapts a function to Exporter.
type ExporterFunc func(ctx context.Context, batch []byte, idempotencyKey string) error

// Export calls f.
func (f ExporterFunc) Export(ctx context.Context, batch []byte, idempotencyKey string) error {
	return f(ctx, batch, idempotencyKey)
}

// ExporterSource is implemented by a Source that also supplies a default
// telemetry exporter, as RemoteSource does (its exporter uploads to the
// flag service). The provider uses it when TelemetryConfig.Exporter is nil.
type ExporterSource interface {
	Exporter() Exporter
}

// TelemetryConfig configures the provider's telemetry. The zero value sends
// to the source's own exporter when it has one (the remote source does),
// every 10 s, with only context-marked private attributes redacted.
type TelemetryConfig struct {
	// Disabled turns telemetry off entirely.
	Disabled bool
	// Exporter receives batches; nil means the Source's, if it is an
	// ExporterSource (RemoteSource is), else telemetry is off.
	Exporter Exporter
	// FlushInterval defaults to 10 s.
	FlushInterval time.Duration
	// QueueSize bounds the queued evaluation and track events (default
	// 10 000); when full, new events are dropped and counted.
	QueueSize int
	// Privacy says which context attributes never leave the process, in
	// addition to each context's own privateAttributes: names or JSON
	// Pointers (privacy.Policy.PrivateAttributes), or all of them but the
	// targeting key (AllAttributesPrivate, which also sends no attribute
	// of a track event's details, as they may carry the same personal
	// data; the event's name and value are still sent). New refuses a
	// policy that fails privacy.Policy.Validate.
	Privacy privacy.Policy
	// RetryDelay is the wait before the single retry of a batch that failed
	// with a temporary error (429 with Retry-After waits as long as asked,
	// up to the flush interval). Zero means 1 s.
	RetryDelay time.Duration
}

// summaryKey identifies one summary counter.
type summaryKey struct {
	flag, variant, version string
	reason                 evaluator.Reason
}

// flagCounts holds one flag's counters in a shard. A flag has few
// (variant, reason, version) combinations, so a linear scan with string
// comparisons beats hashing a composite key on every evaluation.
type flagCounts struct {
	entries []countEntry
}

type countEntry struct {
	variant, version string
	reason           evaluator.Reason
	n                uint64
}

// counterShard is one lock-protected slice of the summary counters. An
// evaluation picks a shard at random, so concurrent evaluations of the same
// flag rarely meet on a lock.
type counterShard struct {
	mu    sync.Mutex
	flags map[string]*flagCounts
	_     [40]byte // keep shards on separate cache lines
}

const counterShards = 16

// telemetry is the provider's event pipeline.
//
// Accounting: every evaluation or track event is either
// delivered in a batch the sink accepted, or counted in dropped until a
// summary carrying the count is accepted, or logged as a count by
// shutdown. The counters of a summary the sink did not accept are kept in
// carry and merged into the next summary.
type telemetry struct {
	cfg      TelemetryConfig
	sink     Exporter
	redactor *privacy.Redactor
	logger   *slog.Logger
	now      func() time.Time

	shards      [counterShards]counterShard
	queue       *eventQueue   // evaluation and track events, encoded
	dropped     atomic.Uint64 // events dropped and not yet reported in an accepted batch
	windowStart atomic.Int64  // unix nanoseconds
	disabled    atomic.Bool   // 403/404 from the sink: stop sending
	flushMu     sync.Mutex    // one flush at a time; guards carry
	carry       carried       // counters of summaries not delivered

	lifeMu sync.Mutex         // guards cancel and done
	cancel context.CancelFunc // ends the running flush loop; nil when none runs
	done   chan struct{}      // closed when the last flush loop started has returned
}

// carried holds the summary counters of windows whose summary the sink
// did not accept.
type carried struct {
	start  time.Time // start of the oldest such window; zero when none
	totals map[summaryKey]uint64
}

func newTelemetry(cfg TelemetryConfig, src Source, logger *slog.Logger) (*telemetry, error) {
	if cfg.Disabled {
		return nil, nil
	}
	switch {
	case cfg.FlushInterval < 0:
		return nil, fmt.Errorf("provider: TelemetryConfig.FlushInterval is %v: use a positive duration, or 0 for %v", cfg.FlushInterval, DefaultFlushInterval)
	case cfg.QueueSize < 0:
		return nil, fmt.Errorf("provider: TelemetryConfig.QueueSize is %d: use a positive size, or 0 for %d", cfg.QueueSize, DefaultQueueSize)
	case cfg.RetryDelay < 0:
		return nil, fmt.Errorf("provider: TelemetryConfig.RetryDelay is %v: use a positive duration, or 0 for %v", cfg.RetryDelay, DefaultRetryDelay)
	}
	if err := cfg.Privacy.Validate(); err != nil {
		return nil, fmt.Errorf("provider: TelemetryConfig.Privacy: %w", err)
	}
	sink := cfg.Exporter
	if sink == nil {
		if es, ok := src.(ExporterSource); ok {
			sink = es.Exporter()
		}
	}
	if sink == nil {
		return nil, nil
	}
	cfg.FlushInterval = cmp.Or(cfg.FlushInterval, DefaultFlushInterval)
	cfg.QueueSize = cmp.Or(cfg.QueueSize, DefaultQueueSize)
	cfg.RetryDelay = cmp.Or(cfg.RetryDelay, DefaultRetryDelay)
	t := &telemetry{
		cfg:      cfg,
		sink:     sink,
		redactor: privacy.NewRedactor(cfg.Privacy),
		logger:   logger,
		now:      time.Now,
		queue:    newEventQueue(cfg.QueueSize),
	}
	for i := range t.shards {
		t.shards[i].flags = make(map[string]*flagCounts)
	}
	t.windowStart.Store(t.now().UnixNano())
	return t, nil
}

// count records one evaluation in the summary. It does not allocate once
// the counter exists and never blocks on anything but a short, rarely
// shared lock.
func (t *telemetry) count(flag string, r *evaluator.Result, version string) {
	s := &t.shards[rand.Uint32()%counterShards]
	s.mu.Lock()
	fc := s.flags[flag]
	if fc == nil {
		fc = &flagCounts{}
		s.flags[flag] = fc
	}
	for i := range fc.entries {
		e := &fc.entries[i]
		if e.variant == r.Variant && e.reason == r.Reason && e.version == version {
			e.n++
			s.mu.Unlock()
			return
		}
	}
	fc.entries = append(fc.entries, countEntry{variant: r.Variant, version: version, reason: r.Reason, n: 1})
	s.mu.Unlock()
}

// evaluation queues a full evaluation event: the result
// of a flag or rule with trackEvents, value being what the caller got, and
// the redacted context. It encodes the event without reflection.
func (t *telemetry) evaluation(flag string, r *evaluator.Result, version string, value any, ctx map[string]any) {
	buf, b, ok := t.startEvent(evaluationHead)
	if !ok {
		return
	}
	b = append(b, `,"flag":`...)
	b = jsonenc.AppendString(b, flag)
	b = append(b, `,"value":`...)
	b, err := jsonenc.Append(b, value)
	if r.Variant != "" {
		b = append(b, `,"variant":`...)
		b = jsonenc.AppendString(b, r.Variant)
	}
	b = append(b, `,"reason":`...)
	b = jsonenc.AppendString(b, r.Reason.String())
	if code := r.ErrorCode.String(); code != "" {
		b = append(b, `,"errorCode":`...)
		b = jsonenc.AppendString(b, code)
	}
	if r.RuleID != "" {
		b = append(b, `,"ruleId":`...)
		b = jsonenc.AppendString(b, r.RuleID)
	}
	if version != "" {
		b = append(b, `,"rulesetVersion":`...)
		b = jsonenc.AppendString(b, version)
	}
	t.finishEvent(buf, b, err, ctx)
}

// track queues a track event: name, value, the details' attributes and
// the redacted context. Attributes named private, by the provider or by
// the context, are removed from the details too.
func (t *telemetry) track(name string, value float64, attrs map[string]any, ctx map[string]any) {
	buf, b, ok := t.startEvent(trackHead)
	if !ok {
		return
	}
	b = append(b, `,"name":`...)
	b = jsonenc.AppendString(b, name)
	b = append(b, `,"value":`...)
	b, err := jsonenc.AppendFloat(b, value)
	if len(attrs) > 0 && err == nil {
		withPrivate := make(map[string]any, len(attrs)+1)
		for k, v := range attrs {
			withPrivate[k] = v
		}
		if pa, ok := ctx["privateAttributes"]; ok {
			withPrivate["privateAttributes"] = pa
		}
		redacted := t.redactor.Redact(withPrivate)
		delete(redacted, "targetingKey")
		if len(redacted) > 0 {
			b = append(b, `,"attributes":`...)
			b, err = jsonenc.AppendObject(b, redacted)
		}
	}
	t.finishEvent(buf, b, err, ctx)
}

// finishEvent ends an event begun by startEvent: unless encoding has
// already failed with err, it appends the redacted context, then queues
// the event (or counts it as dropped, on err) and returns buf to the pool.
func (t *telemetry) finishEvent(buf *[]byte, b []byte, err error, ctx map[string]any) {
	if err == nil {
		b = append(b, `,"context":`...)
		b, err = t.redactor.AppendJSON(b, ctx)
	}
	b = append(b, '}')
	t.enqueue(b, err)
	putBuffer(buf, b)
}

// The beginning of each kind of event, up to the creation date's value.
const (
	evaluationHead = `{"kind":"evaluation","creationDate":`
	trackHead      = `{"kind":"track","creationDate":`
)

// startEvent begins encoding an event into a pooled buffer: its head
// (evaluationHead, trackHead) and creation date. ok is false, and the
// event counted as dropped, when the exporter refused events (403/404):
// nothing is encoded then.
func (t *telemetry) startEvent(head string) (buf *[]byte, b []byte, ok bool) {
	if t.disabled.Load() {
		t.dropped.Add(1)
		return nil, nil, false
	}
	buf = getBuffer()
	b = append(*buf, head...)
	return buf, jsonenc.AppendTime(b, t.now().UTC()), true
}

// bufferPool holds encoding buffers, so that encoding an event allocates
// only its final copy.
var bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuffer() *[]byte { return bufferPool.Get().(*[]byte) }

// putBuffer returns buf, now holding b, to the pool unless it grew large.
func putBuffer(buf *[]byte, b []byte) {
	if cap(b) > 64<<10 {
		return
	}
	*buf = b[:0]
	bufferPool.Put(buf)
}

// enqueue queues a copy of the encoded event without blocking. An event
// that failed to encode, is too large for any batch, or finds the queue
// full is dropped and counted.
func (t *telemetry) enqueue(data []byte, encodeErr error) {
	if encodeErr != nil {
		t.dropped.Add(1)
		t.logger.Warn("switchyard: telemetry event dropped: it cannot be encoded as JSON", "error", encodeErr)
		return
	}
	if len(data) > maxEventSize {
		t.dropped.Add(1)
		t.logger.Warn("switchyard: telemetry event dropped: larger than a batch may be", "bytes", len(data), "limitBytes", maxEventSize)
		return
	}
	if !t.queue.push(data) {
		t.dropped.Add(1)
	}
}

// run flushes every FlushInterval until life ends. Each flush runs on a
// context derived from life, so ending life cancels a flush in flight.
func (t *telemetry) run(life context.Context, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(t.cfg.FlushInterval)
	defer ticker.Stop()
	for {
		select {
		case <-life.Done():
			return
		case <-ticker.C:
			ctx, cancel := context.WithTimeout(life, t.cfg.FlushInterval)
			_ = t.flush(ctx)
			cancel()
		}
	}
}

// start begins the flush loop unless it is running.
func (t *telemetry) start() {
	t.lifeMu.Lock()
	defer t.lifeMu.Unlock()
	if t.cancel != nil {
		return
	}
	life, cancel := context.WithCancel(context.Background())
	t.cancel, t.done = cancel, make(chan struct{})
	go t.run(life, t.done)
}

// halt ends the flush loop, cancelling a flush in flight, and returns the
// channel closed when the loop has returned (nil if none was ever
// started). It does not wait.
func (t *telemetry) halt() <-chan struct{} {
	t.lifeMu.Lock()
	defer t.lifeMu.Unlock()
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
	return t.done
}

// shutdown ends the flush loop, cancelling a periodic flush in flight,
// then flushes what is left within ctx, and logs once, as counts, what
// could not be delivered. If the loop does not return before ctx is done
// (a sink that ignores its context), shutdown returns without the final
// flush.
func (t *telemetry) shutdown(ctx context.Context) error {
	if done := t.halt(); done != nil {
		select {
		case <-done:
		default:
			select {
			case <-done:
			case <-ctx.Done():
				return fmt.Errorf("the flush loop did not stop in time (its sink ignores cancellation): %w", ctx.Err())
			}
		}
	}
	err := t.flush(ctx)
	t.reportLost()
	return err
}

// reportLost logs what the final flush could not deliver, events and
// summarised evaluations, as counts, and forgets it: it is logged once.
// Events queued since the final flush drained the queue are counted too.
func (t *telemetry) reportLost() {
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	events := t.dropped.Swap(0) + uint64(len(t.queue.take()))
	var evaluations uint64
	for _, n := range t.carry.totals {
		evaluations += n
	}
	t.carry = carried{}
	if events > 0 || evaluations > 0 {
		t.logger.Warn("switchyard: telemetry not delivered by shutdown, lost", "events", events, "summarizedEvaluations", evaluations)
	}
}

// summaryEvent reports the counters of one window.
type summaryEvent struct {
	Kind          string                 `json:"kind"`
	StartDate     time.Time              `json:"startDate"`
	EndDate       time.Time              `json:"endDate"`
	Flags         map[string]flagSummary `json:"flags"`
	DroppedEvents uint64                 `json:"droppedEvents,omitempty"`
}

type flagSummary struct {
	Counters []counter `json:"counters"`
}

type counter struct {
	Variant        string `json:"variant,omitempty"`
	Reason         string `json:"reason"`
	RulesetVersion string `json:"rulesetVersion,omitempty"`
	Count          uint64 `json:"count"`
}

// errSendingDisabled stands for a batch not sent because the sink refused
// events before (403/404).
var errSendingDisabled = errors.New("sending is disabled: the service refused telemetry")

// flush sends the queued events in batches of at most 1 MiB, then the
// summary in a batch of its own. The events of a batch the sink does not
// accept are counted as dropped, so the summary that follows reports them;
// a summary that is not accepted keeps its dropped count and its counters
// for the next flush. It returns the first error, except that a flush after
// the sink refused telemetry (403/404, logged then) returns nil.
func (t *telemetry) flush(ctx context.Context) error {
	t.flushMu.Lock()
	defer t.flushMu.Unlock()

	events := t.queue.take()
	var firstErr error
	for _, b := range batches(events, MaxTelemetryBatchSize) {
		if err := t.send(ctx, b.data); err != nil {
			t.dropped.Add(uint64(b.count))
			if !errors.Is(err, errSendingDisabled) { // logged once when it happened
				t.logger.Warn("switchyard: telemetry batch dropped; counted in the next summary", "events", b.count, "error", err)
				firstErr = cmp.Or(firstErr, err)
			}
		}
	}

	now := t.now()
	start := time.Unix(0, t.windowStart.Swap(now.UnixNano()))
	totals := t.carry.totals
	if totals == nil {
		totals = map[summaryKey]uint64{}
	}
	if !t.carry.start.IsZero() {
		start = t.carry.start
	}
	t.carry = carried{}
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		flags := s.flags
		s.flags = make(map[string]*flagCounts, len(flags))
		s.mu.Unlock()
		for flag, fc := range flags {
			for _, e := range fc.entries {
				totals[summaryKey{flag: flag, variant: e.variant, version: e.version, reason: e.reason}] += e.n
			}
		}
	}
	dropped := t.dropped.Swap(0)
	if len(totals) == 0 && dropped == 0 {
		return firstErr
	}
	sum := summaryEvent{Kind: "summary", StartDate: start.UTC(), EndDate: now.UTC(), Flags: map[string]flagSummary{}, DroppedEvents: dropped}
	for k, n := range totals {
		fs := sum.Flags[k.flag]
		fs.Counters = append(fs.Counters, counter{Variant: k.variant, Reason: k.reason.String(), RulesetVersion: k.version, Count: n})
		sum.Flags[k.flag] = fs
	}
	for _, fs := range sum.Flags {
		sort.Slice(fs.Counters, func(i, j int) bool {
			a, b := fs.Counters[i], fs.Counters[j]
			if a.Variant != b.Variant {
				return a.Variant < b.Variant
			}
			if a.Reason != b.Reason {
				return a.Reason < b.Reason
			}
			return a.RulesetVersion < b.RulesetVersion
		})
	}
	data, err := json.Marshal(sum) // plain strings and numbers: cannot fail
	if err == nil {
		data = append(append([]byte(batchHead), data...), batchTail...)
		err = t.send(ctx, data)
	}
	if err != nil {
		t.dropped.Add(dropped)
		t.carry = carried{start: start, totals: totals}
		if !errors.Is(err, errSendingDisabled) {
			t.logger.Warn("switchyard: telemetry summary not delivered; its counts are carried to the next flush", "droppedEvents", dropped, "error", err)
			firstErr = cmp.Or(firstErr, err)
		}
	}
	return firstErr
}

type batch struct {
	data  []byte
	count int
}

// batchHead and batchTail wrap the events of a batch.
const batchHead, batchTail = `{"events":[`, `]}`

// maxEventSize is the largest encoded event that fits a batch on its own;
// enqueue drops and counts larger ones.
const maxEventSize = MaxTelemetryBatchSize - len(batchHead) - len(batchTail)

// batches packs encoded events into {"events":[...]} documents of at most
// limit bytes. Every event must fit a batch on its own (enqueue keeps
// larger ones out).
func batches(events [][]byte, limit int) []batch {
	const head, tail = batchHead, batchTail
	var out []batch
	cur := []byte(head)
	n := 0
	for _, ev := range events {
		if n > 0 && len(cur)+1+len(ev)+len(tail) > limit {
			out = append(out, batch{append(cur, tail...), n})
			cur, n = []byte(head), 0
		}
		if n > 0 {
			cur = append(cur, ',')
		}
		cur = append(cur, ev...)
		n++
	}
	if n > 0 {
		out = append(out, batch{append(cur, tail...), n})
	}
	return out
}

// send delivers one batch under the telemetry retry policy and
// returns nil once the sink has accepted it. Nothing is sent when ctx is
// done or sending is disabled.
func (t *telemetry) send(ctx context.Context, data []byte) error {
	key := newIdempotencyKey() // the same for the retry
	var err error
	for attempt := 1; ; attempt++ {
		if t.disabled.Load() {
			return errSendingDisabled
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			if err != nil {
				return fmt.Errorf("%w (retry cancelled: %w)", err, ctxErr)
			}
			return ctxErr
		}
		if err = t.sink.Export(ctx, data, key); err == nil {
			return nil
		}
		if errors.Is(err, client.ErrForbidden) || errors.Is(err, client.ErrNotFound) {
			if !t.disabled.Swap(true) {
				t.logger.Error("switchyard: telemetry rejected by the service; sending is disabled until restart", "error", err)
			}
			return err
		}
		if attempt == 2 || !temporary(err) {
			return err
		}
		t.pause(ctx, t.retryDelay(err))
	}
}

// retryDelay is the wait before retrying after err: RetryDelay, or the
// Retry-After the error carries, up to the flush interval.
func (t *telemetry) retryDelay(err error) time.Duration {
	wait := t.cfg.RetryDelay
	var se *client.StatusError
	if errors.As(err, &se) && se.RetryAfter != "" {
		if ra, ok := backoff.RetryAfter(se.RetryAfter, t.now()); ok {
			wait = min(max(wait, ra), t.cfg.FlushInterval)
		}
	}
	return wait
}

// pause waits for d or until ctx is done.
func (t *telemetry) pause(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

func temporary(err error) bool {
	var se *client.StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	var tmp interface{ Temporary() bool }
	return errors.As(err, &tmp) && tmp.Temporary()
}

// newIdempotencyKey returns a random UUID (version 4).
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = cryptorand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
