// Package switchyardbench measures Switchyard on the shared benchmark cases
// (package cases): the evaluator directly, and the provider through the
// OpenFeature go-sdk client next to go-sdk's in-memory provider.
package switchyardbench

import (
	"fmt"

	"github.com/switchyardhq/switchyard/bench/cases"
	"github.com/switchyardhq/switchyard/evaluator"
)

// Ruleset translates the suite into a Switchyard ruleset: one boolean flag
// per case flag, one rule of one condition per case rule (serving its variant or rollout), segments as
// included keys.
func Ruleset(s *cases.Suite) (*evaluator.Ruleset, error) {
	rs := &evaluator.Ruleset{SchemaVersion: evaluator.SchemaVersion, Version: "bench", Flags: map[string]evaluator.Flag{}, Segments: map[string]evaluator.Segment{}}
	for _, sg := range s.Segments {
		rs.Segments[sg.Key] = evaluator.Segment{Included: sg.Included}
	}
	for _, cf := range s.Flags {
		f := evaluator.Flag{Type: evaluator.TypeBoolean, Variants: map[string]any{cases.On: true, cases.Off: false}}
		for _, cr := range cf.Rules {
			cond := evaluator.Condition{Attribute: cr.Attribute, Values: cr.Values}
			switch cr.Operator {
			case cases.OpIn:
				cond.Operator = evaluator.OpIn
			case cases.OpEndsWith:
				cond.Operator = evaluator.OpEndsWith
			case cases.OpGreaterThan:
				cond.Operator = evaluator.OpGreaterThan
			case cases.OpInSegment:
				cond.Operator = evaluator.OpInSegment
			default:
				return nil, fmt.Errorf("switchyard: flag %s: operator %q not mapped", cf.Key, cr.Operator)
			}
			f.Rules = append(f.Rules, evaluator.Rule{ID: cr.ID, Conditions: []evaluator.Condition{cond}, Serve: *serve(cases.Serve{Variant: cr.Variant, Rollout: cr.Rollout})})
		}
		f.Default = serve(cf.Default)
		rs.Flags[cf.Key] = f
	}
	return rs, nil
}

func serve(s cases.Serve) *evaluator.Serve {
	if len(s.Rollout) == 0 {
		return &evaluator.Serve{Variant: s.Variant}
	}
	r := &evaluator.Rollout{}
	for _, w := range s.Rollout {
		r.Variants = append(r.Variants, evaluator.WeightedVariant{Variant: w.Variant, Weight: uint64(w.Weight)})
	}
	return &evaluator.Serve{Rollout: r}
}

// Evaluator compiles the suite's ruleset.
func Evaluator(s *cases.Suite) (*evaluator.Evaluator, error) {
	rs, err := Ruleset(s)
	if err != nil {
		return nil, err
	}
	return evaluator.Compile(rs)
}
