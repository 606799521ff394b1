package flagtest_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

var quiet = slog.New(slog.DiscardHandler)

func TestBuilderProducesTheRuleset(t *testing.T) {
	td := flagtest.New()
	require.Error(t, td.Update(td.Flag("h").Boolean().Rule("", flagtest.InSegment("beta")).Serve("on")), "segment beta does not exist yet")
	require.NoError(t, td.UpdateSegment("beta", evaluator.Segment{Included: []string{"u9"}}))
	require.NoError(t, td.Update(td.Flag("f").Boolean().
		Prerequisite("g", "on").
		Target("on", "u1", "u2").
		Rule("staff", flagtest.Attr("email").EndsWith("@acme.com"), flagtest.Not(flagtest.Attr("plan").In("free"))).Serve("on").
		Rule("beta", flagtest.InSegment("beta")).TrackEvents().Rollout(flagtest.Weight("on", 20), flagtest.Weight("off", 80)).
		Default("off").Metadata("owner", "qa"),
		td.Flag("g").BooleanValue(true),
	))

	rs := td.Ruleset()
	f := rs.Flags["f"]
	assert.Equal(t, evaluator.TypeBoolean, f.Type)
	assert.Equal(t, "off", f.OffVariant)
	assert.Equal(t, []evaluator.Prerequisite{{Flag: "g", Variants: []string{"on"}}}, f.Prerequisites)
	assert.Equal(t, []evaluator.Target{{Variant: "on", Values: []string{"u1", "u2"}}}, f.Targets)
	require.Len(t, f.Rules, 2)
	assert.True(t, f.Rules[0].Conditions[1].Negate)
	assert.True(t, f.Rules[1].TrackEvents)
	assert.Equal(t, uint64(80), f.Rules[1].Serve.Rollout.Variants[1].Weight)
	assert.Equal(t, &evaluator.Serve{Variant: "on"}, rs.Flags["g"].Default)

	// The builder's ruleset is a valid document: it survives JSON.
	ev, err := evaluator.Compile(rs)
	require.NoError(t, err)
	r := ev.Evaluate("f", map[string]any{"targetingKey": "u9"})
	assert.Equal(t, evaluator.ReasonSplit, r.Reason)
	assert.Equal(t, "beta", r.RuleID)
	assert.True(t, r.TrackEvents)
}

func TestFlagStartsFromTheCurrentDefinition(t *testing.T) {
	td := flagtest.New()
	td.MustUpdate(td.Flag("f").StringVariants(map[string]string{"a": "A", "b": "B"}).Default("a").Metadata("k", "v"))
	td.MustUpdate(td.Flag("f").Default("b"))
	f := td.Ruleset().Flags["f"]
	assert.Equal(t, "b", f.Default.Variant)
	assert.Equal(t, map[string]any{"k": "v"}, f.Metadata, "unchanged parts are kept")

	// A builder is a copy: changing it after Update changes nothing.
	b := td.Flag("f")
	td.MustUpdate(b)
	b.Default("a")
	assert.Equal(t, "b", td.Ruleset().Flags["f"].Default.Variant)
}

// TestUpdateKeepsNoCallerSlices: the variadic arguments of Target,
// Prerequisite and the condition helpers, and a segment's lists, are
// copied, so changing them after Update changes nothing.
func TestUpdateKeepsNoCallerSlices(t *testing.T) {
	td := flagtest.New()
	keys := []string{"user-1"}
	included := []string{"user-2"}
	require.NoError(t, td.UpdateSegment("s", evaluator.Segment{Included: included}))
	td.MustUpdate(td.Flag("f").Boolean().Target("on", keys...).
		Rule("r", flagtest.InSegment("s")).Serve("on").Default("off"))
	keys[0], included[0] = "changed", "changed"
	td.MustUpdate(td.Flag("g").Boolean().Default("on")) // rebuilds the ruleset from what was stored
	rs := td.Ruleset()
	assert.Equal(t, []string{"user-1"}, rs.Flags["f"].Targets[0].Values)
	assert.Equal(t, []string{"user-2"}, rs.Segments["s"].Included)
}

