package provider

import (
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
	"github.com/switchyardhq/switchyard/privacy"
)

// Telemetry defaults (SPEC section 6).
const (
	DefaultFlushInterval  = 10 * time.Second
	DefaultQueueSize      = 10000
	DefaultRetryDelay     = time.Second
	MaxTelemetryBatchSize = client.MaxEventBatchBytes
)

// EventSink receives telemetry batches: a JSON document {"events": [...]}
// of at most 1 MiB and a unique idempotency key, reused if the same batch is
// sent again. The remote source's sink uploads to the flag service; a user's
// exporter may send them anywhere.
//
// Errors steer the retry policy: a *client.StatusError with a temporary
// status (408, 425, 429, 5xx), or any error with a Temporary() bool method
// returning true, is retried once, after Retry-After when the error
// carries one; client.ErrForbidden and client.ErrNotFound stop
// all sending; anything else drops the batch (counted).
type EventSink interface {
	SendEvents(ctx context.Context, batch []byte, idempotencyKey string) error
}

// EventSinkFunc adapts a function to EventSink.
type EventSinkFunc func(ctx context.Context, batch []byte, idempotencyKey string) error

// SendEvents calls f.
func (f EventSinkFunc) SendEvents(ctx context.Context, batch []byte, idempotencyKey string) error {
	return f(ctx, batch, idempotencyKey)
}

// TelemetryConfig configures the provider's telemetry. The zero value sends
// to the source's own sink when it has one (the remote source does), every
// 10 s, with only context-marked private attributes redacted.
type TelemetryConfig struct {
	// Disabled turns telemetry off entirely.
	Disabled bool
	// Sink receives batches; nil means the Source's EventSink, if the
	// source offers one (RemoteSource does), else telemetry is off.
	Sink EventSink
	// FlushInterval defaults to 10 s.
	FlushInterval time.Duration
	// QueueSize bounds the queued evaluation and track events (default
	// 10 000); when full, new events are dropped and counted.
	QueueSize int
	// PrivateAttributes are attribute names or JSON Pointers that never
	// leave the process, in addition to each context's privateAttributes.
	PrivateAttributes []string
	// AllAttributesPrivate sends no context attribute but the targeting key,
	// and no attribute of a track event's details either (they may carry
	// the same personal data); the event's name and value are still sent.
	AllAttributesPrivate bool
	// RetryDelay is the wait before the single retry of a batch that failed
	// with a temporary error (429 with Retry-After waits as long as asked,
	// up to the flush interval). Zero means 1 s.
	RetryDelay time.Duration
}

