package provider_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/internal/leakcheck"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

func newProvider(t *testing.T, src provider.Source) *provider.Provider {
	t.Helper()
	p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return p
}

// typedFlags declares one flag of each type, with rules and metadata.
func typedFlags(t *testing.T) *flagtest.TestData {
	td := flagtest.New()
	require.NoError(t, td.Update(
		td.Flag("bool").Boolean().
			Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").
			Default("off").Metadata("owner", "payments").Metadata("ticket", 1234).Metadata("ratio", 0.5),
		td.Flag("string").StringVariants(map[string]string{"a": "alpha", "b": "beta"}).Default("a"),
		td.Flag("int").IntegerVariants(map[string]int64{"small": 10, "big": 9007199254740993}).
			Rule("", flagtest.Attr("plan").In("enterprise")).Serve("big").Default("small"),
		td.Flag("float").FloatVariants(map[string]float64{"half": 0.5}).Default("half"),
		td.Flag("object").ObjectVariants(map[string]any{"x": map[string]any{"list": []any{1, "two"}, "n": 3}}).Default("x"),
		td.Flag("rollout").Boolean().DefaultRollout(flagtest.Weight("on", 50), flagtest.Weight("off", 50)),
	))
	return td
}

func TestNewRequiresSource(t *testing.T) {
	_, err := provider.New(provider.Config{})
	require.ErrorContains(t, err, "Config.Source is nil")
}

func TestEvaluationThroughOpenFeature(t *testing.T) {
	td := typedFlags(t)
	client := setup(t, newProvider(t, td))
	ctx := context.Background()
	staff := openfeature.NewEvaluationContext("user-1", map[string]any{"email": "ana@acme.com", "plan": "enterprise"})

	b, err := client.BooleanValueDetails(ctx, "bool", false, staff)
	require.NoError(t, err)
	assert.True(t, b.Value)
	assert.Equal(t, "on", b.Variant)
	assert.Equal(t, openfeature.TargetingMatchReason, b.Reason)
	assert.Equal(t, "staff", b.FlagMetadata["ruleId"])
	assert.Equal(t, "payments", b.FlagMetadata["owner"])
	assert.Equal(t, int64(1234), b.FlagMetadata["ticket"], "whole metadata numbers are int64")
	assert.Equal(t, 0.5, b.FlagMetadata["ratio"])
	assert.Equal(t, "flagtest-1", b.FlagMetadata["rulesetVersion"])
	assert.Equal(t, "test", b.FlagMetadata["rulesetTenantId"])
	assert.Equal(t, "test", b.FlagMetadata["rulesetEnvironment"])

	b, err = client.BooleanValueDetails(ctx, "bool", true, openfeature.NewEvaluationContext("user-2", nil))
	require.NoError(t, err)
	assert.False(t, b.Value)
	assert.Equal(t, openfeature.DefaultReason, b.Reason)
	assert.NotContains(t, b.FlagMetadata, "ruleId", "no rule served")

	s, err := client.StringValueDetails(ctx, "string", "zzz", staff)
	require.NoError(t, err)
	assert.Equal(t, "alpha", s.Value)
	assert.Equal(t, openfeature.StaticReason, s.Reason)

	i, err := client.IntValueDetails(ctx, "int", 0, staff)
	require.NoError(t, err)
	assert.Equal(t, int64(9007199254740993), i.Value, "int64 precision survives")

	f, err := client.FloatValueDetails(ctx, "int", 0, staff)
	require.NoError(t, err, "integer flags may be read as float")
	assert.Equal(t, float64(9007199254740993), f.Value)

	f, err = client.FloatValueDetails(ctx, "float", 0, staff)
	require.NoError(t, err)
	assert.Equal(t, 0.5, f.Value)

	i, err = client.IntValueDetails(ctx, "float", 7, staff)
	require.Error(t, err, "float flags are never truncated to integers")
	assert.Equal(t, int64(7), i.Value)
	assert.Equal(t, openfeature.TypeMismatchCode, i.ErrorCode)
	assert.Equal(t, openfeature.ErrorReason, i.Reason)

	o, err := client.ObjectValueDetails(ctx, "object", nil, staff)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"list": []any{1.0, "two"}, "n": 3.0}, o.Value)
	o.Value.(map[string]any)["n"] = "mutated"
	o.Value.(map[string]any)["list"].([]any)[0] = "mutated"
	o2, err := client.ObjectValueDetails(ctx, "object", nil, staff)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"list": []any{1.0, "two"}, "n": 3.0}, o2.Value, "a caller's mutation must not reach the ruleset")

	s, err = client.StringValueDetails(ctx, "missing", "fallback", staff)
	require.Error(t, err)
	assert.Equal(t, "fallback", s.Value)
	assert.Equal(t, openfeature.FlagNotFoundCode, s.ErrorCode)

	s, err = client.StringValueDetails(ctx, "bool", "fallback", staff)
	require.Error(t, err)
	assert.Equal(t, openfeature.TypeMismatchCode, s.ErrorCode)
	assert.Contains(t, s.ErrorMessage, "boolean")

	b, err = client.BooleanValueDetails(ctx, "rollout", true, openfeature.NewTargetlessEvaluationContext(nil))
	require.Error(t, err)
	assert.True(t, b.Value)
	assert.Equal(t, openfeature.TargetingKeyMissingCode, b.ErrorCode)

	b, err = client.BooleanValueDetails(ctx, "rollout", false, staff)
	require.NoError(t, err)
	assert.Equal(t, openfeature.SplitReason, b.Reason)
}

