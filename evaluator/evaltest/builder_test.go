package evaltest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/evaltest"
)

// TestEveryOperatorBuilder builds one rule per operator and checks each
// against a context it must match and one it must not, so a builder that
// writes the wrong operator or values fails here.
func TestEveryOperatorBuilder(t *testing.T) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		cond      evaluator.Condition
		op        evaluator.Operator
		match, no any
	}{
		{"in", evaltest.Attr("a").In("x", 2, true), evaluator.OpIn, 2, "y"},
		{"contains", evaltest.Attr("a").Contains("bc"), evaluator.OpContains, "abcd", "acbd"},
		{"startsWith", evaltest.Attr("a").StartsWith("ab"), evaluator.OpStartsWith, "abc", "cab"},
		{"endsWith", evaltest.Attr("a").EndsWith("@acme.com"), evaluator.OpEndsWith, "ana@acme.com", "ana@acme.co"},
		{"matches", evaltest.Attr("a").Matches(`^u-\d+$`), evaluator.OpMatches, "u-12", "u-x"},
		{"lessThan", evaltest.Attr("a").LessThan(10), evaluator.OpLessThan, 9, 10},
		{"lessThanOrEqual", evaltest.Attr("a").LessThanOrEqual(10), evaluator.OpLessThanOrEqual, 10, 11},
		{"greaterThan", evaltest.Attr("a").GreaterThan(10), evaluator.OpGreaterThan, 11, 10},
		{"greaterThanOrEqual", evaltest.Attr("a").GreaterThanOrEqual(10), evaluator.OpGreaterThanOrEqual, 10, 9},
		{"before", evaltest.Attr("a").Before(at), evaluator.OpBefore, at.Add(-time.Second), at},
		{"after", evaltest.Attr("a").After(at), evaluator.OpAfter, at.Add(time.Second), at},
		{"semverEqual", evaltest.Attr("a").SemverEqual("1.2.3"), evaluator.OpSemverEqual, "1.2.3+build", "1.2.4"},
		{"semverLessThan", evaltest.Attr("a").SemverLessThan("2.0.0"), evaluator.OpSemverLessThan, "2.0.0-rc.1", "2.0.0"},
		{"semverGreaterThan", evaltest.Attr("a").SemverGreaterThan("2.0.0"), evaluator.OpSemverGreaterThan, "2.0.1", "2.0.0"},
		{"semverNotEqual", evaltest.Attr("a").SemverNotEqual("2.0.0"), evaluator.OpSemverNotEqual, "2.0.1", "2.0.0+build"},
		{"semverLessThanOrEqual", evaltest.Attr("a").SemverLessThanOrEqual("2.0.0"), evaluator.OpSemverLessThanOrEqual, "2.0.0", "2.0.1"},
		{"semverGreaterThanOrEqual", evaltest.Attr("a").SemverGreaterThanOrEqual("2.0.0"), evaluator.OpSemverGreaterThanOrEqual, "2.0.0", "2.0.0-rc.1"},
		{"semverSameMajor", evaltest.Attr("a").SemverSameMajor("3.0.0"), evaluator.OpSemverSameMajor, "3.1.0", "4.0.0"},
		{"semverSameMajorMinor", evaltest.Attr("a").SemverSameMajorMinor("3.0.0"), evaluator.OpSemverSameMajorMinor, "3.0.1", "3.1.0"},
		{"exists", evaltest.Attr("a").Exists(), evaluator.OpExists, "anything", nil},
		{"not", evaltest.Not(evaltest.Attr("a").In("x")), evaluator.OpIn, "y", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.op, tc.cond.Operator)
			assert.Equal(t, "a", tc.cond.Attribute)
			ev, err := evaltest.Compile(evaltest.NewFlag("f").Boolean().Rule("r", tc.cond).Serve("on").Default("off"))
			require.NoError(t, err)
			assert.Equal(t, true, ev.Evaluate("f", map[string]any{"a": tc.match}).Value, "should match %v", tc.match)
			assert.Equal(t, false, ev.Evaluate("f", map[string]any{"a": tc.no}).Value, "should not match %v", tc.no)
		})
	}
}

