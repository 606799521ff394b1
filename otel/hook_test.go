package otel_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/switchyardhq/switchyard/otel"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// Personal values the tests put in contexts; none may be exported.
const (
	userKey       = "user-ana-4711"
	anonKey       = "device-anon-0815"
	privateEmail  = "ana.private@acme.com"
	privateStreet = "Hidden Street 9"
)

var testKey = []byte("0123456789abcdef-test-hmac-key")

// harness is one isolated API with the hook, a span recorder and a metric
// reader.
type harness struct {
	client *openfeature.Client
	tracer trace.Tracer
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	td     *flagtest.TestData
}

func newHarness(t *testing.T, o otel.Options) *harness {
	t.Helper()
	ctx := context.Background()
	td := flagtest.New()
	td.MustUpdate(
		td.Flag("checkout").Boolean().
			Target("on", userKey).
			Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").
			Default("off"),
		td.Flag("banner").StringVariants(map[string]string{"a": "Hello", "b": "Welcome"}).
			Default("b").Metadata(otel.RecordValueMetadataKey, true),
		td.Flag("secret-banner").StringVariants(map[string]string{"a": "only-in-memory"}).Default("a"),
	)
	p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	o.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	h, err := otel.NewHook(o)
	if err != nil {
		t.Fatal(err)
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Shutdown(ctx) })
	api.AddHooks(h)
	spans := tracetest.NewSpanRecorder()
	limits := sdktrace.NewSpanLimits()
	limits.EventCountLimit = 1000 // the default 128 would drop events the tests count
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans), sdktrace.WithRawSpanLimits(limits))
	return &harness{client: api.NewClient(), tracer: tp.Tracer("test"), spans: spans, reader: reader, td: td}
}

// evaluate runs f inside a span and returns that span's events.
func (h *harness) evaluate(t *testing.T, f func(ctx context.Context)) []sdktrace.Event {
	t.Helper()
	ctx, span := h.tracer.Start(context.Background(), "request")
	f(ctx)
	span.End()
	ended := h.spans.Ended()
	return ended[len(ended)-1].Events()
}

func attrs(e sdktrace.Event) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range e.Attributes {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

func pseudonym(key []byte, tk string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tk))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

func ordinary() openfeature.EvaluationContext {
	return openfeature.NewEvaluationContext(userKey, map[string]any{
		"email":             privateEmail,
		"address":           map[string]any{"street": privateStreet},
		"privateAttributes": []string{"email", "/address/street"},
	})
}

func anonymous() openfeature.EvaluationContext {
	return openfeature.NewEvaluationContext(anonKey, map[string]any{"anonymous": true, "email": privateEmail})
}

func TestEventAttributes(t *testing.T) {
	h := newHarness(t, otel.Options{ContextIDKey: testKey})
	events := h.evaluate(t, func(ctx context.Context) {
		_, _ = h.client.BooleanValue(ctx, "checkout", false, ordinary())
	})
	if len(events) != 1 || events[0].Name != otel.EventName {
		t.Fatalf("events = %+v, want one %q", events, otel.EventName)
	}
	got := attrs(events[0])
	want := map[string]string{
		"feature_flag.key":            "checkout",
		"feature_flag.provider.name":  provider.DefaultName,
		"feature_flag.result.variant": "on",
		"feature_flag.result.reason":  "targeting_match",
		"feature_flag.set.id":         "test/test",
		"feature_flag.version":        "flagtest-1",
		"feature_flag.context.id":     pseudonym(testKey, userKey),
	}
	for k, v := range want {
		if got[k].String() != v {
			t.Errorf("event attribute %s = %q, want %q", k, got[k].String(), v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("event attributes = %v, want exactly %v", got, want)
	}
}

func TestContextIDOmitted(t *testing.T) {
	cases := []struct {
		name string
		key  []byte
		ec   openfeature.EvaluationContext
	}{
		{"anonymous", testKey, anonymous()},
		{"no key configured", nil, ordinary()},
		{"no targeting key", testKey, openfeature.NewTargetlessEvaluationContext(map[string]any{"email": privateEmail})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, otel.Options{ContextIDKey: tc.key})
			events := h.evaluate(t, func(ctx context.Context) {
				_, _ = h.client.BooleanValue(ctx, "checkout", false, tc.ec)
			})
			if len(events) != 1 {
				t.Fatalf("events = %+v, want one", events)
			}
			if v, ok := attrs(events[0])["feature_flag.context.id"]; ok {
				t.Errorf("feature_flag.context.id = %q, want absent", v.String())
			}
		})
	}
}

