package evaluator_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
)

// The tests in this file check evaluation (SPEC section 2.1) through the
// public API: every row of the reason table, the error codes, the shape of
// results (values, metadata, trackEvents), ChangedFlags, the accessors, and
// concurrent use.

// reasonsDoc has one flag per situation of SPEC 2.1's reason table.
const reasonsDoc = `{
  "schemaVersion": 1, "tenantId": "acme", "environment": "production", "version": "42",
  "flags": {
    "disabled": {"type": "string", "enabled": false, "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "gate", "variants": ["on"]}],
      "targets": [{"variant": "a", "values": ["user-1"]}],
      "rules": [{"id": "all", "serve": {"variant": "a"}}],
      "default": {"variant": "a"}},
    "disabled-no-off": {"type": "string", "enabled": false, "variants": {"a": "A"}, "default": {"variant": "a"}},
    "gate": {"type": "boolean", "variants": {"on": true, "off": false},
      "rules": [{"id": "open", "conditions": [{"attribute": "gate", "operator": "in", "values": [true]}], "serve": {"variant": "on"}}],
      "default": {"variant": "off"}},
    "prereq": {"type": "string", "variants": {"a": "A", "b": "B", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "gate", "variants": ["on"]}],
      "targets": [{"variant": "b", "values": ["user-1"]}],
      "default": {"variant": "a"}},
    "prereq-no-off": {"type": "string", "variants": {"a": "A"},
      "prerequisites": [{"flag": "gate", "variants": ["on"]}], "default": {"variant": "a"}},
    "prereq-two": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "gate", "variants": ["on", "off"]}, {"flag": "static", "variants": ["a"]}],
      "default": {"variant": "a"}},
    "on-disabled-off": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "disabled", "variants": ["off"]}], "default": {"variant": "a"}},
    "on-disabled-a": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "disabled", "variants": ["a"]}], "default": {"variant": "a"}},
    "on-disabled-no-off": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "disabled-no-off", "variants": ["a"]}], "default": {"variant": "a"}},
    "on-no-default": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "no-default", "variants": ["a"]}], "default": {"variant": "a"}},
    "on-split": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "split-default", "variants": ["a", "b"]}], "default": {"variant": "a"}},
    "chain": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "prereq", "variants": ["a", "b"]}],
      "rules": [{"id": "all", "serve": {"variant": "a"}}]},
    "chain-on-failure": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "prereq", "variants": ["off"]}],
      "rules": [{"id": "all", "serve": {"variant": "a"}}]},
    "chain-3": {"type": "string", "variants": {"a": "A", "off": "OFF"}, "offVariant": "off",
      "prerequisites": [{"flag": "chain", "variants": ["a"]}],
      "rules": [{"id": "all", "serve": {"variant": "a"}}]},
    "targeted": {"type": "string", "variants": {"a": "A", "b": "B", "c": "C"},
      "targets": [{"variant": "b", "values": ["user-1", "user-2"]}, {"variant": "c", "values": ["user-3"]}],
      "rules": [{"id": "everyone", "serve": {"variant": "a"}}]},
    "rules": {"type": "string", "variants": {"a": "A", "b": "B", "c": "C", "d": "D"},
      "rules": [
        {"id": "pro", "conditions": [{"attribute": "plan", "operator": "in", "values": ["pro"]}], "serve": {"variant": "a"}},
        {"id": "de", "conditions": [{"attribute": "country", "operator": "in", "values": ["DE"]}], "serve": {"variant": "b"}},
        {"conditions": [{"attribute": "country", "operator": "in", "values": ["FR"]}], "serve": {"variant": "c"}}
      ],
      "default": {"variant": "d"}},
    "split-rule": {"type": "string", "variants": {"a": "A", "b": "B", "c": "C"},
      "rules": [{"id": "ramp", "conditions": [{"attribute": "beta", "operator": "in", "values": [true]}],
                 "serve": {"rollout": {"variants": [{"variant": "a", "weight": 50}, {"variant": "b", "weight": 50}]}}}],
      "default": {"variant": "c"}},
    "split-default": {"type": "string", "variants": {"a": "A", "b": "B"},
      "default": {"rollout": {"variants": [{"variant": "a", "weight": 30}, {"variant": "b", "weight": 70}], "seed": "s1"}}},
    "split-by": {"type": "string", "variants": {"a": "A", "b": "B"},
      "targets": [{"variant": "a", "values": ["user-1"]}],
      "default": {"rollout": {"variants": [{"variant": "a", "weight": 1}, {"variant": "b", "weight": 1}], "bucketBy": "/org/id"}}},
    "static": {"type": "string", "variants": {"a": "A", "b": "B"}, "default": {"variant": "a"}},
    "default-targets": {"type": "string", "variants": {"a": "A", "b": "B"},
      "targets": [{"variant": "a", "values": ["user-1"]}], "default": {"variant": "b"}},
    "default-rules": {"type": "string", "variants": {"a": "A", "b": "B"},
      "rules": [{"id": "pro", "conditions": [{"attribute": "plan", "operator": "in", "values": ["pro"]}], "serve": {"variant": "a"}}],
      "default": {"variant": "b"}},
    "no-default": {"type": "string", "variants": {"a": "A"},
      "rules": [{"id": "pro", "conditions": [{"attribute": "plan", "operator": "in", "values": ["pro"]}], "serve": {"variant": "a"}}]},
    "no-default-static": {"type": "string", "variants": {"a": "A"}}
  }
}`

// mustLoadDoc loads a ruleset document that must be valid.
func mustLoadDoc(t testing.TB, doc string) *evaluator.Evaluator {
	t.Helper()
	ev, err := evaluator.Load([]byte(doc))
	require.NoErrorf(t, err, "Load(%s)", doc)
	return ev
}