func TestFlagBuilders(t *testing.T) {
	flags := func() []*evaltest.FlagBuilder {
		return []*evaltest.FlagBuilder{
			evaltest.NewFlag("gate").BooleanValue(true),
			evaltest.NewFlag("closed").BooleanValue(false),
			evaltest.NewFlag("s").StringVariants(map[string]string{"a": "A", "b": "B"}).
				Prerequisite("gate", "on").Target("b", "vip").OffVariant("a").Default("a"),
			evaltest.NewFlag("i").IntegerVariants(map[string]int64{"low": 1, "high": 9}).Default("high"),
			evaltest.NewFlag("x").FloatVariants(map[string]float64{"half": 0.5}).Default("half"),
			evaltest.NewFlag("o").ObjectVariants(map[string]any{"v": map[string]any{"k": "v"}}).Variant("w", []any{1.0}).Default("w"),
			evaltest.NewFlag("off").Boolean().Enabled(false),
			evaltest.NewFlag("none").Boolean().Target("on", "u1").NoDefault(),
			evaltest.NewFlag("split").Boolean().DefaultRollout(evaltest.Weight("on", 1), evaltest.Weight("off", 0)).Metadata("team", "qa"),
			evaltest.NewFlag("seg").Boolean().Rule("beta", evaltest.InSegment("beta")).TrackEvents().Serve("on").Default("off"),
			nil, // skipped
		}
	}
	_, err := evaltest.Compile(flags()...)
	require.Error(t, err, "segment beta is not defined")
	assert.ErrorContains(t, err, `unknown segment "beta"`)

	rs := evaltest.Ruleset(flags()...)
	rs.Segments = map[string]evaluator.Segment{"beta": {Included: []string{"tester"}}}
	ev, err := evaluator.Compile(rs)
	require.NoError(t, err)

	check := func(key string, ctx map[string]any, value any, reason evaluator.Reason) {
		t.Helper()
		r := ev.Evaluate(key, ctx)
		assert.Equal(t, value, r.Value, key)
		assert.Equal(t, reason, r.Reason, key)
	}
	user := map[string]any{"targetingKey": "someone"}
	check("gate", user, true, evaluator.ReasonStatic)
	check("closed", user, false, evaluator.ReasonStatic)
	check("s", user, "A", evaluator.ReasonDefault)
	check("s", map[string]any{"targetingKey": "vip"}, "B", evaluator.ReasonTargetingMatch)
	check("i", user, int64(9), evaluator.ReasonStatic)
	check("x", user, 0.5, evaluator.ReasonStatic)
	check("o", user, []any{1.0}, evaluator.ReasonStatic)
	check("off", user, false, evaluator.ReasonDisabled)
	check("split", user, true, evaluator.ReasonSplit)
	check("seg", map[string]any{"targetingKey": "tester"}, true, evaluator.ReasonTargetingMatch)
	assert.True(t, ev.Evaluate("seg", map[string]any{"targetingKey": "tester"}).TrackEvents)
	r := ev.Evaluate("none", user)
	assert.True(t, r.UsedDefault(), "no default: the caller's default")
	assert.Equal(t, "qa", r2(ev, "split").Metadata["team"])
}

func r2(ev *evaluator.Evaluator, key string) evaluator.Result {
	return ev.Evaluate(key, map[string]any{"targetingKey": "someone"})
}

func TestRulesAndTargetsCanBeCleared(t *testing.T) {
	b := evaltest.NewFlag("f").Boolean().Target("on", "u1").Rule("r", evaltest.Attr("a").Exists()).Serve("on").Default("off")
	f := b.ClearRules().ClearTargets().Build()
	assert.Empty(t, f.Rules)
	assert.Empty(t, f.Targets)
	assert.Equal(t, "f", b.Key())

	all := evaltest.NewFlag("g").Boolean().Target("on", "u1").Rule("r", evaltest.Attr("a").Exists()).Serve("on").ServeAll("off").Build()
	assert.Empty(t, all.Rules, "ServeAll removes rules")
	assert.Empty(t, all.Targets, "ServeAll removes targets")
	assert.Equal(t, "off", all.Default.Variant)
}

