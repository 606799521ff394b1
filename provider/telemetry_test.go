package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/privacy"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// captureSink records every batch it is sent; fail, when set, decides the
// error for each attempt.
type captureSink struct {
	mu      sync.Mutex
	batches []sentBatch
	fail    func(attempt int) error
	calls   int
}

type sentBatch struct {
	key    string
	raw    []byte
	events []map[string]any
}

func (c *captureSink) Export(_ context.Context, data []byte, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.fail != nil {
		if err := c.fail(c.calls); err != nil {
			return err
		}
	}
	var doc struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		panic(err)
	}
	c.batches = append(c.batches, sentBatch{key: key, raw: append([]byte(nil), data...), events: doc.Events})
	return nil
}

func (c *captureSink) all() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]any
	for _, b := range c.batches {
		out = append(out, b.events...)
	}
	return out
}

func (c *captureSink) ofKind(kind string) []map[string]any {
	var out []map[string]any
	for _, e := range c.all() {
		if e["kind"] == kind {
			out = append(out, e)
		}
	}
	return out
}

// summaryCounts adds up every summary counter: flag/variant/reason → count.
func (c *captureSink) summaryCounts() map[string]float64 {
	out := map[string]float64{}
	for _, s := range c.ofKind("summary") {
		flags, _ := s["flags"].(map[string]any)
		for flag, fs := range flags {
			for _, raw := range fs.(map[string]any)["counters"].([]any) {
				ctr := raw.(map[string]any)
				variant, _ := ctr["variant"].(string)
				out[flag+"/"+variant+"/"+ctr["reason"].(string)] += ctr["count"].(float64)
			}
		}
	}
	return out
}

func (c *captureSink) dropped() float64 {
	var n float64
	for _, s := range c.ofKind("summary") {
		if d, ok := s["droppedEvents"].(float64); ok {
			n += d
		}
	}
	return n
}

func telemetryProvider(t *testing.T, td *flagtest.TestData, cfg provider.TelemetryConfig, logs *lockedWriter) *provider.Provider {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if logs != nil {
		logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := provider.New(provider.Config{Source: td, Logger: logger, Telemetry: cfg})
	require.NoError(t, err)
	require.NoError(t, p.InitWithContext(context.Background(), openfeature.EvaluationContext{}))
	return p
}

func telemetryFlags(t *testing.T) *flagtest.TestData {
	td := flagtest.New()
	require.NoError(t, td.Update(
		td.Flag("plain").Boolean().Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").Default("off"),
		td.Flag("tracked").Boolean().TrackEvents(true).Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").Default("off"),
		td.Flag("rule-tracked").StringVariants(map[string]string{"a": "A", "b": "B"}).
			Rule("vip", flagtest.Attr("/address/city").In("Berlin")).TrackEvents().Serve("b").Default("a"),
	))
	return td
}

func TestSummaryCountsEqualEvaluationsUnderConcurrency(t *testing.T) {
	sink := &captureSink{}
	p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink, FlushInterval: 20 * time.Millisecond}, nil)
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ctx := openfeature.FlattenedContext{"targetingKey": "u", "email": "x@example.com"}
				if (w+i)%3 == 0 {
					ctx["email"] = "ana@acme.com"
				}
				p.BooleanEvaluation(context.Background(), "plain", false, ctx)
				p.StringEvaluation(context.Background(), "plain", "", ctx) // TYPE_MISMATCH, counted too
			}
		})
	}
	wg.Wait()
	require.NoError(t, p.ShutdownWithContext(context.Background()))

	counts := sink.summaryCounts()
	var on, off float64
	for w := range workers {
		for i := range each {
			if (w+i)%3 == 0 {
				on++
			} else {
				off++
			}
		}
	}
	assert.Equal(t, on, counts["plain/on/TARGETING_MATCH"])
	assert.Equal(t, off, counts["plain/off/DEFAULT"])
	assert.Equal(t, float64(workers*each), counts["plain//ERROR"], "errors are counted with an empty variant")
	assert.Zero(t, sink.dropped())
}