// outcome is the part of a Result that the reason table decides.
type outcome struct {
	Value     any
	Variant   string
	Reason    evaluator.Reason
	RuleID    string
	ErrorCode evaluator.ErrorCode
}

func outcomeOf(r evaluator.Result) outcome {
	return outcome{Value: r.Value, Variant: r.Variant, Reason: r.Reason, RuleID: r.RuleID, ErrorCode: r.ErrorCode}
}

// served is the outcome of serving a variant of a string flag (whose
// values are the upper-case variant names).
func served(variant string, reason evaluator.Reason, ruleID string) outcome {
	return outcome{Value: strings.ToUpper(variant), Variant: variant, Reason: reason, RuleID: ruleID}
}

// callerDefault is the outcome of falling back to the caller's default.
func callerDefault(reason evaluator.Reason) outcome {
	return outcome{Reason: reason}
}

func failed(code evaluator.ErrorCode) outcome {
	return outcome{Reason: evaluator.ReasonError, ErrorCode: code}
}

// rolloutArm computes the variant xxh64-v1 (SPEC 2.2) serves for a
// bucketing value, independently of the evaluator's rollout code.
func rolloutArm(t *testing.T, seed, value string, arms []string, weights []uint64) string {
	t.Helper()
	_, bucket := evaluator.Bucket(seed, value)
	var total, cum uint64
	for _, w := range weights {
		total += w
	}
	for i, w := range weights {
		cum += w
		if bucket*total < cum*evaluator.Buckets {
			return arms[i]
		}
	}
	t.Fatalf("no arm for bucket %d", bucket)
	return ""
}

