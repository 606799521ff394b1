package evaluator_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
)

func loadQuickstart(t *testing.T) *evaluator.Evaluator {
	t.Helper()
	data, err := os.ReadFile("../examples/quickstart/flags.json")
	require.NoError(t, err)
	ev, err := evaluator.Load(data)
	require.NoError(t, err)
	return ev
}

func TestExplainMissesFirstRuleHitsSecond(t *testing.T) {
	ev := loadQuickstart(t)
	ctx := map[string]any{"targetingKey": "user-42", "email": "ann@example.com", "country": "DE", "plan": "enterprise"}
	x := ev.Explain("new-checkout", ctx)
	res := ev.Evaluate("new-checkout", ctx)
	assert.Equal(t, res.Variant, x.Variant, "Explain agrees with Evaluate")
	assert.Equal(t, res.Reason, x.Reason)
	assert.Equal(t, res.RuleID, x.RuleID)
	assert.Equal(t, "quickstart-1", x.RulesetVersion)
	require.Len(t, x.Prerequisites, 1)
	assert.True(t, x.Prerequisites[0].Satisfied)
	require.Len(t, x.Rules, 2, "the first rule misses, the second is tried: %s", x)
	assert.False(t, x.Rules[0].Matched)
	assert.Equal(t, evaluator.OutcomeNotMatched, x.Rules[0].Conditions[0].Outcome)
	assert.True(t, x.Rules[1].Matched)
	require.Len(t, x.Rules[1].Conditions, 2)
	assert.Equal(t, evaluator.OutcomeMatched, x.Rules[1].Conditions[0].Outcome)
	require.Len(t, x.Rules[1].Conditions[0].Segments, 1)
	assert.True(t, x.Rules[1].Conditions[0].Segments[0].In)
	ro := x.Rules[1].Serve.Rollout
	require.NotNil(t, ro)
	assert.Equal(t, []evaluator.WeightRange{{Variant: "on", Weight: 20, From: 0, To: 20000}, {Variant: "off", Weight: 80, From: 20000, To: 100000}}, ro.Ranges)
	s := x.String()
	assert.Contains(t, s, "rules[0] staff: not matched\n")
	assert.Contains(t, s, "email endsWith: not matched\n")
	assert.Contains(t, s, "rules[1] beta-eu: matched\n")
	assert.NotContains(t, s, "ann@example.com", "no context values unless asked")
	b, err := json.Marshal(x)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "ann@example.com")
	assert.Contains(t, string(b), `"reason":"SPLIT"`)

	shown := ev.ExplainWith("new-checkout", ctx, evaluator.ExplainOptions{ShowValues: true})
	assert.Contains(t, shown.String(), "ann@example.com", "ShowValues shows them")
}

func TestExplainOutcomes(t *testing.T) {
	ev := loadQuickstart(t)
	x := ev.Explain("new-checkout", map[string]any{"targetingKey": "user-42", "email": 7})
	require.NotEmpty(t, x.Rules)
	assert.Equal(t, evaluator.OutcomeTypeMismatch, x.Rules[0].Conditions[0].Outcome, "%s", x)
	x = ev.Explain("new-checkout", map[string]any{"targetingKey": "user-42"})
	assert.Equal(t, evaluator.OutcomeAttributeMissing, x.Rules[0].Conditions[0].Outcome, "%s", x)
	x = ev.Explain("new-checkout", map[string]any{"targetingKey": "user-1"})
	require.NotNil(t, x.Target)
	assert.Equal(t, "on", x.Target.Variant)
	x = ev.Explain("nope", nil)
	assert.False(t, x.Found)
	assert.Equal(t, evaluator.ErrorFlagNotFound, x.ErrorCode)
	assert.True(t, strings.HasPrefix(x.String(), `flag "nope"`))
	x = ev.Explain("legacy-export", nil)
	assert.False(t, x.Enabled)
	assert.Equal(t, evaluator.ReasonDisabled, x.Reason)
}

// TestExplainBucketInItsRange: for both rollout algorithms and many keys,
// the bucket Explain reports lies in the range of the variant it serves,
// and that variant is the one Evaluate serves.
func TestExplainBucketInItsRange(t *testing.T) {
	for _, alg := range []string{evaluator.BucketAlgorithm, evaluator.BucketAlgorithmFlagd} {
		ev, err := evaluator.Load([]byte(`{"schemaVersion": 1, "flags": {"f": {"type": "string",
		  "variants": {"a": "a", "b": "b", "c": "c"},
		  "default": {"rollout": {"algorithm": "` + alg + `", "variants": [
		    {"variant": "a", "weight": 17}, {"variant": "b", "weight": 50}, {"variant": "c", "weight": 33}]}}}}}`))
		require.NoError(t, err)
		for i := range 300 {
			ctx := map[string]any{"targetingKey": fmt.Sprintf("user-%d", i)}
			x := ev.Explain("f", ctx)
			ro := x.Default.Rollout
			require.NotNil(t, ro, "%s: %s", alg, x)
			want := ev.Evaluate("f", ctx).Variant
			require.Equal(t, want, x.Default.Variant)
			var hit string
			for _, r := range ro.Ranges {
				if ro.Bucket >= r.From && ro.Bucket < r.To {
					hit = r.Variant
				}
			}
			require.Equalf(t, want, hit, "%s: bucket %d of %d, ranges %+v", alg, ro.Bucket, ro.Buckets, ro.Ranges)
			require.Less(t, ro.Bucket, ro.Buckets)
			require.Equal(t, alg, ro.Algorithm)
		}
	}
}

// TestExplainShowValuesKeepsPrivateValues: with ShowValues, an attribute
// the context marks private (by name or pointer) and the targeting key of
// an anonymous context are never shown; other values are.
func TestExplainShowValuesKeepsPrivateValues(t *testing.T) {
	ev, err := evaluator.Load([]byte(`{"schemaVersion": 1, "flags": {"f": {"type": "boolean",
	  "variants": {"on": true, "off": false}, "default": {"variant": "off"},
	  "rules": [{"conditions": [
	    {"attribute": "plan", "operator": "in", "values": ["pro"]},
	    {"attribute": "email", "operator": "endsWith", "values": ["@private.com"]},
	    {"attribute": "/address/street", "operator": "exists"},
	    {"attribute": "targetingKey", "operator": "exists"}], "serve": {"variant": "on"}}]}}}`))
	require.NoError(t, err)
	opts := evaluator.ExplainOptions{ShowValues: true}
	ctx := map[string]any{"targetingKey": "user-secret-key", "email": "alice@private.com", "plan": "pro",
		"address": map[string]any{"street": "Secret Street 1"}, "anonymous": true,
		"privateAttributes": []any{"email", "/address"}}
	x := ev.ExplainWith("f", ctx, opts)
	out := x.String()
	data, err := json.Marshal(x)
	require.NoError(t, err)
	for _, secret := range []string{"alice@private.com", "Secret Street 1", "user-secret-key"} {
		assert.NotContains(t, out, secret)
		assert.NotContains(t, string(data), secret)
	}
	assert.Equal(t, 3, strings.Count(out, "(value private)"), out)
	assert.Contains(t, out, "(value pro)", "values not marked private are shown")
}
