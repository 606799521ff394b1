package provider

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/internal/jsonenc"
	"github.com/switchyardhq/switchyard/privacy"
)

// flattenedBenchContext is the context BenchmarkTrackedEvaluation's
// OpenFeature client hands the provider: the targeting key and n
// attributes (an email and a street that the policy makes private).
func flattenedBenchContext(n int) map[string]any {
	ctx := map[string]any{
		"targetingKey": "user-42",
		"email":        "ana@acme.com",
		"address":      map[string]any{"city": "Berlin", "street": "Hauptstr. 1"},
		"seats":        120,
	}
	for i := 3; i < n; i++ {
		switch i % 3 {
		case 0:
			ctx[fmt.Sprintf("plan%d", i)] = "enterprise"
		case 1:
			ctx[fmt.Sprintf("score%d", i)] = 0.25 * float64(i)
		default:
			ctx[fmt.Sprintf("beta%d", i)] = i%2 == 0
		}
	}
	return ctx
}

// BenchmarkEvaluationEvent measures what a tracked evaluation adds on the
// evaluation goroutine, and its parts: the whole event (encoded and
// queued), the redacted context alone, and the creation date.
func BenchmarkEvaluationEvent(b *testing.B) {
	discard := ExporterFunc(func(context.Context, []byte, string) error { return nil })
	for _, attrs := range []int{3, 10} {
		tel, err := newTelemetry(TelemetryConfig{Exporter: discard, FlushInterval: time.Hour, QueueSize: 1 << 20,
			Privacy: privacy.Policy{PrivateAttributes: []string{"email", "/address/street"}}}, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		ctx := flattenedBenchContext(attrs)
		r := evaluator.Result{Variant: "on", Reason: evaluator.ReasonTargetingMatch, RuleID: "staff", TrackEvents: true}
		b.Run(fmt.Sprintf("attrs=%d/event", attrs), func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				tel.evaluation("tracked", &r, "v1", true, ctx)
				if n++; n == 4096 {
					tel.queue.take()
					n = 0
				}
			}
		})
		b.Run(fmt.Sprintf("attrs=%d/context", attrs), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 1024)
			for b.Loop() {
				buf, _ = tel.redactor.AppendJSON(buf[:0], ctx)
			}
		})
	}
	b.Run("creationDate", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 64)
		for b.Loop() {
			buf = jsonenc.AppendTime(buf[:0], time.Now().UTC())
		}
	})
}

// TestEvaluationEventDoesNotAllocate: queueing an evaluation event, with
// a context of up to 15 entries (the targeting key and 14 attributes; one
// more member, _meta, makes 16) redacted by a policy with a name and
// a pointer, allocates nothing once the buffers have grown (SPEC 6).
func TestEvaluationEventDoesNotAllocate(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts are not meaningful under -race")
	}
	discard := ExporterFunc(func(context.Context, []byte, string) error { return nil })
	for _, attrs := range []int{3, 10, 14} {
		tel, err := newTelemetry(TelemetryConfig{Exporter: discard, FlushInterval: time.Hour, QueueSize: 1 << 20,
			Privacy: privacy.Policy{PrivateAttributes: []string{"email", "/address/street"}}}, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		ctx := flattenedBenchContext(attrs)
		r := evaluator.Result{Variant: "on", Reason: evaluator.ReasonTargetingMatch, RuleID: "staff", TrackEvents: true}
		queue := func() { tel.evaluation("tracked", &r, "v1", true, ctx) }
		for range 1000 {
			queue()
		}
		tel.queue.take()
		tel.queue.take() // both of the queue's buffers have grown
		if n := testing.AllocsPerRun(500, queue); n != 0 {
			t.Errorf("attrs=%d: evaluation event allocates %v times, want 0", attrs, n)
		}
		if tel.dropped.Load() != 0 {
			t.Fatalf("attrs=%d: %d events dropped", attrs, tel.dropped.Load())
		}
	}
}