// TestEvaluateReasons checks every row of SPEC 2.1's reason table and the
// order in which flags are decided.
func TestEvaluateReasons(t *testing.T) {
	ev := mustLoadDoc(t, reasonsDoc)
	const (
		disabled  = evaluator.ReasonDisabled
		prereq    = evaluator.ReasonPrerequisiteFailed
		targeting = evaluator.ReasonTargetingMatch
		split     = evaluator.ReasonSplit
		static    = evaluator.ReasonStatic
		def       = evaluator.ReasonDefault
	)
	gateOpen := map[string]any{"targetingKey": "user-5", "gate": true}
	gateShut := map[string]any{"targetingKey": "user-5", "gate": false}
	splitRule := rolloutArm(t, "split-rule", "user-5", []string{"a", "b"}, []uint64{50, 50})
	splitDefault := rolloutArm(t, "s1", "user-5", []string{"a", "b"}, []uint64{30, 70})
	splitBy := rolloutArm(t, "split-by", "acme", []string{"a", "b"}, []uint64{1, 1})
	splitByInt := rolloutArm(t, "split-by", "42", []string{"a", "b"}, []uint64{1, 1})

	cases := []struct {
		name string
		flag string
		ctx  map[string]any
		want outcome
	}{
		// DISABLED comes first: before prerequisites, targets and rules.
		{"disabled, offVariant", "disabled", gateOpen, served("off", disabled, "")},
		{"disabled beats a failing prerequisite", "disabled", gateShut, served("off", disabled, "")},
		{"disabled beats targets", "disabled", map[string]any{"targetingKey": "user-1", "gate": true}, served("off", disabled, "")},
		{"disabled, no offVariant", "disabled-no-off", gateOpen, callerDefault(disabled)},
		{"disabled, nil context", "disabled", nil, served("off", disabled, "")},

		// Prerequisites come before targets.
		{"prerequisite passes, no target matched", "prereq", gateOpen, served("a", def, "")},
		{"prerequisite passes, then targets", "prereq", map[string]any{"targetingKey": "user-1", "gate": true}, served("b", targeting, "")},
		{"prerequisite failed, offVariant", "prereq", gateShut, served("off", prereq, "")},
		{"prerequisite failed beats targets", "prereq", map[string]any{"targetingKey": "user-1", "gate": false}, served("off", prereq, "")},
		{"prerequisite failed, attribute missing", "prereq", map[string]any{}, served("off", prereq, "")},
		{"prerequisite failed, no offVariant", "prereq-no-off", gateShut, callerDefault(prereq)},
		{"prerequisite passes, no offVariant", "prereq-no-off", gateOpen, served("a", static, "")},
		{"two prerequisites pass", "prereq-two", gateShut, served("a", static, "")},
		// A disabled prerequisite serving its offVariant passes when that
		// variant is listed (README: "Prerequisites ... whatever the
		// reason"), and fails otherwise.
		{"prerequisite on a disabled flag, offVariant listed", "on-disabled-off", gateOpen, served("a", static, "")},
		{"prerequisite on a disabled flag, offVariant not listed", "on-disabled-a", gateOpen, served("off", prereq, "")},
		// A prerequisite that falls back to the caller's default fails.
		{"prerequisite on a disabled flag without offVariant", "on-disabled-no-off", gateOpen, served("off", prereq, "")},
		{"prerequisite serving the caller's default", "on-no-default", map[string]any{"plan": "free"}, served("off", prereq, "")},
		{"prerequisite serving a rule", "on-no-default", map[string]any{"plan": "pro"}, served("a", static, "")},
		{"prerequisite with an evaluation error", "on-split", map[string]any{}, served("off", prereq, "")},
		{"prerequisite with a rollout", "on-split", map[string]any{"targetingKey": "user-5"}, served("a", static, "")},
		// Chains: chain → prereq → gate, chain-3 → chain → prereq → gate.
		{"chain passes", "chain", gateOpen, served("a", targeting, "all")},
		{"chain passes through a target", "chain", map[string]any{"targetingKey": "user-1", "gate": true}, served("a", targeting, "all")},
		{"chain fails at the end", "chain", gateShut, served("off", prereq, "")},
		{"chain accepts a failed prerequisite's offVariant", "chain-on-failure", gateShut, served("a", targeting, "all")},
		{"chain rejects a passed prerequisite", "chain-on-failure", gateOpen, served("off", prereq, "")},
		{"three-level chain passes", "chain-3", gateOpen, served("a", targeting, "all")},
		{"three-level chain fails", "chain-3", gateShut, served("off", prereq, "")},

		// Targets, checked before rules.
		{"target", "targeted", map[string]any{"targetingKey": "user-2"}, served("b", targeting, "")},
		{"second target", "targeted", map[string]any{"targetingKey": "user-3"}, served("c", targeting, "")},
		{"not targeted, rule", "targeted", map[string]any{"targetingKey": "user-4"}, served("a", targeting, "everyone")},
		{"targeting key is case-sensitive", "targeted", map[string]any{"targetingKey": "USER-2"}, served("a", targeting, "everyone")},
		{"targeting key not a string", "targeted", map[string]any{"targetingKey": 1}, served("a", targeting, "everyone")},
		{"no targeting key", "targeted", map[string]any{}, served("a", targeting, "everyone")},

		// Rules: the first matching rule wins.
		{"first rule", "rules", map[string]any{"plan": "pro", "country": "DE"}, served("a", targeting, "pro")},
		{"second rule", "rules", map[string]any{"plan": "free", "country": "DE"}, served("b", targeting, "de")},
		{"rule without id", "rules", map[string]any{"country": "FR"}, served("c", targeting, "")},
		{"no rule, default variant", "rules", map[string]any{"country": "US"}, served("d", def, "")},

		// SPLIT from a rule's and from the default's rollout.
		{"rule rollout", "split-rule", map[string]any{"targetingKey": "user-5", "beta": true}, served(splitRule, split, "ramp")},
		{"rule rollout not reached", "split-rule", map[string]any{"targetingKey": "user-5"}, served("c", def, "")},
		{"default rollout", "split-default", map[string]any{"targetingKey": "user-5"}, served(splitDefault, split, "")},
		{"default rollout by attribute", "split-by", map[string]any{"org": map[string]any{"id": "acme"}}, served(splitBy, split, "")},
		{"default rollout by integer attribute", "split-by", map[string]any{"org": map[string]any{"id": 42}}, served(splitByInt, split, "")},
		{"default rollout by json.Number attribute", "split-by", map[string]any{"org": map[string]any{"id": json.Number("42")}}, served(splitByInt, split, "")},
		{"target before a default rollout", "split-by", map[string]any{"targetingKey": "user-1"}, served("a", targeting, "")},

		// STATIC and DEFAULT.
		{"static", "static", map[string]any{"targetingKey": "user-1"}, served("a", static, "")},
		{"static, nil context", "static", nil, served("a", static, "")},
		{"targets exist, none matched", "default-targets", map[string]any{"targetingKey": "user-2"}, served("b", def, "")},
		{"targets exist, no key", "default-targets", map[string]any{}, served("b", def, "")},
		{"rules exist, none matched", "default-rules", map[string]any{"plan": "free"}, served("b", def, "")},
		{"rules exist, rule matched", "default-rules", map[string]any{"plan": "pro"}, served("a", targeting, "pro")},
		{"no default", "no-default", map[string]any{"plan": "free"}, callerDefault(def)},
		{"no default, no rules", "no-default-static", map[string]any{"targetingKey": "user-1"}, callerDefault(def)},

		// Errors.
		{"unknown flag", "no-such-flag", map[string]any{"targetingKey": "user-1"}, failed(evaluator.ErrorFlagNotFound)},
		{"empty flag key", "", nil, failed(evaluator.ErrorFlagNotFound)},
		{"flag keys are case-sensitive", "Static", nil, failed(evaluator.ErrorFlagNotFound)},
		{"rollout without a targeting key", "split-default", map[string]any{"plan": "pro"}, failed(evaluator.ErrorTargetingKeyMissing)},
		{"rollout with an empty targeting key", "split-default", map[string]any{"targetingKey": ""}, failed(evaluator.ErrorTargetingKeyMissing)},
		{"rule rollout without a targeting key", "split-rule", map[string]any{"beta": true}, failed(evaluator.ErrorTargetingKeyMissing)},
		{"rollout attribute missing", "split-by", map[string]any{"targetingKey": "user-5"}, failed(evaluator.ErrorInvalidContext)},
		{"rollout attribute a boolean", "split-by", map[string]any{"org": map[string]any{"id": true}}, failed(evaluator.ErrorInvalidContext)},
		{"rollout attribute a fraction", "split-by", map[string]any{"org": map[string]any{"id": 1.5}}, failed(evaluator.ErrorInvalidContext)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ev.Evaluate(tc.flag, tc.ctx)
			got := outcomeOf(r)
			assert.Equalf(t, tc.want, got, "Evaluate(%q) = %+v, want %+v", tc.flag, got, tc.want)
			// Every result is consistent whatever the row.
			if r.ErrorCode != evaluator.ErrorNone {
				assert.NotEmpty(t, r.ErrorCode.Message(), "ErrorMessage")
			} else {
				assert.Empty(t, r.ErrorCode.Message(), "ErrorMessage")
			}
			if tc.want.ErrorCode != evaluator.ErrorFlagNotFound {
				assert.Equal(t, evaluator.TypeString, r.FlagType, "FlagType")
			}
			assert.Equal(t, r.Variant == "", r.UsedDefault(), "UsedDefault")
		})
	}
}

