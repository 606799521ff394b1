package otel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/open-feature/go-sdk/openfeature"
	otelglobal "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// EventName is the name of the span event recorded for each evaluation.
const EventName = "feature_flag.evaluation"

// RecordValueMetadataKey is the flag metadata key that opts a flag in to
// recording its value as feature_flag.result.value: set it to the boolean
// true in the flag's "metadata". Any other value, or its absence, omits
// the value.
const RecordValueMetadataKey = "otelRecordValue"

// Metadata keys the Switchyard provider adds to every result.
const (
	metaTenant      = "rulesetTenantId"
	metaEnvironment = "rulesetEnvironment"
	metaVersion     = "rulesetVersion"
)

// contextIDBytes is how many bytes of the HMAC feature_flag.context.id keeps.
const contextIDBytes = 16

// minKeyBytes is the shortest ContextIDKey NewHook accepts.
const minKeyBytes = 16

// Options configures a Hook. The zero value records events and counts
// evaluations with the global meter provider, and no feature_flag.context.id.
type Options struct {
	// ContextIDKey is the secret key of the HMAC that derives
	// feature_flag.context.id from the targeting key. Nil records no
	// context id. It must be at least 16 bytes, and should be kept as
	// secret as the targeting keys it protects: anyone who has it can test
	// guesses of a targeting key. NewHook copies it.
	ContextIDKey []byte
	// MeterProvider provides the meter of the evaluation counters. Nil
	// means otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
}

// Hook is an OpenFeature hook that records evaluations in OpenTelemetry
// (see the package documentation). It is safe for concurrent use.
type Hook struct {
	openfeature.UnimplementedHook
	key      []byte
	macs     sync.Pool // of hash.Hash: HMAC-SHA-256 with key, reset after use
	requests metric.Int64Counter
	errors   metric.Int64Counter
}

var _ openfeature.Hook = (*Hook)(nil)

// NewHook returns a Hook configured by o. It returns an error when
// ContextIDKey is set but shorter than 16 bytes, or when the counters
// cannot be created.
func NewHook(o Options) (*Hook, error) {
	if o.ContextIDKey != nil && len(o.ContextIDKey) < minKeyBytes {
		return nil, fmt.Errorf("otel: Options.ContextIDKey has %d bytes, want at least %d (or nil for no feature_flag.context.id)", len(o.ContextIDKey), minKeyBytes)
	}
	mp := o.MeterProvider
	if mp == nil {
		mp = otelglobal.GetMeterProvider()
	}
	m := mp.Meter("github.com/switchyardhq/switchyard/otel")
	requests, err := m.Int64Counter("feature_flag.evaluation.requests",
		metric.WithDescription("Flag evaluations, by flag key, variant and reason."),
		metric.WithUnit("{evaluation}"))
	if err != nil {
		return nil, fmt.Errorf("otel: creating the requests counter: %w", err)
	}
	errs, err := m.Int64Counter("feature_flag.evaluation.errors",
		metric.WithDescription("Failed flag evaluations, by flag key and error type."),
		metric.WithUnit("{evaluation}"))
	if err != nil {
		return nil, fmt.Errorf("otel: creating the errors counter: %w", err)
	}
	h := &Hook{requests: requests, errors: errs}
	if o.ContextIDKey != nil {
		h.key = append([]byte(nil), o.ContextIDKey...)
		h.macs.New = func() any { return hmac.New(sha256.New, h.key) }
	}
	return h, nil
}

// Finally records the evaluation: it runs for successful and failed
// evaluations alike, and never fails one.
func (h *Hook) Finally(ctx context.Context, hc openfeature.HookContext, d openfeature.InterfaceEvaluationDetails, _ openfeature.HookHints) {
	if h == nil || h.requests == nil {
		return // not built by NewHook: nothing to record with, and never fail an evaluation
	}
	key := attribute.String(string(semconv.FeatureFlagKeyKey), hc.FlagKey())
	reason := semconv.FeatureFlagResultReasonKey.String(strings.ToLower(string(d.Reason)))
	errType := errorType(&d)

	if errType != "" {
		h.errors.Add(ctx, 1, metric.WithAttributes(key, semconv.ErrorTypeKey.String(errType)))
	}
	h.requests.Add(ctx, 1, metric.WithAttributes(key, semconv.FeatureFlagResultVariantKey.String(d.Variant), reason))

	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 9)
	attrs = append(attrs, key, semconv.FeatureFlagProviderNameKey.String(hc.ProviderMetadata().Name), reason)
	if d.Variant != "" {
		attrs = append(attrs, semconv.FeatureFlagResultVariantKey.String(d.Variant))
	}
	if errType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errType))
	}
	meta := d.FlagMetadata
	tenant, _ := meta[metaTenant].(string)
	env, _ := meta[metaEnvironment].(string)
	if tenant != "" || env != "" {
		attrs = append(attrs, semconv.FeatureFlagSetIDKey.String(tenant+"/"+env))
	}
	if v, _ := meta[metaVersion].(string); v != "" {
		attrs = append(attrs, semconv.FeatureFlagVersionKey.String(v))
	}
	if id, ok := h.contextID(hc.EvaluationContext()); ok {
		attrs = append(attrs, semconv.FeatureFlagContextIDKey.String(id))
	}
	if opt, _ := meta[RecordValueMetadataKey].(bool); opt && errType == "" {
		if v, ok := valueAttribute(d.Value); ok {
			attrs = append(attrs, v)
		}
	}
	span.AddEvent(EventName, trace.WithAttributes(attrs...))
}

// errorType returns the error.type of a failed evaluation, or "".
func errorType(d *openfeature.InterfaceEvaluationDetails) string {
	switch {
	case d.ErrorCode != "":
		return strings.ToLower(string(d.ErrorCode))
	case d.Reason == openfeature.ErrorReason:
		return strings.ToLower(string(openfeature.GeneralCode))
	}
	return ""
}

// contextID returns the pseudonym of ec's targeting key, and false when
// there is none to record: no key configured, no targeting key, or an
// anonymous context.
func (h *Hook) contextID(ec openfeature.EvaluationContext) (string, bool) {
	tk := ec.TargetingKey()
	if h.key == nil || tk == "" {
		return "", false
	}
	if anon, _ := ec.Attribute("anonymous").(bool); anon {
		return "", false
	}
	mac := h.macs.Get().(hash.Hash)
	mac.Write([]byte(tk))
	var sum [sha256.Size]byte
	id := hex.EncodeToString(mac.Sum(sum[:0])[:contextIDBytes])
	mac.Reset()
	h.macs.Put(mac)
	return id, true
}

// valueAttribute converts a flag value to feature_flag.result.value;
// objects become their JSON.
func valueAttribute(v any) (attribute.KeyValue, bool) {
	k := semconv.FeatureFlagResultValueKey
	switch v := v.(type) {
	case bool:
		return k.Bool(v), true
	case string:
		return k.String(v), true
	case int64:
		return k.Int64(v), true
	case float64:
		return k.Float64(v), true
	case nil:
		return attribute.KeyValue{}, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return attribute.KeyValue{}, false
	}
	return k.String(string(b)), true
}