func TestValueOnlyWhenMetadataOptsIn(t *testing.T) {
	h := newHarness(t, otel.Options{})
	events := h.evaluate(t, func(ctx context.Context) {
		_, _ = h.client.StringValue(ctx, "banner", "", ordinary())
		_, _ = h.client.StringValue(ctx, "secret-banner", "", ordinary())
	})
	if len(events) != 2 {
		t.Fatalf("events = %+v, want two", events)
	}
	if v := attrs(events[0])["feature_flag.result.value"]; v.String() != "Welcome" {
		t.Errorf("banner: feature_flag.result.value = %q, want %q", v.String(), "Welcome")
	}
	if v, ok := attrs(events[1])["feature_flag.result.value"]; ok {
		t.Errorf("secret-banner: feature_flag.result.value = %q, want absent", v.String())
	}
}

func TestErrorType(t *testing.T) {
	h := newHarness(t, otel.Options{})
	events := h.evaluate(t, func(ctx context.Context) {
		_, _ = h.client.BooleanValue(ctx, "missing", false, ordinary())
		_, _ = h.client.StringValue(ctx, "checkout", "x", ordinary())
	})
	for i, want := range []string{"flag_not_found", "type_mismatch"} {
		got := attrs(events[i])
		if got["error.type"].String() != want || got["feature_flag.result.reason"].String() != "error" {
			t.Errorf("event %d: error.type = %q, reason = %q, want %q, error", i, got["error.type"].String(), got["feature_flag.result.reason"].String(), want)
		}
	}
	errs := counts(t, h.reader, "feature_flag.evaluation.errors")
	for _, k := range []string{"feature_flag.key=missing,error.type=flag_not_found", "feature_flag.key=checkout,error.type=type_mismatch"} {
		if errs[k] != 1 {
			t.Errorf("errors[%s] = %d, want 1 (all: %v)", k, errs[k], errs)
		}
	}
}

// counts returns the named counter's values by "key=value,…" of its data
// point attributes, in the order error/key first as the test spells it.
func counts(t *testing.T, r *sdkmetric.ManualReader, name string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				var parts []string
				for _, k := range []string{"feature_flag.key", "feature_flag.result.variant", "feature_flag.result.reason", "error.type"} {
					if v, ok := dp.Attributes.Value(attribute.Key(k)); ok {
						parts = append(parts, k+"="+v.String())
					}
				}
				if dp.Attributes.Len() != len(parts) {
					t.Errorf("%s has unexpected attributes %v", name, dp.Attributes.ToSlice())
				}
				out[strings.Join(parts, ",")] += dp.Value
			}
		}
	}
	return out
}

func TestRequestCounts(t *testing.T) {
	h := newHarness(t, otel.Options{ContextIDKey: testKey})
	ctx := context.Background() // no span: counters still count
	for range 3 {
		_, _ = h.client.BooleanValue(ctx, "checkout", false, ordinary())
	}
	_, _ = h.client.BooleanValue(ctx, "checkout", false, openfeature.NewEvaluationContext("someone-else", nil))
	got := counts(t, h.reader, "feature_flag.evaluation.requests")
	want := map[string]int64{
		"feature_flag.key=checkout,feature_flag.result.variant=on,feature_flag.result.reason=targeting_match": 3,
		"feature_flag.key=checkout,feature_flag.result.variant=off,feature_flag.result.reason=default":        1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests = %v, want %v", got, want)
	}
}