// TestEvaluateSplit checks that rollouts follow xxh64-v1 for many keys and
// really split them.
func TestEvaluateSplit(t *testing.T) {
	ev := mustLoadDoc(t, reasonsDoc)
	for _, tc := range []struct {
		flag, seed, ruleID string
		weights            []uint64
		extra              map[string]any
	}{
		{"split-rule", "split-rule", "ramp", []uint64{50, 50}, map[string]any{"beta": true}},
		{"split-default", "s1", "", []uint64{30, 70}, nil},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			counts := map[string]int{}
			for i := range 1000 {
				key := fmt.Sprintf("user-%d", i)
				ctx := map[string]any{"targetingKey": key}
				for k, v := range tc.extra {
					ctx[k] = v
				}
				want := served(rolloutArm(t, tc.seed, key, []string{"a", "b"}, tc.weights), evaluator.ReasonSplit, tc.ruleID)
				got := outcomeOf(ev.Evaluate(tc.flag, ctx))
				require.Equalf(t, want, got, "Evaluate(%q) for %q = %+v, want %+v", tc.flag, key, got, want)
				counts[got.Variant]++
			}
			// 1000 keys: each arm gets its share within a wide margin.
			share := float64(counts["a"]) / 1000
			wantShare := float64(tc.weights[0]) / float64(tc.weights[0]+tc.weights[1])
			assert.InDeltaf(t, wantShare, share, 0.06, "share of a = %v, want about %v (counts %v)", share, wantShare, counts)
		})
	}
}

// typedDoc has a static and a rule-served flag of every type, and disabled
// integer flags.
const typedDoc = `{
  "schemaVersion": 1,
  "flags": {
    "static-boolean": {"type": "boolean", "variants": {"on": true, "off": false}, "default": {"variant": "on"}},
    "static-string": {"type": "string", "variants": {"a": "A"}, "default": {"variant": "a"}},
    "static-integer": {"type": "integer", "variants": {"seven": 7, "big": 9007199254740993}, "default": {"variant": "seven"}},
    "static-float": {"type": "float", "variants": {"half": 0.5, "two": 2}, "default": {"variant": "two"}},
    "static-object": {"type": "object", "variants": {"o": {"k": 1}}, "default": {"variant": "o"}},
    "rule-boolean": {"type": "boolean", "variants": {"on": true, "off": false}, "rules": [{"serve": {"variant": "off"}}]},
    "rule-string": {"type": "string", "variants": {"a": "A"}, "rules": [{"serve": {"variant": "a"}}]},
    "rule-integer": {"type": "integer", "variants": {"seven": 7, "big": 9007199254740993}, "rules": [{"serve": {"variant": "big"}}]},
    "rule-float": {"type": "float", "variants": {"half": 0.5, "two": 2}, "rules": [{"serve": {"variant": "half"}}]},
    "rule-object": {"type": "object", "variants": {"o": [1, "x"]}, "rules": [{"serve": {"variant": "o"}}]},
    "disabled-integer": {"type": "integer", "enabled": false, "variants": {"seven": 7}, "offVariant": "seven"},
    "disabled-integer-no-off": {"type": "integer", "enabled": false, "variants": {"seven": 7}, "default": {"variant": "seven"}}
  }
}`

// TestEvaluateAsTypes checks TYPE_MISMATCH for every pair of flag type and
// requested type, and the Go type of every value.
func TestEvaluateAsTypes(t *testing.T) {
	ev := mustLoadDoc(t, typedDoc)
	types := []evaluator.FlagType{evaluator.TypeBoolean, evaluator.TypeString, evaluator.TypeInteger, evaluator.TypeFloat, evaluator.TypeObject}
	values := map[string]any{
		"static-boolean": true, "static-string": "A", "static-integer": int64(7), "static-float": float64(2), "static-object": map[string]any{"k": float64(1)},
		"rule-boolean": false, "rule-string": "A", "rule-integer": int64(9007199254740993), "rule-float": 0.5, "rule-object": []any{float64(1), "x"},
	}
	for _, prefix := range []string{"static-", "rule-"} {
		for _, typ := range types {
			flag := prefix + typ.String()
			for _, want := range append([]evaluator.FlagType{0}, types...) {
				t.Run(fmt.Sprintf("%s as %q", flag, want), func(t *testing.T) {
					r := ev.EvaluateAs(flag, want, nil)
					assert.Equal(t, typ, r.FlagType, "FlagType")
					switch {
					case want == 0 || want == typ:
						assert.Equalf(t, values[flag], r.Value, "EvaluateAs(%q, %q) = %#v, want %#v", flag, want, r.Value, values[flag])
						assert.Equal(t, evaluator.ErrorNone, r.ErrorCode)
						assert.NotEmpty(t, r.Variant)
					case typ == evaluator.TypeInteger && want == evaluator.TypeFloat:
						// Integer flags may be read as float: the value is a float64.
						wantValue := float64(values[flag].(int64))
						assert.Equalf(t, wantValue, r.Value, "EvaluateAs(%q, %q) = %#v, want %#v", flag, want, r.Value, wantValue)
						assert.Equal(t, evaluator.ErrorNone, r.ErrorCode)
						assert.NotEmpty(t, r.Variant)
					default:
						// Including a float flag read as an integer: whole
						// floats are never silently truncated.
						got := outcomeOf(r)
						assert.Equalf(t, failed(evaluator.ErrorTypeMismatch), got, "EvaluateAs(%q, %q) = %+v, want TYPE_MISMATCH", flag, want, got)
						assert.NotEmpty(t, r.ErrorCode.Message())
					}
				})
			}
		}
	}
	t.Run("disabled integer as float", func(t *testing.T) {
		r := ev.EvaluateAs("disabled-integer", evaluator.TypeFloat, nil)
		want := outcome{Value: float64(7), Variant: "seven", Reason: evaluator.ReasonDisabled}
		assert.Equalf(t, want, outcomeOf(r), "EvaluateAs(%q, float) = %+v, want %+v", "disabled-integer", outcomeOf(r), want)
		r = ev.EvaluateAs("disabled-integer", evaluator.TypeInteger, nil)
		want = outcome{Value: int64(7), Variant: "seven", Reason: evaluator.ReasonDisabled}
		assert.Equalf(t, want, outcomeOf(r), "EvaluateAs(%q, integer) = %+v, want %+v", "disabled-integer", outcomeOf(r), want)
		r = ev.EvaluateAs("disabled-integer-no-off", evaluator.TypeFloat, nil)
		assert.Equalf(t, callerDefault(evaluator.ReasonDisabled), outcomeOf(r), "EvaluateAs(%q, float) = %+v", "disabled-integer-no-off", outcomeOf(r))
	})
	t.Run("unknown flag as any type", func(t *testing.T) {
		for _, want := range types {
			r := ev.EvaluateAs("missing", want, nil)
			assert.Equalf(t, failed(evaluator.ErrorFlagNotFound), outcomeOf(r), "EvaluateAs(%q, %q) = %+v", "missing", want, outcomeOf(r))
			assert.Equal(t, evaluator.FlagType(0), r.FlagType)
		}
	})
}