func TestUpdateRejectsNilBuilder(t *testing.T) {
	td := flagtest.New()
	assert.ErrorContains(t, td.Update(td.Flag("f").Boolean().Default("on"), nil), "builder 1 is nil")
}

func TestMustUpdatePanicsOnInvalidFlags(t *testing.T) {
	td := flagtest.New()
	assert.PanicsWithError(t, `evaluator: flags.f.default.variant: unknown variant "maybe"; the flag's variants are off, on`, func() {
		td.MustUpdate(td.Flag("f").Boolean().Default("maybe"))
	})
	assert.Empty(t, td.Ruleset().Flags, "nothing was applied")
}

func TestOneTestDataFeedsSeveralProviders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		td := flagtest.New()
		td.MustUpdate(td.Flag("f").BooleanValue(false))
		var ps []*provider.Provider
		for range 2 {
			p, err := provider.New(provider.Config{Source: td, Logger: quiet})
			require.NoError(t, err)
			require.NoError(t, p.InitWithContext(context.Background(), openfeature.EvaluationContext{}))
			defer p.Shutdown()
			ps = append(ps, p)
		}
		td.MustUpdate(td.Flag("f").BooleanValue(true))
		synctest.Wait()
		for _, p := range ps {
			assert.True(t, p.BooleanEvaluation(context.Background(), "f", false, nil).Value)
		}
	})
}

// TestOutageIsReplayedToNewProviders runs in a synctest bubble: Init
// returns at the first ruleset, and the replayed outage follows it on the
// source's goroutine; synctest.Wait lets it land.
func TestOutageIsReplayedToNewProviders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		td := flagtest.New()
		td.MustUpdate(td.Flag("f").BooleanValue(true))
		td.SetStale()
		p, err := provider.New(provider.Config{Source: td, Logger: quiet})
		require.NoError(t, err)
		require.NoError(t, p.InitWithContext(context.Background(), openfeature.EvaluationContext{}))
		defer p.Shutdown()
		synctest.Wait()
		assert.Equal(t, openfeature.StaleState, p.State())
		assert.True(t, p.BooleanEvaluation(context.Background(), "f", false, nil).Value)
		td.Recover()
		assert.Equal(t, openfeature.ReadyState, p.State())
	})
}

// TestZeroTestDataIsEmpty: a TestData declared without New behaves as
// New() does, instead of panicking on the provider's goroutine (or in
// Update) on its nil maps.
func TestZeroTestDataIsEmpty(t *testing.T) {
	for _, update := range []bool{false, true} {
		td := &flagtest.TestData{}
		if update { // changed before any provider runs it
			require.NoError(t, td.Update(td.Flag("f").BooleanValue(true)))
		}
		p, err := provider.New(provider.Config{Source: td, Logger: quiet})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		require.NoError(t, p.InitWithContext(ctx, openfeature.EvaluationContext{}))
		cancel()
		require.NoError(t, td.Update(td.Flag("g").BooleanValue(true)))
		assert.True(t, p.BooleanEvaluation(context.Background(), "g", false, nil).Value, "update=%v: a change reaches the provider", update)
		assert.Equal(t, update, p.BooleanEvaluation(context.Background(), "f", false, nil).Value, "update=%v", update)
		p.Shutdown()
	}
}

// TestRulesetIsADeepCopy: changing what Ruleset returned, at any depth,
// changes nothing the TestData serves.
func TestRulesetIsADeepCopy(t *testing.T) {
	td := flagtest.New()
	td.MustUpdate(td.Flag("f").Boolean().Target("on", "user-1").Default("off"))
	rs := td.Ruleset()
	f := rs.Flags["f"]
	f.Targets[0].Values[0] = "someone-else"
	f.Variants["on"] = false
	assert.Equal(t, []string{"user-1"}, td.Ruleset().Flags["f"].Targets[0].Values)
	assert.Equal(t, true, td.Ruleset().Flags["f"].Variants["on"])
}