func TestPrivacyAttributesPassThrough(t *testing.T) {
	td := flagtest.New()
	require.NoError(t, td.Update(td.Flag("f").Boolean().Rule("", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").Default("off")))
	client := setup(t, newProvider(t, td))
	ctx := openfeature.NewEvaluationContext("u", map[string]any{
		"email": "ana@acme.com", "privateAttributes": []any{"email"}, "anonymous": true,
	})
	v, err := client.BooleanValue(context.Background(), "f", false, ctx)
	require.NoError(t, err)
	assert.True(t, v, "private attributes are still used for evaluation")
}

func TestConfigurationChangedListsExactlyTheChangedFlags(t *testing.T) {
	td := typedFlags(t)
	p := newProvider(t, td)
	ev := eventsOf(p)
	initDirect(t, p)

	require.NoError(t, td.Update(td.Flag("string").Default("b")))
	got := ev.next(t, openfeature.ProviderConfigChange)
	assert.Equal(t, []string{"string"}, got.FlagChanges)
	assert.Equal(t, "flagtest-2", got.EventMetadata["rulesetVersion"])

	require.NoError(t, td.Update(td.Flag("new-a").BooleanValue(true), td.Flag("new-b").BooleanValue(false)))
	assert.Equal(t, []string{"new-a", "new-b"}, ev.next(t, openfeature.ProviderConfigChange).FlagChanges)

	require.NoError(t, td.Delete("float"))
	assert.Equal(t, []string{"float"}, ev.next(t, openfeature.ProviderConfigChange).FlagChanges)

	// Re-applying an identical flag changes nothing and emits nothing.
	require.NoError(t, td.Update(td.Flag("string")))
	ev.none(t)

	// A prerequisite's change is a change of its dependants.
	require.NoError(t, td.Update(td.Flag("dep").Boolean().Prerequisite("string", "b").Default("on")))
	ev.next(t, openfeature.ProviderConfigChange)
	require.NoError(t, td.Update(td.Flag("string").Default("a")))
	assert.Equal(t, []string{"dep", "string"}, ev.next(t, openfeature.ProviderConfigChange).FlagChanges)

	// A segment's change is a change of the flags using it.
	require.NoError(t, td.UpdateSegment("beta", evaluator.Segment{Included: []string{"u1"}}))
	ev.none(t)
	require.NoError(t, td.Update(td.Flag("seg").Boolean().Rule("", flagtest.InSegment("beta")).Serve("on").Default("off")))
	ev.next(t, openfeature.ProviderConfigChange)
	require.NoError(t, td.UpdateSegment("beta", evaluator.Segment{Included: []string{"u1", "u2"}}))
	assert.Equal(t, []string{"seg"}, ev.next(t, openfeature.ProviderConfigChange).FlagChanges)
}

func TestInvalidUpdateKeepsServing(t *testing.T) {
	td := typedFlags(t)
	p := newProvider(t, td)
	ev := eventsOf(p)
	initDirect(t, p)

	err := td.Update(td.Flag("string").Default("no-such-variant"))
	var ve *evaluator.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "flags.string.default.variant", ve.Path)
	ev.none(t)
	r := p.StringEvaluation(context.Background(), "string", "x", nil)
	assert.Equal(t, "alpha", r.Value, "the previous ruleset keeps serving")
}

func TestOutagesAndRecovery(t *testing.T) {
	td := typedFlags(t)
	p := newProvider(t, td)
	ev := eventsOf(p)
	initDirect(t, p)
	serving := func() {
		t.Helper()
		r := p.StringEvaluation(context.Background(), "string", "default", nil)
		require.Equal(t, "alpha", r.Value, "the last good ruleset keeps serving")
		require.NoError(t, r.Error())
	}

	td.SetStale()
	assert.Contains(t, ev.next(t, openfeature.ProviderStale).Message, "stale")
	assert.Equal(t, openfeature.StaleState, p.State())
	serving()
	td.SetStale() // already stale: no second event
	ev.none(t)

	td.Recover()
	ev.next(t, openfeature.ProviderReady)
	assert.Equal(t, openfeature.ReadyState, p.State())

	td.SetError(errors.New("service unreachable"))
	got := ev.next(t, openfeature.ProviderError)
	assert.Equal(t, "service unreachable", got.Message)
	assert.Equal(t, openfeature.GeneralCode, got.ErrorCode)
	assert.Equal(t, openfeature.ErrorState, p.State())
	serving()

	// A new ruleset ends the outage: READY first, then the change.
	require.NoError(t, td.Update(td.Flag("float").Default("half").Metadata("v", 2)))
	ev.next(t, openfeature.ProviderReady)
	assert.Equal(t, []string{"float"}, ev.next(t, openfeature.ProviderConfigChange).FlagChanges)

	td.SetFatal(errors.New("credentials revoked"))
	got = ev.next(t, openfeature.ProviderError)
	assert.Equal(t, openfeature.ProviderFatalCode, got.ErrorCode)
	assert.Equal(t, openfeature.FatalState, p.State())
	serving()
}

// TestStateThroughOpenFeature runs in a synctest bubble: the SDK's event
// handlers run on goroutines of their own, and synctest.Wait waits for them
// to finish instead of polling.
func TestStateThroughOpenFeature(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		td := typedFlags(t)
		client := setup(t, newProvider(t, td))
		assert.Equal(t, openfeature.ReadyState, client.State())
		td.SetStale()
		synctest.Wait()
		assert.Equal(t, openfeature.StaleState, client.State())
		v, err := client.StringValue(context.Background(), "string", "default", openfeature.EvaluationContext{})
		require.NoError(t, err)
		assert.Equal(t, "alpha", v)
		td.SetError(nil)
		synctest.Wait()
		assert.Equal(t, openfeature.ErrorState, client.State())
		td.Recover()
		synctest.Wait()
		assert.Equal(t, openfeature.ReadyState, client.State())
	})
}