// TestEvaluateIntegerValuesAreInt64 checks that integer values are int64
// whatever Go type the ruleset was built with.
func TestEvaluateIntegerValuesAreInt64(t *testing.T) {
	rs := &evaluator.Ruleset{
		SchemaVersion: 1,
		Flags: map[string]evaluator.Flag{
			"n": {Type: evaluator.TypeInteger, Variants: map[string]any{
				"int": 1, "int8": int8(-2), "uint32": uint32(3), "uint64": uint64(4), "float": 5.0, "json": json.Number("6"),
			}, Rules: []evaluator.Rule{
				{Conditions: []evaluator.Condition{{Attribute: "v", Operator: evaluator.OpIn, Values: []any{"int"}}}, Serve: evaluator.Serve{Variant: "int"}},
				{Conditions: []evaluator.Condition{{Attribute: "v", Operator: evaluator.OpIn, Values: []any{"int8"}}}, Serve: evaluator.Serve{Variant: "int8"}},
				{Conditions: []evaluator.Condition{{Attribute: "v", Operator: evaluator.OpIn, Values: []any{"uint32"}}}, Serve: evaluator.Serve{Variant: "uint32"}},
				{Conditions: []evaluator.Condition{{Attribute: "v", Operator: evaluator.OpIn, Values: []any{"uint64"}}}, Serve: evaluator.Serve{Variant: "uint64"}},
				{Conditions: []evaluator.Condition{{Attribute: "v", Operator: evaluator.OpIn, Values: []any{"float"}}}, Serve: evaluator.Serve{Variant: "float"}},
				{Conditions: []evaluator.Condition{{Attribute: "v", Operator: evaluator.OpIn, Values: []any{"json"}}}, Serve: evaluator.Serve{Variant: "json"}},
			}},
		},
	}
	ev, err := evaluator.Compile(rs)
	require.NoError(t, err)
	for variant, want := range map[string]int64{"int": 1, "int8": -2, "uint32": 3, "uint64": 4, "float": 5, "json": 6} {
		r := ev.Evaluate("n", map[string]any{"v": variant})
		require.Equal(t, variant, r.Variant)
		assert.Equalf(t, want, r.Value, "Evaluate(%q) for %s = %#v, want int64(%d)", "n", variant, r.Value, want)
		r = ev.EvaluateAs("n", evaluator.TypeFloat, map[string]any{"v": variant})
		assert.Equalf(t, float64(want), r.Value, "EvaluateAs(%q, float) for %s = %#v, want float64(%d)", "n", variant, r.Value, want)
	}
}

// TestEvaluateObjectValues checks that object values come in encoding/json's
// shape and as deep copies the caller may modify.
func TestEvaluateObjectValues(t *testing.T) {
	const value = `{"limits": {"max": 10, "ratio": 0.5, "big": 12345678901}, "tags": ["a", {"b": [1, 2]}], "on": true, "none": null, "s": "x"}`
	doc := `{"schemaVersion": 1, "flags": {
	  "static": {"type": "object", "variants": {"v": ` + value + `}, "default": {"variant": "v"}},
	  "rule": {"type": "object", "variants": {"v": ` + value + `, "w": {}}, "rules": [{"id": "r", "serve": {"variant": "v"}}]},
	  "array": {"type": "object", "variants": {"v": [1, "two", [3]]}, "default": {"variant": "v"}}}}`
	ev := mustLoadDoc(t, doc)
	var want any
	require.NoError(t, json.Unmarshal([]byte(value), &want))
	var wantArray any
	require.NoError(t, json.Unmarshal([]byte(`[1, "two", [3]]`), &wantArray))

	for flag, wantValue := range map[string]any{"static": want, "rule": want, "array": wantArray} {
		t.Run(flag, func(t *testing.T) {
			r := ev.Evaluate(flag, nil)
			require.Equalf(t, wantValue, r.Value, "Evaluate(%q) = %#v, want %#v", flag, r.Value, wantValue)
			// Mutate everything reachable.
			mutateJSON(r.Value)
			again := ev.Evaluate(flag, nil)
			assert.Equalf(t, wantValue, again.Value, "Evaluate(%q) after mutating an earlier result = %#v, want %#v", flag, again.Value, wantValue)
			r2 := ev.EvaluateAs(flag, evaluator.TypeObject, nil)
			assert.Equalf(t, wantValue, r2.Value, "EvaluateAs(%q, object) after mutating an earlier result = %#v, want %#v", flag, r2.Value, wantValue)
		})
	}

	// Two results share nothing.
	a := ev.Evaluate("static", nil).Value.(map[string]any)
	b := ev.Evaluate("static", nil).Value.(map[string]any)
	a["limits"].(map[string]any)["max"] = float64(99)
	assert.Equal(t, float64(10), b["limits"].(map[string]any)["max"], "Evaluate(%q): results share a nested map", "static")

	// A Go ruleset's object values come back in encoding/json's shape too.
	rs := &evaluator.Ruleset{SchemaVersion: 1, Flags: map[string]evaluator.Flag{
		"o": {Type: evaluator.TypeObject, Variants: map[string]any{"v": map[string]any{"i": 3, "u": uint8(4), "n": json.Number("5"), "l": []any{int64(6)}}}, Default: &evaluator.Serve{Variant: "v"}},
	}}
	goEv, err := evaluator.Compile(rs)
	require.NoError(t, err)
	got := goEv.Evaluate("o", nil).Value
	wantGo := map[string]any{"i": float64(3), "u": float64(4), "n": float64(5), "l": []any{float64(6)}}
	assert.Equalf(t, wantGo, got, "Evaluate(%q) = %#v, want %#v", "o", got, wantGo)
}

