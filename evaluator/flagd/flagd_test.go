package flagd_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
)

// load translates doc and compiles it.
func load(t *testing.T, doc string) *evaluator.Evaluator {
	t.Helper()
	res, err := flagd.Translate([]byte(doc), flagd.Options{})
	require.NoError(t, err)
	ev, err := evaluator.Compile(res.Ruleset)
	require.NoError(t, err)
	return ev
}

func TestTranslateTargeting(t *testing.T) {
	ev := load(t, `{
	  "$evaluators": {"staff": {"ends_with": [{"var": "email"}, "@acme.com"]}},
	  "metadata": {"team": "payments", "owner": "set"},
	  "flags": {
	    "color": {
	      "state": "ENABLED", "defaultVariant": "grey", "metadata": {"owner": "flag"},
	      "variants": {"red": "#f00", "blue": "#00f", "grey": "#999", "green": "#0f0"},
	      "targeting": {"if": [
	        {"or": [{"$ref": "staff"}, {"in": [{"var": "user.country"}, ["DE", "FR"]]}]}, "red",
	        {"and": [{">=": [{"var": "seats"}, 10]}, {"!": {"==": [{"var": "plan"}, "free"]}}]}, "blue",
	        {"<": [1, {"var": "n"}, 5]}, "green",
	        {"===": [{"var": "$flagd.flagKey"}, "color"]}, null
	      ]}
	    },
	    "off": {"state": "DISABLED", "defaultVariant": "on", "variants": {"on": true, "off": false}},
	    "nums": {"state": "ENABLED", "defaultVariant": "a", "variants": {"a": 1, "b": 2}},
	    "ratio": {"state": "ENABLED", "defaultVariant": "a", "variants": {"a": 1, "b": 2.5}}
	  }}`)
	for _, tc := range []struct {
		ctx     map[string]any
		variant string
		reason  evaluator.Reason
	}{
		{map[string]any{"email": "ana@acme.com"}, "red", evaluator.ReasonTargetingMatch},
		{map[string]any{"user": map[string]any{"country": "FR"}}, "red", evaluator.ReasonTargetingMatch},
		{map[string]any{"seats": 12, "plan": "pro"}, "blue", evaluator.ReasonTargetingMatch},
		{map[string]any{"seats": 12, "plan": "free"}, "grey", evaluator.ReasonDefault},
		{map[string]any{"n": 3}, "green", evaluator.ReasonTargetingMatch},
		{map[string]any{"n": 5}, "grey", evaluator.ReasonDefault},
		{nil, "grey", evaluator.ReasonDefault}, // $flagd.flagKey == "color": null, the default
	} {
		r := ev.Evaluate("color", tc.ctx)
		assert.Equalf(t, tc.variant, r.Variant, "%v", tc.ctx)
		assert.Equalf(t, tc.reason, r.Reason, "%v", tc.ctx)
		assert.Equal(t, "flag", r.Metadata["owner"], "the flag's metadata wins")
		assert.Equal(t, "payments", r.Metadata["team"], "flag-set metadata is merged")
	}
	off := ev.Evaluate("off", nil)
	assert.Equal(t, evaluator.ReasonDisabled, off.Reason)
	assert.Nil(t, off.Value, "DISABLED serves the caller's default")
	assert.Equal(t, evaluator.TypeInteger, ev.Evaluate("nums", nil).FlagType)
	assert.Equal(t, evaluator.TypeFloat, ev.Evaluate("ratio", nil).FlagType)
}