// TestBuildIsACopy: what Build returned, and the caller's arguments, can
// change without changing the builder or each other.
func TestBuildIsACopy(t *testing.T) {
	keys := []string{"u1"}
	b := evaltest.NewFlag("f").Boolean().Target("on", keys...).Default("off")
	first := b.Build()
	keys[0] = "changed"
	first.Targets[0].Values[0] = "also changed"
	first.Variants["on"] = "broken"
	second := b.Build()
	assert.Equal(t, []string{"u1"}, second.Targets[0].Values)
	assert.Equal(t, true, second.Variants["on"])

	from := evaltest.FromFlag("g", second).Default("on").Build()
	assert.Equal(t, "on", from.Default.Variant)
	assert.Equal(t, "off", second.Default.Variant, "FromFlag copies its input")
}

// TestBucketAlgorithm: the algorithm applies to every rollout of the flag,
// added before or after, and buckets as flagd does (the flagd testbed's
// fractional-flag: "jack" → hearts, "ten" → clubs).
func TestBucketAlgorithm(t *testing.T) {
	suits := []evaluator.WeightedVariant{evaltest.Weight("clubs", 25), evaltest.Weight("diamonds", 25), evaltest.Weight("hearts", 25), evaltest.Weight("spades", 25)}
	b := evaltest.NewFlag("fractional-flag").
		StringVariants(map[string]string{"clubs": "clubs", "diamonds": "diamonds", "hearts": "hearts", "spades": "spades"}).
		DefaultRollout(suits...).
		BucketAlgorithm(evaluator.BucketAlgorithmFlagd).
		Rule("vip", evaltest.Attr("vip").In(true)).Rollout(suits...)
	f := b.Build()
	assert.Equal(t, evaluator.BucketAlgorithmFlagd, f.Default.Rollout.Algorithm)
	assert.Equal(t, evaluator.BucketAlgorithmFlagd, f.Rules[0].Serve.Rollout.Algorithm)
	for i := range f.Default.Rollout.Variants {
		f.Default.Rollout.Variants[i].Weight = 0 // Build returns a copy
	}
	ev, err := evaltest.Compile(b)
	require.NoError(t, err)
	for _, ctx := range []map[string]any{{"targetingKey": "jack"}, {"targetingKey": "jack", "vip": true}} {
		assert.Equal(t, "hearts", ev.Evaluate("fractional-flag", ctx).Variant, ctx)
	}
	assert.Equal(t, "clubs", ev.Evaluate("fractional-flag", map[string]any{"targetingKey": "ten"}).Variant)
}

func TestCompileHashed(t *testing.T) {
	flag := evaltest.NewFlag("f").Boolean().
		Target("on", "user-1").
		Rule("staff", evaltest.Attr("email").In("ada@example.com")).Serve("on").
		Default("off")
	ev, err := evaltest.CompileHashed("salt-1", flag)
	if err != nil {
		t.Fatal(err)
	}
	for ctx, want := range map[string]string{"user-1": "on", "user-2": "off"} {
		if got := ev.Evaluate("f", map[string]any{"targetingKey": ctx}); got.Variant != want {
			t.Errorf("%s: %s, want %s", ctx, got.Variant, want)
		}
	}
	if got := ev.Evaluate("f", map[string]any{"targetingKey": "k", "email": "ada@example.com"}); got.Variant != "on" || got.RuleID != "staff" {
		t.Errorf("hashed in: %+v", got)
	}
	if _, err := evaltest.CompileHashed("", flag); err == nil {
		t.Error("CompileHashed accepted an empty salt")
	}
}