func TestEvaluationEventsAreRedacted(t *testing.T) {
	sink := &captureSink{}
	p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink, FlushInterval: time.Hour, Privacy: privacy.Policy{PrivateAttributes: []string{"/address/street"}}}, nil)
	ctx := openfeature.FlattenedContext{
		"targetingKey": "user-1", "email": "ana@acme.com", "plan": "pro",
		"address":           map[string]any{"city": "Berlin", "street": "Hauptstr. 1"},
		"privateAttributes": []any{"email"},
	}
	r := p.BooleanEvaluation(context.Background(), "tracked", false, ctx)
	assert.True(t, r.Value, "private attributes still target")
	p.StringEvaluation(context.Background(), "rule-tracked", "", ctx)
	p.BooleanEvaluation(context.Background(), "plain", false, ctx) // not tracked: summary only
	p.BooleanEvaluation(context.Background(), "tracked", false, openfeature.FlattenedContext{"targetingKey": "anon-7", "anonymous": true, "email": "bo@acme.com"})
	require.NoError(t, p.ShutdownWithContext(context.Background()))

	evals := sink.ofKind("evaluation")
	require.Len(t, evals, 3)
	assert.Equal(t, "tracked", evals[0]["flag"])
	assert.Equal(t, true, evals[0]["value"])
	assert.Equal(t, "staff", evals[0]["ruleId"])
	assert.Equal(t, map[string]any{
		"targetingKey": "user-1", "plan": "pro", "address": map[string]any{"city": "Berlin"},
		"_meta": map[string]any{"redactedAttributes": []any{"/address/street", "email"}},
	}, evals[0]["context"])
	assert.Equal(t, "rule-tracked", evals[1]["flag"])
	assert.Equal(t, "vip", evals[1]["ruleId"])
	assert.Equal(t, map[string]any{"anonymous": true}, evals[2]["context"], "an anonymous context sends nothing else")

	raw := ""
	for _, b := range sink.batches {
		raw += string(b.raw)
	}
	for _, private := range []string{"ana@acme.com", "Hauptstr", "bo@acme.com", "anon-7", "privateAttributes"} {
		assert.NotContains(t, raw, private)
	}
	// The caller's context is not modified by the redaction.
	assert.Equal(t, "ana@acme.com", ctx["email"])
	assert.Equal(t, []any{"email"}, ctx["privateAttributes"])
	assert.Equal(t, "Hauptstr. 1", ctx["address"].(map[string]any)["street"])
}

func TestTrackEvents(t *testing.T) {
	sink := &captureSink{}
	td := telemetryFlags(t)
	p := telemetryProvider(t, td, provider.TelemetryConfig{Exporter: sink, FlushInterval: time.Hour, Privacy: privacy.Policy{AllAttributesPrivate: true}}, nil)
	ec := openfeature.NewEvaluationContext("user-9", map[string]any{"email": "ana@acme.com", "country": "DE"})
	details := openfeature.NewTrackingEventDetails(42.5).Add("currency", "EUR").Add("email", "ana@acme.com")
	p.Track(context.Background(), "checkout-completed", ec, details)
	require.NoError(t, p.ShutdownWithContext(context.Background()))
	tracks := sink.ofKind("track")
	require.Len(t, tracks, 1)
	assert.Equal(t, "checkout-completed", tracks[0]["name"])
	assert.Equal(t, 42.5, tracks[0]["value"])
	ctx := tracks[0]["context"].(map[string]any)
	assert.Equal(t, "user-9", ctx["targetingKey"])
	assert.NotContains(t, ctx, "email")
	assert.NotContains(t, ctx, "country", "all attributes private")
	assert.NotContains(t, tracks[0]["attributes"], "email")
	assert.NotContains(t, string(sink.batches[0].raw), "ana@acme.com")
}

func TestFullQueueDropsAndCounts(t *testing.T) {
	sink := &captureSink{}
	p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink, FlushInterval: time.Hour, QueueSize: 3}, nil)
	ctx := openfeature.FlattenedContext{"targetingKey": "u"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			p.BooleanEvaluation(context.Background(), "tracked", false, ctx)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("evaluations blocked on a full telemetry queue")
	}
	require.NoError(t, p.ShutdownWithContext(context.Background()))
	assert.Len(t, sink.ofKind("evaluation"), 3)
	assert.Equal(t, float64(47), sink.dropped(), "the drops are reported in the next batch")
	assert.Equal(t, float64(50), sink.summaryCounts()["tracked/off/DEFAULT"], "the summary still counts every evaluation")
}

func TestFlushIntervalAndIdempotencyKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &captureSink{}
		p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink}, nil)
		defer p.Shutdown()
		p.BooleanEvaluation(context.Background(), "plain", false, nil)
		time.Sleep(provider.DefaultFlushInterval - time.Millisecond)
		synctest.Wait()
		assert.Empty(t, sink.ofKind("summary"), "nothing before the interval")
		time.Sleep(time.Millisecond)
		synctest.Wait()
		assert.Len(t, sink.ofKind("summary"), 1, "a periodic flush every 10 s")
		p.BooleanEvaluation(context.Background(), "plain", false, nil)
		time.Sleep(provider.DefaultFlushInterval)
		synctest.Wait()
		assert.Len(t, sink.ofKind("summary"), 2, "a second flush")
		uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
		sink.mu.Lock()
		defer sink.mu.Unlock()
		assert.NotEqual(t, sink.batches[0].key, sink.batches[1].key)
		for _, b := range sink.batches {
			assert.Regexp(t, uuid, b.key)
		}
	})
}

func TestBatchesStayUnderOneMiB(t *testing.T) {
	sink := &captureSink{}
	p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink, FlushInterval: time.Hour}, nil)
	big := strings.Repeat("x", 100<<10)
	for range 30 { // about 3 MiB of track events
		p.Track(context.Background(), "big", openfeature.NewEvaluationContext("u", map[string]any{"blob": big}), openfeature.NewTrackingEventDetails(1))
	}
	require.NoError(t, p.ShutdownWithContext(context.Background()))
	require.GreaterOrEqual(t, len(sink.batches), 3)
	keys := map[string]bool{}
	for _, b := range sink.batches {
		assert.LessOrEqual(t, len(b.raw), client.MaxEventBatchBytes)
		keys[b.key] = true
	}
	assert.Len(t, keys, len(sink.batches), "one key per batch")
	assert.Len(t, sink.ofKind("track"), 30, "nothing lost to batching")
}

func TestSendRetryPolicy(t *testing.T) {
	temporary := &client.StatusError{Op: "post events", StatusCode: 503}
	cases := []struct {
		name      string
		fail      func(int) error
		calls     int
		delivered bool
	}{
		{"temporary failure is retried once with the same key", func(n int) error {
			if n == 1 {
				return temporary
			}
			return nil
		}, 2, true},
		{"two temporary failures drop the batch", func(int) error { return temporary }, 2, false},
		{"a permanent error is not retried", func(int) error { return errors.New("bad request") }, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var keys []string
			sink := &captureSink{fail: c.fail}
			keyed := provider.ExporterFunc(func(ctx context.Context, b []byte, key string) error {
				keys = append(keys, key)
				return sink.Export(ctx, b, key)
			})
			p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: keyed, FlushInterval: time.Hour, RetryDelay: time.Millisecond}, nil)
			p.BooleanEvaluation(context.Background(), "plain", false, nil)
			err := p.ShutdownWithContext(context.Background())
			assert.Equal(t, c.calls, sink.calls)
			assert.Equal(t, c.delivered, len(sink.batches) == 1)
			assert.Equal(t, c.delivered, err == nil)
			if len(keys) == 2 {
				assert.Equal(t, keys[0], keys[1], "a retry reuses the idempotency key")
			}
		})
	}
}

func TestForbiddenDisablesSendingAndLogsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &lockedWriter{}
		sink := &captureSink{fail: func(int) error { return &client.StatusError{Op: "post events", StatusCode: 403} }}
		p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink}, logs)
		for range 5 {
			p.BooleanEvaluation(context.Background(), "plain", false, nil)
			time.Sleep(provider.DefaultFlushInterval) // a flush period passes each time
		}
		require.NoError(t, p.ShutdownWithContext(context.Background()), "nothing is sent after the 403, so nothing fails")
		assert.Equal(t, 1, sink.calls, "403 disables sending")
		assert.Equal(t, 1, strings.Count(logs.String(), "telemetry rejected"), "and is logged once")
	})
}