// TestNullBeforeOtherResults: a null result that is not last must stop
// the results after it, so it serves the default variant.
func TestNullBeforeOtherResults(t *testing.T) {
	ev := load(t, `{"flags": {"f": {"state": "ENABLED", "defaultVariant": "d",
	  "variants": {"d": "d", "x": "x"},
	  "targeting": {"if": [{"==": [{"var": "a"}, 1]}, null, {"==": [{"var": "b"}, 1]}, "x"]}}}}`)
	assert.Equal(t, "d", ev.Evaluate("f", map[string]any{"a": 1, "b": 1}).Variant)
	assert.Equal(t, "x", ev.Evaluate("f", map[string]any{"b": 1}).Variant)

	_, err := flagd.Translate([]byte(`{"flags": {"f": {"state": "ENABLED", "variants": {"x": "x"},
	  "targeting": {"if": [{"==": [{"var": "a"}, 1]}, null, "x"]}}}}`), flagd.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs a defaultVariant")
}

// TestBooleanResult: a comparison as the whole targeting resolves to the
// variants "true" and "false", and to the default where flagd's operator
// yields null (a value of the wrong type, bad arguments).
func TestBooleanResult(t *testing.T) {
	ev := load(t, `{"flags": {
	  "s": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"true": "t", "false": "f", "fallback": "d"},
	        "targeting": {"starts_with": [{"var": "id"}, "abc"]}},
	  "v": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"true": "t", "false": "f", "fallback": "d"},
	        "targeting": {"sem_ver": [{"var": "version"}, ">=", "1.2"]}},
	  "bad": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"true": "t", "false": "f", "fallback": "d"},
	        "targeting": {"sem_ver": [{"var": "version"}, "==="]}}}}`)
	for _, tc := range []struct {
		flag    string
		ctx     map[string]any
		variant string
	}{
		{"s", map[string]any{"id": "abcd"}, "true"},
		{"s", map[string]any{"id": "xyz"}, "false"},
		{"s", map[string]any{"id": 123}, "fallback"},
		{"s", nil, "fallback"},
		{"v", map[string]any{"version": "1.2.0"}, "true"},
		{"v", map[string]any{"version": "1.1.9"}, "false"},
		{"v", map[string]any{"version": "not-a-version"}, "fallback"},
		{"bad", map[string]any{"version": "1.0.0"}, "fallback"},
	} {
		assert.Equalf(t, tc.variant, ev.Evaluate(tc.flag, tc.ctx).Variant, "%s %v", tc.flag, tc.ctx)
	}
}

func TestFractional(t *testing.T) {
	ev := load(t, `{"flags": {
	  "fractional-flag": {"state": "ENABLED", "defaultVariant": "wild",
	    "variants": {"clubs": "clubs", "diamonds": "diamonds", "hearts": "hearts", "spades": "spades", "wild": "wild"},
	    "targeting": {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "user.name"}]},
	      ["clubs", 25], ["diamonds", 25], ["hearts", 25], ["spades", 25]]}},
	  "fractional-flag-shorthand": {"state": "ENABLED", "defaultVariant": "draw",
	    "variants": {"heads": "heads", "tails": "tails", "draw": "draw"},
	    "targeting": {"fractional": [["heads"], ["tails", 1]]}},
	  "edge": {"state": "ENABLED", "defaultVariant": "lower", "variants": {"lower": "lower", "upper": "upper"},
	    "targeting": {"fractional": [{"var": "targetingKey"}, ["lower", 50], ["upper", 50]]}},
	  "negative": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"one": 1, "two": 2, "fallback": 0},
	    "targeting": {"fractional": [{"var": "targetingKey"}, ["one", -50], ["two", 100]]}},
	  "zero": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"one": 1, "two": 2, "fallback": 0},
	    "targeting": {"fractional": [{"var": "targetingKey"}, ["one", 0], ["two", 0]]}}}}`)
	// The flagd testbed's @fractional-v2 examples.
	for name, want := range map[string]string{"jack": "hearts", "queen": "spades", "ten": "clubs", "nine": "diamonds", "3": "clubs"} {
		assert.Equal(t, want, ev.Evaluate("fractional-flag", map[string]any{"user": map[string]any{"name": name}}).Variant, name)
	}
	assert.Equal(t, "heads", ev.Evaluate("fractional-flag-shorthand", map[string]any{"targetingKey": "jon@company.com"}).Variant)
	assert.Equal(t, "tails", ev.Evaluate("fractional-flag-shorthand", map[string]any{"targetingKey": "jane@company.com"}).Variant)
	for key, want := range map[string]string{"ejOoVL": "lower", "bY9fO-": "lower", "SI7p-": "lower", "6LvT0": "upper", "ceQdGm": "upper"} {
		assert.Equal(t, want, ev.Evaluate("edge", map[string]any{"targetingKey": key}).Variant, key)
	}
	assert.Equal(t, "two", ev.Evaluate("negative", map[string]any{"targetingKey": "any-user"}).Variant, "a negative weight counts as 0")
	zero := ev.Evaluate("zero", map[string]any{"targetingKey": "any-user"})
	assert.Equal(t, "fallback", zero.Variant, "all weights 0: null, the default")
	assert.Equal(t, evaluator.ReasonDefault, zero.Reason)
	assert.Equal(t, evaluator.ReasonSplit, ev.Evaluate("edge", map[string]any{"targetingKey": "x"}).Reason)
	missing := ev.Evaluate("edge", map[string]any{"other": "x"})
	assert.Equal(t, "lower", missing.Variant, "a missing bucketing attribute: null, the default")
	assert.Equal(t, evaluator.ReasonDefault, missing.Reason)
	assert.Empty(t, missing.ErrorCode)
}

// TestUntranslatable: each construct is an error naming the path and the
// construct; the document is rejected unless SkipUntranslatable, which
// lists the flag and keeps the others.
func TestUntranslatable(t *testing.T) {
	for _, tc := range []struct {
		name, targeting, path, construct string
	}{
		{"variant from the context", `{"var": "color"}`, "flags.f.targeting.var", "var"},
		{"evaluation time", `{"if": [{">": [{"var": "$flagd.timestamp"}, 5]}, "x", null]}`, "flags.f.targeting.if[0].>[0].var", "$flagd.timestamp"},
		{"two attributes", `{"if": [{"==": [{"var": "a"}, {"var": "b"}]}, "x", null]}`, "flags.f.targeting.if[0].==", "=="},
		{"arithmetic", `{"if": [{">": [{"+": [{"var": "a"}, 1]}, 5]}, "x", null]}`, "flags.f.targeting.if[0].>[0].+", "+"},
		{"truthiness", `{"if": [{"var": "beta"}, "x", null]}`, "flags.f.targeting.if[0].var", "var"},
		{"missing evaluator", `{"if": [{"$ref": "nope"}, "x", null]}`, "flags.f.targeting.if[0].$ref", "$ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"flags": {"ok": {"state": "ENABLED", "defaultVariant": "x", "variants": {"x": "x"}},
			  "f": {"state": "ENABLED", "defaultVariant": "x", "variants": {"x": "x"}, "targeting": ` + tc.targeting + `}}}`
			_, err := flagd.Translate([]byte(doc), flagd.Options{})
			var fe *flagd.Error
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "f", fe.Flag)
			assert.Equal(t, tc.path, fe.Path)
			assert.Equal(t, tc.construct, fe.Construct)
			assert.True(t, errors.Is(err, evaluator.ErrInvalidRuleset))
			assert.True(t, strings.HasPrefix(err.Error(), "flagd: "+tc.path+": "), err.Error())

			res, err := flagd.Translate([]byte(doc), flagd.Options{SkipUntranslatable: true})
			require.NoError(t, err)
			require.Len(t, res.Skipped, 1)
			assert.Equal(t, "f", res.Skipped[0].Flag)
			assert.Contains(t, res.Ruleset.Flags, "ok")
			assert.NotContains(t, res.Ruleset.Flags, "f")
		})
	}
}

// TestInvalidDocuments: a document that is not valid flagd is rejected
// whole, also with SkipUntranslatable.
func TestInvalidDocuments(t *testing.T) {
	for _, tc := range []struct{ name, doc, words string }{
		{"not JSON", `{`, "not a JSON object"},
		{"no flags", `{"flagz": {}}`, `unknown top-level field`},
		{"bad state", `{"flags": {"f": {"state": "ON", "variants": {"a": 1}}}}`, `flags.f.state: must be "ENABLED" or "DISABLED"`},
		{"mixed variants", `{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1, "b": "x"}}}}`, "variants mix value types"},
		{"unknown default", `{"flags": {"f": {"state": "ENABLED", "defaultVariant": "c", "variants": {"a": 1}}}}`, `variant "c" is not defined`},
		{"unknown field", `{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "targetting": {}}}}`, "flags.f.targetting: unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flagd.Translate([]byte(tc.doc), flagd.Options{SkipUntranslatable: true})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.words)
			assert.ErrorIs(t, err, evaluator.ErrInvalidRuleset)
		})
	}
}

// TestDeliberateDifferences pins the differences the package doc lists.
func TestDeliberateDifferences(t *testing.T) {
	ev := load(t, `{"flags": {"f": {"state": "ENABLED", "defaultVariant": "d", "variants": {"d": "d", "x": "x"},
	  "targeting": {"if": [{"!=": [{"var": "plan"}, "free"]}, "x", {"==": [{"var": "n"}, 29]}, "x"]}}}}`)
	assert.Equal(t, "d", ev.Evaluate("f", nil).Variant, "a negated comparison never matches a missing attribute (flagd: x)")
	assert.Equal(t, "d", ev.Evaluate("f", map[string]any{"plan": "free", "n": "29"}).Variant, `"29" is not 29 (flagd: x)`)
	assert.Equal(t, "x", ev.Evaluate("f", map[string]any{"plan": "free", "n": 29}).Variant)
}

func TestDetect(t *testing.T) {
	assert.True(t, flagd.Detect([]byte(`{"flags": {}}`)))
	assert.True(t, flagd.Detect([]byte(`{"$schema": "https://flagd.dev/schema/v0/flags.json", "flags": {"f": {"state": "ENABLED", "variants": {"a": 1}}}}`)))
	assert.False(t, flagd.Detect([]byte(`{"schemaVersion": 1, "flags": {}}`)))
	assert.False(t, flagd.Detect([]byte(`{"flags": {"f": {"type": "boolean", "variants": {"on": true}}}}`)), "a ruleset without its schemaVersion")
	assert.False(t, flagd.Detect([]byte(`[]`)))
}

// TestTestbedFlagsTranslate: the flagd testbed's flag file translates,
// leaving out only the flags whose constructs are not supported yet or are
// invalid, each named. Skips when ../shared/conformance is absent.
func TestTestbedFlagsTranslate(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "conformance", "flagd-testbed", "evaluator", "flags", "testkit-flags.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent; the flagd testbed is not available here", path)
	}
	require.NoError(t, err)
	res, err := flagd.Translate(data, flagd.Options{SkipUntranslatable: true})
	require.NoError(t, err)
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.Flag)
	}
	assert.ElementsMatch(t, []string{
		"fractional-nested-var-flag",        // a bucket's variant read from the context
		"ref-to-nonexistent-evaluator-flag", // invalid: flagd answers PARSE_ERROR
	}, skipped)
	_, err = evaluator.Compile(res.Ruleset)
	require.NoError(t, err)
}

// TestFractionalComputedBuckets: buckets whose variant or weight is an
// "if" expand into one rule per combination, each with its own rollout
// (the flagd testbed's @fractional-nested flags); fractional as the
// condition of an "if" becomes a rollout over the if's results.
func TestFractionalComputedBuckets(t *testing.T) {
	ev := load(t, `{"flags": {
	  "nested-if": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"premium": "premium", "standard": "standard", "fallback": "fallback"},
	    "targeting": {"fractional": [{"var": "targetingKey"},
	      [{"if": [{"==": [{"var": "tier"}, "premium"]}, "premium", "standard"]}, 50], ["standard", 50]]}},
	  "nested-weight": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"red": "red", "blue": "blue", "fallback": "fallback"},
	    "targeting": {"fractional": [{"var": "targetingKey"},
	      ["red", {"if": [{"==": [{"var": "tier"}, "premium"]}, 100, 0]}], ["blue", 10]]}},
	  "as-condition": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"big": "hundreds", "small": "ones", "fallback": "zero"},
	    "targeting": {"if": [{"fractional": [[false, 0], [true, 100]]}, "big", "small"]}},
	  "as-condition-none": {"state": "ENABLED", "defaultVariant": "fallback", "variants": {"big": "hundreds", "small": "ones", "fallback": "zero"},
	    "targeting": {"if": [{"fractional": [[false, 0], [true, 0]]}, "big", "small"]}}}}`)
	for _, tc := range []struct {
		flag, key, tier, want string
	}{
		// The testbed's expectations: jon@company.com falls in the first
		// half, user1 in the second.
		{"nested-if", "jon@company.com", "premium", "premium"},
		{"nested-if", "jon@company.com", "basic", "standard"},
		{"nested-if", "user1", "premium", "standard"},
		{"nested-weight", "jon@company.com", "premium", "red"},
		{"nested-weight", "jon@company.com", "basic", "blue"},
		{"nested-weight", "user1", "basic", "blue"},
		{"as-condition", "some-targeting-key", "", "big"},
		{"as-condition-none", "some-targeting-key", "", "small"}, // null is falsy: the else
	} {
		got := ev.Evaluate(tc.flag, map[string]any{"targetingKey": tc.key, "tier": tc.tier}).Variant
		assert.Equalf(t, tc.want, got, "%s %s %s", tc.flag, tc.key, tc.tier)
	}

	_, err := flagd.Translate([]byte(`{"flags": {"f": {"state": "ENABLED", "variants": {"a": "a", "b": "b"},
	  "targeting": {"fractional": [["a", 1], ["b", 1], ["a", 1]]}}}}`), flagd.Options{})
	assert.ErrorContains(t, err, `variant "a" has two buckets with others between them`)
	res, err := flagd.Translate([]byte(`{"flags": {"f": {"state": "ENABLED", "variants": {"a": "a", "b": "b"},
	  "targeting": {"fractional": [["a", 1], ["a", 2], ["b", 0], ["b", 1]]}}}}`), flagd.Options{})
	require.NoError(t, err)
	ro := res.Ruleset.Flags["f"].Rules[0].Serve.Rollout
	assert.Equal(t, []evaluator.WeightedVariant{{Variant: "a", Weight: 3}, {Variant: "b", Weight: 1}}, ro.Variants, "neighbours merge; zero weights take no share")
}

// TestReviewedEdges pins behaviour found in review: fractional's fallback
// to the flag key and targeting key, a boolean result of == with a
// missing attribute, var names starting with "/", the sum of weights, and
// an empty and.
func TestReviewedEdges(t *testing.T) {
	ev := load(t, `{"flags": {
	  "by-attr": {"state": "ENABLED", "defaultVariant": "d", "variants": {"a": "a", "b": "b", "d": "d"},
	    "targeting": {"fractional": [{"var": "uid"}, ["a", 50], ["b", 50]]}},
	  "by-key": {"state": "ENABLED", "defaultVariant": "d", "variants": {"a": "a", "b": "b", "d": "d"},
	    "targeting": {"fractional": [["a", 50], ["b", 50]]}},
	  "eq": {"state": "ENABLED", "defaultVariant": "true", "variants": {"true": true, "false": false},
	    "targeting": {"==": [{"var": "beta"}, "yes"]}},
	  "slash": {"state": "ENABLED", "defaultVariant": "d", "variants": {"x": "x", "d": "d"},
	    "targeting": {"if": [{"==": [{"var": "/plan"}, "pro"]}, "x", null]}},
	  "empty-and": {"state": "ENABLED", "defaultVariant": "d", "variants": {"x": "x", "d": "d"},
	    "targeting": {"if": [{"and": []}, "x", null]}}}}`)
	// A missing bucketing attribute falls back to flag key + targeting
	// key, as the shorthand buckets; no targeting key either: the default.
	for _, key := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		want := "a"
		if _, bucket := evaluator.FlagdBucket("by-attr", key, 100); bucket >= 50 {
			want = "b"
		}
		assert.Equal(t, want, ev.Evaluate("by-attr", map[string]any{"targetingKey": key}).Variant, key)
		_, byValue := evaluator.FlagdBucket("", "v-"+key, 100)
		want = map[bool]string{true: "a", false: "b"}[byValue < 50]
		assert.Equal(t, want, ev.Evaluate("by-attr", map[string]any{"targetingKey": key, "uid": "v-" + key}).Variant, key)
	}
	for _, flag := range []string{"by-attr", "by-key"} {
		r := ev.Evaluate(flag, map[string]any{})
		assert.Equal(t, "d", r.Variant, flag)
		assert.Equal(t, evaluator.ReasonDefault, r.Reason, flag)
		assert.Empty(t, r.ErrorCode, flag)
	}
	assert.Equal(t, "false", ev.Evaluate("eq", map[string]any{}).Variant, `null == "yes" is false, not null`)
	assert.Equal(t, "true", ev.Evaluate("eq", map[string]any{"beta": "yes"}).Variant)
	assert.Equal(t, "x", ev.Evaluate("slash", map[string]any{"/plan": "pro"}).Variant, `the key "/plan", not a pointer`)
	assert.Equal(t, "d", ev.Evaluate("slash", map[string]any{"plan": "pro"}).Variant)
	assert.Equal(t, "d", ev.Evaluate("empty-and", nil).Variant, "an and of nothing does not hold")

	res, err := flagd.Translate([]byte(`{"flags": {"ok": {"state": "ENABLED", "variants": {"a": 1}},
	  "big": {"state": "ENABLED", "variants": {"a": "a", "b": "b"},
	    "targeting": {"fractional": [["a", 4294967296], ["b", 1]]}}}}`), flagd.Options{SkipUntranslatable: true})
	require.NoError(t, err, "an oversized total is a skippable translation error")
	require.Len(t, res.Skipped, 1)
	assert.Contains(t, res.Skipped[0].Error(), "weights add up to more than 2^32")
}

func TestParseAny(t *testing.T) {
	rs, fromFlagd, skipped, err := flagd.ParseAny([]byte(`{"schemaVersion": 1, "flags": {"f": {"type": "boolean", "variants": {"on": true}, "default": {"variant": "on"}}}}`), flagd.Options{})
	require.NoError(t, err)
	assert.False(t, fromFlagd)
	assert.Empty(t, skipped)
	assert.Contains(t, rs.Flags, "f")

	doc := `{"flags": {"ok": {"state": "ENABLED", "defaultVariant": "a", "variants": {"a": "a"}},
	  "computed": {"state": "ENABLED", "variants": {"a": "a"}, "targeting": {"var": "v"}}}}`
	_, fromFlagd, _, err = flagd.ParseAny([]byte(doc), flagd.Options{})
	assert.True(t, fromFlagd)
	assert.ErrorContains(t, err, "flags.computed.targeting.var")
	rs, _, skipped, err = flagd.ParseAny([]byte(doc), flagd.Options{SkipUntranslatable: true})
	require.NoError(t, err)
	require.Len(t, skipped, 1)
	assert.Equal(t, "computed", skipped[0].Flag)
	assert.Contains(t, rs.Flags, "ok")

	_, fromFlagd, _, err = flagd.ParseAny([]byte(`{"flags": {"f": {"type": "boolean"}}}`), flagd.Options{})
	assert.False(t, fromFlagd, "a ruleset missing its schemaVersion is read, and rejected, as a ruleset")
	assert.ErrorContains(t, err, "schemaVersion")
}