// mutateJSON changes every map and slice reachable from v.
func mutateJSON(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			mutateJSON(e)
			t[k] = "mutated"
		}
		t["added"] = true
	case []any:
		for i, e := range t {
			mutateJSON(e)
			t[i] = "mutated"
		}
	}
}

// TestEvaluateMetadata checks flag metadata: whole numbers as int64,
// fractions as float64, plus the ruleset's tenant, environment and version, and ruleId when a rule with an
// id served.
func TestEvaluateMetadata(t *testing.T) {
	ev := mustLoadDoc(t, `{"schemaVersion": 1, "version": "v-7", "flags": {
	  "f": {"type": "boolean", "variants": {"on": true, "off": false},
	        "rules": [{"id": "staff", "conditions": [{"attribute": "staff", "operator": "in", "values": [true]}], "serve": {"variant": "on"}},
	                  {"conditions": [{"attribute": "beta", "operator": "in", "values": [true]}], "serve": {"variant": "on"}}],
	        "default": {"variant": "off"},
	        "metadata": {"owner": "payments", "ticket": 1234, "ratio": 0.25, "whole": 3.0, "exp": 1e3, "neg": -2, "live": true}},
	  "bare": {"type": "boolean", "variants": {"on": true}, "default": {"variant": "on"}}}}`)
	flagMeta := map[string]any{
		"owner": "payments", "ticket": int64(1234), "ratio": 0.25, "whole": int64(3), "exp": int64(1000), "neg": int64(-2), "live": true,
		"rulesetVersion": "v-7",
	}
	ruleMeta := map[string]any{"ruleId": "staff"}
	for k, v := range flagMeta {
		ruleMeta[k] = v
	}
	cases := []struct {
		name string
		flag string
		ctx  map[string]any
		typ  evaluator.FlagType
		want map[string]any
	}{
		{"default", "f", nil, 0, flagMeta},
		{"rule with id", "f", map[string]any{"staff": true}, 0, ruleMeta},
		{"rule without id", "f", map[string]any{"beta": true}, 0, flagMeta},
		{"no metadata", "bare", nil, 0, map[string]any{"rulesetVersion": "v-7"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ev.EvaluateAs(tc.flag, tc.typ, tc.ctx)
			assert.Equalf(t, tc.want, r.Metadata, "EvaluateAs(%q, %q).Metadata = %#v, want %#v", tc.flag, tc.typ, r.Metadata, tc.want)
		})
	}

	// The ruleset's tenant and environment are added like its version.
	named := mustLoadDoc(t, `{"schemaVersion": 1, "tenantId": "acme", "environment": "production", "flags": {"f": {"type": "boolean", "variants": {"on": true}, "default": {"variant": "on"}}}}`)
	want := map[string]any{"rulesetTenantId": "acme", "rulesetEnvironment": "production"}
	r := named.Evaluate("f", nil)
	assert.Equalf(t, want, r.Metadata, "Evaluate(%q).Metadata = %#v, want %#v", "f", r.Metadata, want)

	// Without metadata, tenant, environment or version there is nothing to report.
	bare := mustLoadDoc(t, `{"schemaVersion": 1, "flags": {"f": {"type": "boolean", "variants": {"on": true}, "default": {"variant": "on"}}}}`)
	r = bare.Evaluate("f", nil)
	assert.Emptyf(t, r.Metadata, "Evaluate(%q).Metadata = %#v, want empty", "f", r.Metadata)
}

