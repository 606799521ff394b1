package provider

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/privacy"
)

// The event shapes of SPEC section 6 as encoding/json structs: what the
// hand-written encoders in telemetry.go must produce byte for byte.
type evaluationEventJSON struct {
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

type trackEventJSON struct {
	Kind         string         `json:"kind"`
	CreationDate time.Time      `json:"creationDate"`
	Name         string         `json:"name"`
	Value        float64        `json:"value"`
	Attributes   map[string]any `json:"attributes,omitempty"`
	Context      map[string]any `json:"context"`
}

func TestEventEncodingMatchesMarshal(t *testing.T) {
	discard := ExporterFunc(func(context.Context, []byte, string) error { return nil })
	tel, err := newTelemetry(TelemetryConfig{Exporter: discard, Privacy: privacy.Policy{PrivateAttributes: []string{"email"}}}, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	tel.now = func() time.Time { return at }
	next := func() string {
		t.Helper()
		events := tel.queue.take()
		if len(events) != 1 {
			t.Fatalf("%d events queued, want 1", len(events))
		}
		return string(events[0])
	}
	ctx := map[string]any{"targetingKey": "u<1>", "email": "a@x.io", "n": 1e-7, "tags": []any{"a", true}, "privateAttributes": []any{"n"}}
	redacted := tel.redactor.Redact(ctx)
	for _, r := range []evaluator.Result{
		{Variant: "on", Reason: evaluator.ReasonTargetingMatch, RuleID: "staff"},
		{Reason: evaluator.ReasonError, ErrorCode: evaluator.ErrorTypeMismatch},
		{Variant: "\u2028\xff", Reason: evaluator.ReasonDefault},
	} {
		for _, value := range []any{true, "str", 2.5, int64(7), map[string]any{"k": []any{1.0}}, nil} {
			for _, version := range []string{"", "v1"} {
				tel.evaluation("flag-\"x\"", &r, version, value, ctx)
				want, _ := json.Marshal(evaluationEventJSON{Kind: "evaluation", CreationDate: at, Flag: "flag-\"x\"", Value: value, Variant: r.Variant,
					Reason: r.Reason.String(), ErrorCode: r.ErrorCode.String(), RuleID: r.RuleID, RulesetVersion: version, Context: redacted})
				if got := next(); got != string(want) {
					t.Errorf("evaluation event =\n  %s\nwant\n  %s", got, want)
				}
			}
		}
	}
	for _, attrs := range []map[string]any{nil, {}, {"currency": "EUR", "email": "a@x.io"}, {"email": "a@x.io"}, {"targetingKey": "x"}} {
		tel.track("checkout", 42.5, attrs, ctx)
		want := trackEventJSON{Kind: "track", CreationDate: at, Name: "checkout", Value: 42.5, Context: redacted}
		if len(attrs) > 0 {
			withPrivate := map[string]any{"privateAttributes": ctx["privateAttributes"]}
			for k, v := range attrs {
				withPrivate[k] = v
			}
			want.Attributes = tel.redactor.Redact(withPrivate)
			delete(want.Attributes, "targetingKey")
		}
		data, _ := json.Marshal(want)
		if got := next(); got != string(data) {
			t.Errorf("track event =\n  %s\nwant\n  %s", got, data)
		}
	}
	// What json.Marshal cannot encode is dropped and counted.
	tel.track("nan", math.NaN(), nil, ctx)
	tel.evaluation("f", &evaluator.Result{}, "", math.Inf(1), ctx)
	tel.evaluation("f", &evaluator.Result{}, "", "x", map[string]any{"bad": math.NaN()})
	if n := tel.dropped.Load(); n != 3 || tel.queue.len() != 0 {
		t.Errorf("unencodable events: dropped = %d, queued = %d; want 3, 0", n, tel.queue.len())
	}
}