// TestTelemetryOffByDefaultForLocalSources: a local source has no event
// sink, so without TelemetryConfig.Sink no telemetry runs: no flush loop is
// started and Track does nothing.
func TestTelemetryOffByDefaultForLocalSources(t *testing.T) {
	flushLoop := func() bool {
		synctest.Wait() // goroutines just started have run up to where they wait
		return slices.ContainsFunc(bubbleStacks(), func(g string) bool { return strings.Contains(g, "(*telemetry).run") })
	}
	synctest.Test(t, func(t *testing.T) {
		p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{}, nil)
		p.Track(context.Background(), "x", openfeature.NewEvaluationContext("u", nil), openfeature.NewTrackingEventDetails(1))
		assert.False(t, flushLoop(), "no telemetry for a local source without a sink")
		p.Shutdown()
	})
	synctest.Test(t, func(t *testing.T) {
		// With a sink the loop runs, so the check above can tell.
		on := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: &captureSink{}}, nil)
		assert.True(t, flushLoop(), "telemetry runs with a sink")
		on.Shutdown()
		synctest.Wait()
		assert.Empty(t, bubbleLeaks())
	})
}

func TestEvaluationWithTelemetryDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	sink := &captureSink{}
	p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink, FlushInterval: time.Hour}, nil)
	defer p.Shutdown()
	ctx := openfeature.FlattenedContext{"targetingKey": "u", "email": "ana@acme.com"}
	for range 2000 { // create the counter in every shard first
		p.BooleanEvaluation(context.Background(), "plain", false, ctx)
	}
	allocs := testing.AllocsPerRun(500, func() { p.BooleanEvaluation(context.Background(), "plain", false, ctx) })
	assert.Zero(t, allocs, "BooleanEvaluation with telemetry on")
}

// TestOversizeEventIsDroppedAndCounted: an event that cannot fit any batch
// is dropped at once, counted in the summary's droppedEvents and logged
// without its content; the events around it are sent.
func TestOversizeEventIsDroppedAndCounted(t *testing.T) {
	sink := &captureSink{}
	logs := &lockedWriter{}
	p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink, FlushInterval: time.Hour}, logs)
	huge := strings.Repeat("h", client.MaxEventBatchBytes)
	p.Track(context.Background(), "small", openfeature.NewEvaluationContext("u", nil), openfeature.NewTrackingEventDetails(1))
	p.Track(context.Background(), "huge", openfeature.NewEvaluationContext("u", map[string]any{"blob": huge}), openfeature.NewTrackingEventDetails(1))
	p.BooleanEvaluation(context.Background(), "plain", false, nil) // so that a summary is sent
	require.NoError(t, p.ShutdownWithContext(context.Background()))
	assert.Len(t, sink.ofKind("track"), 1, "the small event is sent")
	assert.Equal(t, float64(1), sink.dropped(), "the huge event is counted")
	assert.Contains(t, logs.String(), "larger than a batch")
	assert.NotContains(t, logs.String(), "hhhhhhhh", "the log does not carry the event")
}

func TestTelemetryConfigErrorsNameTheField(t *testing.T) {
	sink := &captureSink{}
	for _, c := range []struct {
		cfg  provider.TelemetryConfig
		want string
	}{
		{provider.TelemetryConfig{Exporter: sink, FlushInterval: -time.Second}, "TelemetryConfig.FlushInterval is -1s"},
		{provider.TelemetryConfig{Exporter: sink, QueueSize: -1}, "TelemetryConfig.QueueSize is -1"},
		{provider.TelemetryConfig{Exporter: sink, RetryDelay: -time.Second}, "TelemetryConfig.RetryDelay is -1s"},
		{provider.TelemetryConfig{Exporter: sink, Privacy: privacy.Policy{PrivateAttributes: []string{"email", ""}}}, `TelemetryConfig.Privacy: privacy: PrivateAttributes[1] is ""`},
		{provider.TelemetryConfig{Exporter: sink, Privacy: privacy.Policy{PrivateAttributes: []string{"targetingKey"}}}, "never redacted by name"},
		{provider.TelemetryConfig{Exporter: sink, Privacy: privacy.Policy{PrivateAttributes: []string{"/anonymous"}}}, "never redacted by name"},
	} {
		_, err := provider.New(provider.Config{Source: flagtest.New(), Telemetry: c.cfg})
		assert.ErrorContains(t, err, c.want)
	}
}