// eventSource is implemented by sources that can carry telemetry.
type eventSource interface {
	EventSink() EventSink
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
type telemetry struct {
	cfg    TelemetryConfig
	sink   EventSink
	policy privacy.Policy
	logger *slog.Logger
	now    func() time.Time

	shards      [counterShards]counterShard
	queue       chan json.RawMessage // evaluation and track events, encoded
	dropped     atomic.Uint64        // events dropped since the last batch
	windowStart atomic.Int64         // unix nanoseconds
	disabled    atomic.Bool          // 403/404 from the sink: stop sending
	flushMu     sync.Mutex           // one flush at a time

	lifeMu sync.Mutex // guards stop and done
	stop   chan struct{}
	done   chan struct{}
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
	for i, name := range cfg.PrivateAttributes {
		switch name {
		case "", "/":
			return nil, fmt.Errorf("provider: TelemetryConfig.PrivateAttributes[%d] is %q: name an attribute or a JSON Pointer such as /address/street", i, name)
		case "targetingKey", "anonymous", "/targetingKey", "/anonymous":
			return nil, fmt.Errorf("provider: TelemetryConfig.PrivateAttributes[%d] is %q, which is never redacted by name (SPEC 5): mark the contexts anonymous instead", i, name)
		}
	}
	sink := cfg.Sink
	if sink == nil {
		if es, ok := src.(eventSource); ok {
			sink = es.EventSink()
		}
	}
	if sink == nil {
		return nil, nil
	}
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	t := &telemetry{
		cfg:    cfg,
		sink:   sink,
		policy: privacy.Policy{PrivateAttributes: append([]string(nil), cfg.PrivateAttributes...), AllAttributesPrivate: cfg.AllAttributesPrivate},
		logger: logger,
		now:    time.Now,
		queue:  make(chan json.RawMessage, cfg.QueueSize),
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

// evaluationEvent is the full record of one evaluation of a flag or rule
// with trackEvents.
type evaluationEvent struct {
	Kind           string         `json:"kind"`
	CreationDate   time.Time      `json:"creationDate"`
	Flag           string         `json:"flag"`
	Value          any            `json:"value"`
	Variant        string         `json:"variant,omitempty"`
	Reason         string         `json:"reason"`
	ErrorCode      string         `json:"errorCode,omitempty"`
	RuleID         string         `json:"ruleId,omitempty"`
	RulesetVersion string         `json:"rulesetVersion,omitempty"`
	Context        map[string]any `json:"context"`
}

// trackEvent is one Tracker.Track call.
type trackEvent struct {
	Kind         string         `json:"kind"`
	CreationDate time.Time      `json:"creationDate"`
	Name         string         `json:"name"`
	Value        float64        `json:"value"`
	Attributes   map[string]any `json:"attributes,omitempty"`
	Context      map[string]any `json:"context"`
}

// evaluation queues a full evaluation event. value is what the caller got.
func (t *telemetry) evaluation(flag string, r *evaluator.Result, version string, value any, ctx map[string]any) {
	t.enqueue(evaluationEvent{
		Kind: "evaluation", CreationDate: t.now().UTC(), Flag: flag, Value: value, Variant: r.Variant,
		Reason: r.Reason.String(), ErrorCode: r.ErrorCode.String(), RuleID: r.RuleID, RulesetVersion: version,
		Context: t.policy.Redact(ctx),
	})
}

// track queues a track event. Attributes named private, by the provider or
// by the context, are removed from the details too.
func (t *telemetry) track(name string, value float64, attrs map[string]any, ctx map[string]any) {
	ev := trackEvent{Kind: "track", CreationDate: t.now().UTC(), Name: name, Value: value, Context: t.policy.Redact(ctx)}
	if len(attrs) > 0 {
		withPrivate := make(map[string]any, len(attrs)+1)
		for k, v := range attrs {
			withPrivate[k] = v
		}
		if pa, ok := ctx["privateAttributes"]; ok {
			withPrivate["privateAttributes"] = pa
		}
		ev.Attributes = t.policy.Redact(withPrivate)
		delete(ev.Attributes, "targetingKey")
	}
	t.enqueue(ev)
}

// enqueue encodes an event and queues it without blocking; a full queue
// drops it and counts the drop.
func (t *telemetry) enqueue(ev any) {
	if t.disabled.Load() {
		return // the sink refused events (403/404): nothing will be sent
	}
	data, err := json.Marshal(ev)
	if err != nil {
		t.dropped.Add(1)
		t.logger.Warn("switchyard: telemetry event dropped: it cannot be encoded as JSON", "error", err)
		return
	}
	if len(data) > maxEventSize {
		t.dropped.Add(1)
		t.logger.Warn("switchyard: telemetry event dropped: larger than a batch may be", "bytes", len(data), "limitBytes", maxEventSize)
		return
	}
	select {
	case t.queue <- data:
	default:
		t.dropped.Add(1)
	}
}

// run flushes every FlushInterval until stop is closed.
func (t *telemetry) run(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(t.cfg.FlushInterval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			ctx, cancel := context.WithTimeout(context.Background(), t.cfg.FlushInterval)
			t.flush(ctx)
			cancel()
		}
	}
}

// start begins the flush loop unless it is running.
func (t *telemetry) start() {
	t.lifeMu.Lock()
	defer t.lifeMu.Unlock()
	if t.stop != nil {
		return
	}
	t.stop, t.done = make(chan struct{}), make(chan struct{})
	go t.run(t.stop, t.done)
}

// shutdown stops the flush loop and flushes what is queued within ctx.
func (t *telemetry) shutdown(ctx context.Context) error {
	t.lifeMu.Lock()
	stop, done := t.stop, t.done
	t.stop, t.done = nil, nil
	t.lifeMu.Unlock()
	if stop != nil {
		close(stop)
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return t.flush(ctx)
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

// flush sends the summary and the queued events, in batches of at most
// 1 MiB.
func (t *telemetry) flush(ctx context.Context) error {
	t.flushMu.Lock()
	defer t.flushMu.Unlock()

	now := t.now()
	start := time.Unix(0, t.windowStart.Swap(now.UnixNano()))
	totals := map[summaryKey]uint64{}
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
	var events []json.RawMessage
	dropped := t.dropped.Swap(0)
	if len(totals) > 0 || dropped > 0 {
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
		data, err := json.Marshal(sum)
		if err == nil {
			events = append(events, data)
		}
	}
drain:
	for {
		select {
		case ev := <-t.queue:
			events = append(events, ev)
		default:
			break drain
		}
	}
	if len(events) == 0 {
		return nil
	}
	if t.disabled.Load() {
		return nil
	}
	var firstErr error
	for _, batch := range batches(events, MaxTelemetryBatchSize) {
		if err := t.send(ctx, batch.data, batch.count); err != nil && firstErr == nil {
			firstErr = err
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
// limit bytes. An event too large for any batch (enqueue keeps them out)
// is skipped.
func batches(events []json.RawMessage, limit int) []batch {
	const head, tail = batchHead, batchTail
	var out []batch
	cur := []byte(head)
	n := 0
	for _, ev := range events {
		if len(head)+len(ev)+len(tail) > limit {
			continue
		}
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

// send delivers one batch under the retry policy of SPEC section 6.
func (t *telemetry) send(ctx context.Context, data []byte, count int) error {
	key := newIdempotencyKey()
	err := t.sink.SendEvents(ctx, data, key)
	if err == nil {
		return nil
	}
	if errors.Is(err, client.ErrForbidden) || errors.Is(err, client.ErrNotFound) {
		if !t.disabled.Swap(true) {
			t.logger.Error("switchyard: telemetry rejected by the service; sending is disabled until restart", "error", err)
		}
		return err
	}
	if temporary(err) {
		wait := t.cfg.RetryDelay
		var se *client.StatusError
		if errors.As(err, &se) && se.RetryAfter != "" {
			if ra, ok := backoff.RetryAfter(se.RetryAfter, time.Now()); ok {
				wait = min(max(wait, ra), t.cfg.FlushInterval)
			}
		}
		if sleep(ctx, wait) {
			if err = t.sink.SendEvents(ctx, data, key); err == nil {
				return nil
			}
		}
	}
	t.dropped.Add(uint64(count))
	t.logger.Warn("switchyard: telemetry batch dropped", "events", count, "error", err)
	return err
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
