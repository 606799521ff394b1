package evaluator_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
)

func TestCloneSharesNothing(t *testing.T) {
	on := true
	orig := &evaluator.Ruleset{
		SchemaVersion: 1, Version: "7",
		Flags: map[string]evaluator.Flag{"f": {
			Type: evaluator.TypeObject, Enabled: &on,
			Variants:      map[string]any{"a": map[string]any{"list": []any{1.0, map[string]any{"x": "y"}}}},
			Prerequisites: []evaluator.Prerequisite{{Flag: "g", Variants: []string{"on"}}},
			Targets:       []evaluator.Target{{Variant: "a", Values: []string{"u1"}}},
			Rules: []evaluator.Rule{{ID: "r", Conditions: []evaluator.Condition{{Attribute: "plan", Operator: evaluator.OpIn, Values: []any{"pro", []any{"nested"}}}},
				Serve: evaluator.Serve{Rollout: &evaluator.Rollout{Variants: []evaluator.WeightedVariant{{Variant: "a", Weight: 1}}}}}},
			Default:  &evaluator.Serve{Variant: "a"},
			Metadata: map[string]any{"owner": "payments"},
		}},
		Segments: map[string]evaluator.Segment{"s": {Included: []string{"u2"}, Excluded: []string{"u3"},
			Rules: []evaluator.SegmentRule{{Conditions: []evaluator.Condition{{Attribute: "plan", Operator: evaluator.OpIn, Values: []any{"x"}}}}}}},
	}
	c := orig.Clone()
	require.Equal(t, orig, c)

	// Change every level of the copy; the original must not move.
	f := c.Flags["f"]
	*f.Enabled = false
	f.Variants["a"].(map[string]any)["list"].([]any)[1].(map[string]any)["x"] = "changed"
	f.Prerequisites[0].Variants[0] = "changed"
	f.Targets[0].Values[0] = "changed"
	f.Rules[0].Conditions[0].Values[1].([]any)[0] = "changed"
	f.Rules[0].Serve.Rollout.Variants[0].Weight = 99
	f.Default.Variant = "changed"
	f.Metadata["owner"] = "changed"
	s := c.Segments["s"]
	s.Included[0], s.Excluded[0] = "changed", "changed"
	s.Rules[0].Conditions[0].Values[0] = "changed"
	c.Flags["new"] = evaluator.Flag{}

	o := orig.Flags["f"]
	assert.True(t, *o.Enabled)
	assert.Equal(t, "y", o.Variants["a"].(map[string]any)["list"].([]any)[1].(map[string]any)["x"])
	assert.Equal(t, "on", o.Prerequisites[0].Variants[0])
	assert.Equal(t, "u1", o.Targets[0].Values[0])
	assert.Equal(t, "nested", o.Rules[0].Conditions[0].Values[1].([]any)[0])
	assert.Equal(t, uint64(1), o.Rules[0].Serve.Rollout.Variants[0].Weight)
	assert.Equal(t, "a", o.Default.Variant)
	assert.Equal(t, "payments", o.Metadata["owner"])
	os := orig.Segments["s"]
	assert.Equal(t, []string{"u2"}, os.Included)
	assert.Equal(t, []string{"u3"}, os.Excluded)
	assert.Equal(t, "x", os.Rules[0].Conditions[0].Values[0])
	assert.Len(t, orig.Flags, 1)

	var nilRuleset *evaluator.Ruleset
	assert.Nil(t, nilRuleset.Clone())
}
