// Package launchdarklybench measures LaunchDarkly's server-side evaluator
// (github.com/launchdarkly/go-server-sdk-evaluation/v3) on the shared
// benchmark cases (package cases).
package launchdarklybench

import (
	"fmt"

	evaluation "github.com/launchdarkly/go-server-sdk-evaluation/v3"
	"github.com/launchdarkly/go-server-sdk-evaluation/v3/ldbuilders"
	"github.com/launchdarkly/go-server-sdk-evaluation/v3/ldmodel"

	"github.com/launchdarkly/go-sdk-common/v3/ldcontext"
	"github.com/launchdarkly/go-sdk-common/v3/ldvalue"

	"github.com/switchyardhq/switchyard/bench/cases"
)

// Variation indexes of every flag: on (true) and off (false).
const (
	variationOn  = 0
	variationOff = 1
)

// Store holds the translated flags and segments, preprocessed as the
// LaunchDarkly SDK does at load. It is the evaluator's DataProvider, and
// benchmarks look flags up in it by key, as the SDK's in-memory store does.
type Store struct {
	Flags    map[string]*ldmodel.FeatureFlag
	Segments map[string]*ldmodel.Segment
}

// GetFeatureFlag implements evaluation.DataProvider.
func (s *Store) GetFeatureFlag(key string) *ldmodel.FeatureFlag { return s.Flags[key] }

// GetSegment implements evaluation.DataProvider.
func (s *Store) GetSegment(key string) *ldmodel.Segment { return s.Segments[key] }

// NewStore translates the suite with ldbuilders: one rule of one clause per
// case rule, inSegment as a segmentMatch clause on a segment whose Included
// list holds the keys, rollouts in LaunchDarkly's 1/100 000 weight units.
func NewStore(s *cases.Suite) (*Store, error) {
	st := &Store{Flags: map[string]*ldmodel.FeatureFlag{}, Segments: map[string]*ldmodel.Segment{}}
	for _, sg := range s.Segments {
		seg := ldbuilders.NewSegmentBuilder(sg.Key).Included(sg.Included...).Build()
		ldmodel.PreprocessSegment(&seg)
		st.Segments[sg.Key] = &seg
	}
	for _, cf := range s.Flags {
		fb := ldbuilders.NewFlagBuilder(cf.Key).On(true).Variations(ldvalue.Bool(true), ldvalue.Bool(false)).OffVariation(variationOff)
		for _, cr := range cf.Rules {
			var clause ldmodel.Clause
			values := make([]ldvalue.Value, len(cr.Values))
			for i, v := range cr.Values {
				values[i] = ldvalue.CopyArbitraryValue(v)
			}
			switch cr.Operator {
			case cases.OpIn:
				clause = ldbuilders.Clause(cr.Attribute, ldmodel.OperatorIn, values...)
			case cases.OpEndsWith:
				clause = ldbuilders.Clause(cr.Attribute, ldmodel.OperatorEndsWith, values...)
			case cases.OpGreaterThan:
				clause = ldbuilders.Clause(cr.Attribute, ldmodel.OperatorGreaterThan, values...)
			case cases.OpInSegment:
				clause = ldbuilders.SegmentMatchClause(cases.Strings(cr.Values)...)
			default:
				return nil, &cases.NotExpressible{SDK: "launchdarkly", Flag: cf.Key, Reason: "operator " + cr.Operator}
			}
			vr, err := variationOrRollout(cases.Serve{Variant: cr.Variant, Rollout: cr.Rollout})
			if err != nil {
				return nil, err
			}
			fb.AddRule(ldbuilders.NewRuleBuilder().ID(cr.ID).VariationOrRollout(vr).Clauses(clause))
		}
		vr, err := variationOrRollout(cf.Default)
		if err != nil {
			return nil, err
		}
		fb.Fallthrough(vr)
		f := fb.Build()
		ldmodel.PreprocessFlag(&f)
		st.Flags[cf.Key] = &f
	}
	return st, nil
}

// variationOrRollout translates a fixed variant or a percentage rollout
// (in LaunchDarkly's 1/100 000 weight units).
func variationOrRollout(sv cases.Serve) (ldmodel.VariationOrRollout, error) {
	if len(sv.Rollout) == 0 {
		vi, err := variation(sv.Variant)
		return ldmodel.VariationOrRollout{Variation: ldvalue.NewOptionalInt(vi)}, err
	}
	total := 0
	for _, w := range sv.Rollout {
		total += w.Weight
	}
	var buckets []ldmodel.WeightedVariation
	for _, w := range sv.Rollout {
		vi, err := variation(w.Variant)
		if err != nil {
			return ldmodel.VariationOrRollout{}, err
		}
		buckets = append(buckets, ldbuilders.Bucket(vi, w.Weight*100000/total))
	}
	return ldbuilders.Rollout(buckets...), nil
}

func variation(name string) (int, error) {
	switch name {
	case cases.On:
		return variationOn, nil
	case cases.Off:
		return variationOff, nil
	}
	return 0, fmt.Errorf("launchdarkly: unknown variant %q", name)
}

// VariantName maps a variation index back to the case's variant name.
func VariantName(r evaluation.Result) string {
	switch r.Detail.VariationIndex.OrElse(-1) {
	case variationOn:
		return cases.On
	case variationOff:
		return cases.Off
	}
	return ""
}

// Context converts a flattened context into an ldcontext of kind "user"
// whose key is the targeting key and whose other attributes are custom
// attributes.
func Context(m map[string]any) ldcontext.Context {
	key, _ := m[cases.TargetingKey].(string)
	b := ldcontext.NewBuilder(key)
	for k, v := range m {
		if k != cases.TargetingKey {
			b.SetValue(k, ldvalue.CopyArbitraryValue(v))
		}
	}
	return b.Build()
}