// TestNothingPersonalExported evaluates ordinary, private and anonymous
// contexts, successes and errors, and scans every exported span, event,
// attribute and metric data point for the personal values.
func TestNothingPersonalExported(t *testing.T) {
	h := newHarness(t, otel.Options{ContextIDKey: testKey})
	contexts := []openfeature.EvaluationContext{
		ordinary(),
		anonymous(),
		openfeature.NewEvaluationContext(userKey, map[string]any{"email": privateEmail, "privateAttributes": []any{"email"}}),
	}
	h.evaluate(t, func(ctx context.Context) {
		for _, ec := range contexts {
			for _, flag := range []string{"checkout", "banner", "secret-banner", "missing"} {
				_, _ = h.client.BooleanValue(ctx, flag, false, ec)
				_, _ = h.client.StringValue(ctx, flag, "", ec)
				_, _ = h.client.ObjectValue(ctx, flag, nil, ec)
			}
		}
	})

	var exported []string
	for _, s := range h.spans.Ended() {
		exported = append(exported, s.Name(), s.Status().Description)
		for _, kv := range s.Attributes() {
			exported = append(exported, string(kv.Key), kv.Value.String())
		}
		for _, e := range s.Events() {
			exported = append(exported, e.Name)
			for _, kv := range e.Attributes {
				exported = append(exported, string(kv.Key), kv.Value.String())
			}
		}
		for _, l := range s.Links() {
			for _, kv := range l.Attributes {
				exported = append(exported, string(kv.Key), kv.Value.String())
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	points := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			exported = append(exported, m.Name, m.Description)
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				points++
				for _, kv := range dp.Attributes.ToSlice() {
					exported = append(exported, string(kv.Key), kv.Value.String())
				}
			}
		}
	}
	whole, err := json.Marshal(rm)
	if err != nil {
		t.Fatal(err)
	}
	exported = append(exported, string(whole))
	if points == 0 || len(h.spans.Ended()[0].Events()) != 3*4*3 {
		t.Fatalf("scanned %d data points and %d events, want some and %d", points, len(h.spans.Ended()[0].Events()), 3*4*3)
	}
	for _, s := range exported {
		for _, secret := range []string{userKey, anonKey, privateEmail, privateStreet, "only-in-memory"} {
			if strings.Contains(s, secret) {
				t.Errorf("exported %q contains %q", s, secret)
			}
		}
	}
	// The anonymous context's key has no pseudonym either.
	anonID := pseudonym(testKey, anonKey)
	for _, s := range exported {
		if strings.Contains(s, anonID) {
			t.Errorf("exported %q contains the anonymous key's pseudonym", s)
		}
	}
}

// TestConcurrentEvaluations counts evaluations from many goroutines; run
// with -race -count=20.
func TestConcurrentEvaluations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, otel.Options{ContextIDKey: testKey})
	const goroutines, each = 8, 50
	ctx, span := h.tracer.Start(context.Background(), "request")
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				_, _ = h.client.BooleanValue(ctx, "checkout", false, ordinary())
			}
		})
	}
	wg.Wait()
	span.End()
	got := counts(t, h.reader, "feature_flag.evaluation.requests")
	k := "feature_flag.key=checkout,feature_flag.result.variant=on,feature_flag.result.reason=targeting_match"
	if got[k] != goroutines*each {
		t.Errorf("requests[%s] = %d, want %d", k, got[k], goroutines*each)
	}
	if n := len(h.spans.Ended()[0].Events()); n != goroutines*each {
		t.Errorf("events = %d, want %d", n, goroutines*each)
	}
}

func TestNewHookRejectsShortKey(t *testing.T) {
	_, err := otel.NewHook(otel.Options{ContextIDKey: []byte("short-key")})
	if err == nil || strings.Contains(err.Error(), "short-key") {
		t.Errorf("NewHook(short key) error = %v, want an error that does not print the key", err)
	}
}

// TestZeroHookRecordsNothing: a Hook not built by NewHook must not panic
// inside an evaluation.
func TestZeroHookRecordsNothing(t *testing.T) {
	var h otel.Hook
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Finally on a zero Hook panicked: %v", r)
		}
	}()
	h.Finally(context.Background(), openfeature.HookContext{}, openfeature.InterfaceEvaluationDetails{}, openfeature.HookHints{})
}