func TestFatalBeforeInitFailsWithProviderFatal(t *testing.T) {
	leaks := leakcheck.Take(t)
	td := typedFlags(t)
	td.SetFatal(errors.New("invalid_client"))
	p := newProvider(t, td)
	api := isolated.NewAPI()
	err := api.SetProviderAndWait(context.Background(), p)
	var initErr *openfeature.ProviderInitError
	require.ErrorAs(t, err, &initErr)
	assert.Equal(t, openfeature.ProviderFatalCode, initErr.ErrorCode)
	assert.Contains(t, initErr.Message, "invalid_client")
	client := api.NewClient()
	assert.Equal(t, openfeature.FatalState, client.State())
	_, err = client.BooleanValue(context.Background(), "bool", false, openfeature.EvaluationContext{})
	require.Error(t, err)
	require.NoError(t, api.Shutdown(context.Background()))
	leaks.Check(t)
}

// manualSource delivers what a test sends it.
type manualSource struct {
	sinks chan provider.Sink
}

func (m *manualSource) Run(ctx context.Context, sink provider.Sink) error {
	m.sinks <- sink
	<-ctx.Done()
	return ctx.Err()
}

func TestInitTimeoutKeepsTryingInTheBackground(t *testing.T) {
	leaks := leakcheck.Take(t)
	src := &manualSource{sinks: make(chan provider.Sink, 1)}
	p := newProvider(t, src)
	ev := eventsOf(p)

	r := p.BooleanEvaluation(context.Background(), "f", true, nil)
	assert.Equal(t, openfeature.ProviderNotReadyCode, r.ResolutionDetail().ErrorCode, "no ruleset yet")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	initErr := make(chan error, 1)
	go func() { initErr <- p.InitWithContext(ctx, openfeature.EvaluationContext{}) }()
	sink := <-src.sinks
	sink.Error(errors.New("connection refused"))
	cancel() // the caller's deadline passes
	err := <-initErr
	require.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, err, "connection refused", "the init error says why")
	var fatal *openfeature.ProviderInitError
	assert.False(t, errors.As(err, &fatal), "a timeout is not fatal")

	ruleset, err := evaluator.Load([]byte(`{"schemaVersion":1,"version":"7","flags":{"f":{"type":"boolean","variants":{"on":true,"off":false},"default":{"variant":"off"}}}}`))
	require.NoError(t, err)
	sink.Update(ruleset)
	ev.next(t, openfeature.ProviderReady)
	r = p.BooleanEvaluation(context.Background(), "f", true, nil)
	assert.False(t, r.Value)
	assert.Equal(t, openfeature.StaticReason, r.Reason)
	p.Shutdown()
	leaks.Check(t)
}