// TestEvaluateTrackEvents checks trackEvents from the flag and from the
// rule that served.
func TestEvaluateTrackEvents(t *testing.T) {
	ev := mustLoadDoc(t, `{"schemaVersion": 1, "flags": {
	  "tracked": {"type": "boolean", "trackEvents": true, "variants": {"on": true, "off": false},
	              "rules": [{"id": "r", "conditions": [{"attribute": "beta", "operator": "in", "values": [true]}], "serve": {"variant": "on"}}],
	              "default": {"variant": "off"}},
	  "tracked-static": {"type": "boolean", "trackEvents": true, "variants": {"on": true}, "default": {"variant": "on"}},
	  "tracked-disabled": {"type": "boolean", "trackEvents": true, "enabled": false, "variants": {"on": true}},
	  "rule-tracked": {"type": "boolean", "variants": {"on": true, "off": false},
	              "targets": [{"variant": "on", "values": ["user-1"]}],
	              "rules": [{"id": "t", "trackEvents": true, "conditions": [{"attribute": "beta", "operator": "in", "values": [true]}], "serve": {"variant": "on"}},
	                        {"id": "u", "conditions": [{"attribute": "plan", "operator": "in", "values": ["pro"]}], "serve": {"variant": "on"}}],
	              "default": {"variant": "off"}},
	  "untracked": {"type": "boolean", "variants": {"on": true}, "default": {"variant": "on"}}}}`)
	cases := []struct {
		flag string
		ctx  map[string]any
		want bool
	}{
		{"tracked", map[string]any{"beta": true}, true},
		{"tracked", nil, true},
		{"tracked-static", nil, true},
		{"tracked-disabled", nil, true},
		{"rule-tracked", map[string]any{"beta": true}, true},
		{"rule-tracked", map[string]any{"beta": true, "targetingKey": "user-1"}, false}, // a target served, not the rule
		{"rule-tracked", map[string]any{"plan": "pro"}, false},
		{"rule-tracked", nil, false},
		{"untracked", nil, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %v", tc.flag, tc.ctx), func(t *testing.T) {
			r := ev.Evaluate(tc.flag, tc.ctx)
			assert.Equalf(t, tc.want, r.TrackEvents, "Evaluate(%q).TrackEvents = %v, want %v", tc.flag, r.TrackEvents, tc.want)
		})
	}
}

// changedBase is the old ruleset of TestChangedFlags.
const changedBase = `{"schemaVersion": 1, "version": "1", "flags": {
  "value": {"type": "string", "variants": {"a": "A"}, "default": {"variant": "a"}},
  "segmented": {"type": "boolean", "variants": {"on": true, "off": false},
                "rules": [{"conditions": [{"operator": "inSegment", "values": ["beta"]}], "serve": {"variant": "on"}}], "default": {"variant": "off"}},
  "dependent": {"type": "boolean", "variants": {"on": true, "off": false}, "offVariant": "off",
                "prerequisites": [{"flag": "base", "variants": ["on"]}], "default": {"variant": "on"}},
  "transitive": {"type": "boolean", "variants": {"on": true, "off": false}, "offVariant": "off",
                "prerequisites": [{"flag": "dependent", "variants": ["on"]}], "default": {"variant": "on"}},
  "base": {"type": "boolean", "variants": {"on": true, "off": false}, "default": {"variant": "on"}},
  "unchanged": {"type": "boolean", "variants": {"on": true, "off": false},
                "rules": [{"conditions": [{"operator": "inSegment", "values": ["other"]}], "serve": {"variant": "on"}}], "default": {"variant": "off"}},
  "removed": {"type": "boolean", "variants": {"on": true}}
}, "segments": {
  "beta": {"included": ["u1", "u2"], "rules": [{"conditions": [{"attribute": "plan", "operator": "in", "values": ["pro"]}]}]},
  "other": {"included": ["u3"]},
  "unused": {"included": ["u4"]}
}}`

// TestChangedFlags checks that ChangedFlags lists exactly the flags added,
// removed or changed, directly or through a segment or a prerequisite.
func TestChangedFlags(t *testing.T) {
	old := mustLoadDoc(t, changedBase)
	cases := []struct {
		name string
		edit func(doc string) string
		want []string
	}{
		{"identical", func(d string) string { return d }, nil},
		{"reformatted", func(d string) string {
			return strings.NewReplacer("\n", " ", `"u1", "u2"`, `"u2", "u1"`).Replace(d)
		}, nil},
		{"unused segment changed", func(d string) string { return strings.Replace(d, `"u4"`, `"u5"`, 1) }, nil},
		{"value changed", func(d string) string { return strings.Replace(d, `{"a": "A"}`, `{"a": "B"}`, 1) }, []string{"value"}},
		{"flag added", func(d string) string {
			return strings.Replace(d, `"flags": {`, `"flags": {"added": {"type": "boolean", "variants": {"on": true}},`, 1)
		}, []string{"added"}},
		{"flag removed", func(d string) string {
			return strings.Replace(d, `,
  "removed": {"type": "boolean", "variants": {"on": true}}`, "", 1)
		}, []string{"removed"}},
		{"segment included changed", func(d string) string { return strings.Replace(d, `"u1", "u2"`, `"u1"`, 1) }, []string{"segmented"}},
		{"segment rule changed", func(d string) string { return strings.Replace(d, `["pro"]}]}]`, `["team"]}]}]`, 1) }, []string{"segmented"}},
		{"prerequisite changed", func(d string) string {
			return strings.Replace(d, `"base": {"type": "boolean", "variants": {"on": true, "off": false}, "default": {"variant": "on"}}`,
				`"base": {"type": "boolean", "variants": {"on": true, "off": false}, "default": {"variant": "off"}}`, 1)
		}, []string{"base", "dependent", "transitive"}},
		{"flag disabled", func(d string) string {
			return strings.Replace(d, `"value": {"type": "string",`, `"value": {"type": "string", "enabled": false,`, 1)
		}, []string{"value"}},
		{"several", func(d string) string {
			d = strings.Replace(d, `{"a": "A"}`, `{"a": "B"}`, 1)
			d = strings.Replace(d, `"u3"`, `"u9"`, 1)
			return strings.Replace(d, `"flags": {`, `"flags": {"zz": {"type": "boolean", "variants": {"on": true}},`, 1)
		}, []string{"unchanged", "value", "zz"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.edit(changedBase)
			if tc.want != nil {
				require.NotEqual(t, changedBase, doc, "the edit changed nothing")
			}
			next := mustLoadDoc(t, doc)
			got := evaluator.ChangedFlags(old, next)
			assert.Equalf(t, tc.want, got, "ChangedFlags(old, %s) = %v, want %v", tc.name, got, tc.want)
			// The relation is symmetric.
			back := evaluator.ChangedFlags(next, old)
			assert.Equalf(t, tc.want, back, "ChangedFlags(%s, old) = %v, want %v", tc.name, back, tc.want)
		})
	}
	t.Run("nil evaluators", func(t *testing.T) {
		all := old.Keys()
		assert.Equal(t, all, evaluator.ChangedFlags(nil, old))
		assert.Equal(t, all, evaluator.ChangedFlags(old, nil))
		assert.Empty(t, evaluator.ChangedFlags(nil, nil))
		assert.Empty(t, evaluator.ChangedFlags(old, old))
	})
}