// TestSimulatedOutages walks a running provider through each simulated
// state, and a provider started during a fatal outage.
func TestSimulatedOutages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		td := flagtest.New()
		td.MustUpdate(td.Flag("f").BooleanValue(true))
		p, err := provider.New(provider.Config{Source: td, Logger: quiet})
		require.NoError(t, err)
		require.NoError(t, p.InitWithContext(ctx, openfeature.EvaluationContext{}))
		defer p.Shutdown()
		serving := func(state openfeature.State) {
			t.Helper()
			synctest.Wait()
			assert.Equal(t, state, p.State())
			assert.True(t, p.BooleanEvaluation(ctx, "f", false, nil).Value, "the last ruleset keeps serving")
		}

		td.SetError(nil)
		serving(openfeature.ErrorState)
		assert.ErrorContains(t, p.LastError(), "flagtest: simulated source error")
		td.Recover()
		serving(openfeature.ReadyState)

		td.SetError(errors.New("disk on fire"))
		serving(openfeature.ErrorState)
		assert.ErrorContains(t, p.LastError(), "disk on fire")
		td.MustUpdate(td.Flag("g").BooleanValue(true)) // a delivered ruleset ends the outage
		serving(openfeature.ReadyState)

		td.SetFatal(nil)
		serving(openfeature.FatalState)
		td.Recover()
		td.MustUpdate(td.Flag("f").BooleanValue(false))
		synctest.Wait()
		assert.Equal(t, openfeature.FatalState, p.State(), "FATAL is terminal")

		td.SetFatal(errors.New("bad credentials"))
		late, err := provider.New(provider.Config{Source: td, Logger: quiet})
		require.NoError(t, err)
		err = late.InitWithContext(ctx, openfeature.EvaluationContext{})
		require.Error(t, err, "a provider started during a fatal outage fails Init")
		assert.ErrorContains(t, err, "bad credentials")
		late.Shutdown()
	})
}

func TestDeleteRemovesFlags(t *testing.T) {
	td := flagtest.New()
	td.MustUpdate(td.Flag("a").BooleanValue(true), td.Flag("b").BooleanValue(true), td.Flag("c").BooleanValue(true))
	require.NoError(t, td.Delete("a", "b", "never-existed"))
	assert.Equal(t, []string{"c"}, keys(td.Ruleset().Flags))

	p, err := provider.New(provider.Config{Source: td, Logger: quiet})
	require.NoError(t, err)
	require.NoError(t, p.InitWithContext(context.Background(), openfeature.EvaluationContext{}))
	defer p.Shutdown()
	r := p.BooleanEvaluation(context.Background(), "a", false, nil)
	assert.Equal(t, openfeature.FlagNotFoundCode, r.ResolutionDetail().ErrorCode)

	// A flag others depend on cannot be deleted: nothing changes.
	td.MustUpdate(td.Flag("d").Boolean().Prerequisite("c", "on").Default("on"))
	require.Error(t, td.Delete("c"))
	assert.Equal(t, []string{"c", "d"}, keys(td.Ruleset().Flags))
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestHashValuesServesTheHashedForm(t *testing.T) {
	td := flagtest.New()
	td.MustUpdate(td.Flag("f").Boolean().Target("on", "user-1").Default("off"))
	require.NoError(t, td.HashValues("salt-1"))
	rs := td.Ruleset()
	require.NotNil(t, rs.ValueHashing)
	assert.Equal(t, "salt-1", rs.ValueHashing.Salt)
	assert.Equal(t, []string{evaluator.HashValue("salt-1", "user-1")}, rs.Flags["f"].Targets[0].Values)

	// Later updates are hashed too, and builders start from the plain form.
	td.MustUpdate(td.Flag("f").Target("on", "user-2"))
	rs = td.Ruleset()
	assert.Equal(t, []string{evaluator.HashValue("salt-1", "user-1")}, rs.Flags["f"].Targets[0].Values)
	assert.Equal(t, []string{evaluator.HashValue("salt-1", "user-2")}, rs.Flags["f"].Targets[1].Values)
	ev, err := evaluator.Compile(rs)
	require.NoError(t, err)
	assert.Equal(t, "on", ev.Evaluate("f", map[string]any{"targetingKey": "user-2"}).Variant)
	assert.Error(t, td.HashValues(""))
}