func TestShutdownIsIdempotentAndLeavesNoGoroutines(t *testing.T) {
	leaks := leakcheck.Take(t)
	td := typedFlags(t)
	p := newProvider(t, td)
	initDirect(t, p)
	require.NoError(t, p.ShutdownWithContext(context.Background()))
	require.NoError(t, p.ShutdownWithContext(context.Background()))
	p.Shutdown()
	leaks.Check(t)
	r := p.BooleanEvaluation(context.Background(), "bool", true, nil)
	assert.Equal(t, openfeature.ProviderNotReadyCode, r.ResolutionDetail().ErrorCode)

	// A stopped provider can be initialised again.
	initDirect(t, p)
	r = p.BooleanEvaluation(context.Background(), "bool", true, nil)
	assert.NoError(t, r.Error())
	p.Shutdown()
	leaks.Check(t)
}

func TestShutdownHonoursDeadline(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	p := newProvider(t, stuckSource{stuck})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_ = p.InitWithContext(ctx, openfeature.EvaluationContext{})
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer scancel()
	err := p.ShutdownWithContext(sctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// stuckSource ignores cancellation until released.
type stuckSource struct{ release chan struct{} }

func (s stuckSource) Run(context.Context, provider.Sink) error {
	<-s.release
	return nil
}

func TestParallelTestsAreIsolated(t *testing.T) {
	for i := range 8 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			td := flagtest.New()
			want := i%2 == 0
			require.NoError(t, td.Update(td.Flag("f").BooleanValue(want)))
			client := setup(t, newProvider(t, td))
			for range 50 {
				got, err := client.BooleanValue(context.Background(), "f", !want, openfeature.EvaluationContext{})
				require.NoError(t, err)
				require.Equal(t, want, got)
			}
		})
	}
}