// TestEvaluatorAccessors checks Version, TenantID, Environment, Keys and
// FlagType, on a loaded and on a nil Evaluator.
func TestEvaluatorAccessors(t *testing.T) {
	ev := mustLoadDoc(t, reasonsDoc)
	assert.Equal(t, "42", ev.Version())
	assert.Equal(t, "acme", ev.TenantID())
	assert.Equal(t, "production", ev.Environment())

	keys := ev.Keys()
	var doc struct{ Flags map[string]json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(reasonsDoc), &doc))
	require.Len(t, keys, len(doc.Flags))
	assert.IsIncreasing(t, keys, "Keys() is sorted")
	for _, k := range keys {
		assert.Contains(t, doc.Flags, k)
	}
	// The caller owns the slice.
	keys[0] = "mutated"
	assert.NotEqual(t, "mutated", ev.Keys()[0], "Keys() returned a shared slice")

	typed := mustLoadDoc(t, typedDoc)
	for key, want := range map[string]evaluator.FlagType{
		"static-boolean": evaluator.TypeBoolean, "static-string": evaluator.TypeString, "static-integer": evaluator.TypeInteger,
		"static-float": evaluator.TypeFloat, "static-object": evaluator.TypeObject, "missing": 0,
	} {
		assert.Equalf(t, want, typed.FlagType(key), "FlagType(%q)", key)
	}

	fixture := mustLoadDoc(t, `{"schemaVersion": 1}`)
	assert.Equal(t, "", fixture.Version())
	assert.Equal(t, "", fixture.TenantID())
	assert.Equal(t, "", fixture.Environment())
	assert.Empty(t, fixture.Keys())

	var none *evaluator.Evaluator
	assert.Equal(t, "", none.Version())
	assert.Equal(t, "", none.TenantID())
	assert.Equal(t, "", none.Environment())
	assert.Nil(t, none.Keys())
	assert.Equal(t, evaluator.FlagType(0), none.FlagType("static"))
}

// TestEvaluateNilEvaluator checks that a nil *Evaluator (no ruleset yet)
// answers PROVIDER_NOT_READY.
func TestEvaluateNilEvaluator(t *testing.T) {
	var ev *evaluator.Evaluator
	for _, want := range []evaluator.FlagType{0, evaluator.TypeBoolean, evaluator.TypeObject} {
		r := ev.EvaluateAs("static", want, map[string]any{"targetingKey": "user-1"})
		assert.Equalf(t, failed(evaluator.ErrorProviderNotReady), outcomeOf(r), "EvaluateAs(%q, %q) on nil = %+v", "static", want, outcomeOf(r))
		assert.NotEmpty(t, r.ErrorCode.Message())
		assert.True(t, r.UsedDefault())
	}
	r := ev.Evaluate("static", nil)
	assert.Equalf(t, failed(evaluator.ErrorProviderNotReady), outcomeOf(r), "Evaluate(%q) on nil = %+v", "static", outcomeOf(r))
}

// TestEvaluateConcurrent evaluates from many goroutines (run with -race)
// and checks that every result equals the serial one.
func TestEvaluateConcurrent(t *testing.T) {
	ev := mustLoadDoc(t, reasonsDoc)
	objects := mustLoadDoc(t, `{"schemaVersion": 1, "flags": {
	  "o": {"type": "object", "variants": {"v": {"a": [1, {"b": 2}]}}, "rules": [{"id": "r", "conditions": [{"attribute": "gate", "operator": "in", "values": [true]}], "serve": {"variant": "v"}}], "default": {"variant": "v"}}}}`)
	var contexts []map[string]any
	for i := range 20 {
		contexts = append(contexts, map[string]any{
			"targetingKey": fmt.Sprintf("user-%d", i),
			"gate":         i%2 == 0,
			"beta":         i%3 == 0,
			"plan":         []string{"pro", "free"}[i%2],
			"country":      []any{"DE", "FR", "US"}[i%3],
			"org":          map[string]any{"id": i},
		})
	}
	contexts = append(contexts, nil, map[string]any{})
	type call struct {
		ev   *evaluator.Evaluator
		flag string
		typ  evaluator.FlagType
		ctx  map[string]any
	}
	var calls []call
	for _, ctx := range contexts {
		for _, flag := range append(ev.Keys(), "missing") {
			calls = append(calls, call{ev, flag, 0, ctx}, call{ev, flag, evaluator.TypeBoolean, ctx})
		}
		calls = append(calls, call{objects, "o", 0, ctx})
	}
	serial := make([]evaluator.Result, len(calls))
	for i, c := range calls {
		serial[i] = c.ev.EvaluateAs(c.flag, c.typ, c.ctx)
	}

	const goroutines = 32
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for j := range calls {
					i := (j + g*7 + round) % len(calls) // every goroutine in its own order
					c := calls[i]
					got := c.ev.EvaluateAs(c.flag, c.typ, c.ctx)
					if !assert.Equalf(t, serial[i], got, "Evaluate(%q) = %+v, want %+v", c.flag, got, serial[i]) {
						return
					}
					if m, ok := got.Value.(map[string]any); ok {
						m["scribble"] = g // results are the caller's to modify
					}
				}
			}
		}()
	}
	wg.Wait()
}
