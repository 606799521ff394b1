// Package flagdbench measures flagd's in-process evaluator
// (github.com/open-feature/flagd/core/pkg/evaluator, the JSON evaluator the
// flagd daemon and flagd's in-process providers use) on the shared benchmark
// cases (package cases).
package flagdbench

import (
	"encoding/json"
	"fmt"

	"github.com/open-feature/flagd/core/pkg/evaluator"
	"github.com/open-feature/flagd/core/pkg/logger"
	"github.com/open-feature/flagd/core/pkg/store"
	"github.com/open-feature/flagd/core/pkg/sync"
	"go.uber.org/zap"

	"github.com/switchyardhq/switchyard/bench/cases"
)

// Definitions translates the suite into a flagd flag definition document:
// each flag's rules become one JsonLogic "if" chain (first match serves, a
// final null falls through to defaultVariant), segments become shared
// "$evaluators" ({"in": [targetingKey, [keys]]}) referenced with "$ref",
// and a rollout (a rule's or the default's) becomes the "fractional"
// operation on the targeting key.
func Definitions(s *cases.Suite) ([]byte, error) {
	evaluators := map[string]any{}
	for _, sg := range s.Segments {
		evaluators[sg.Key] = map[string]any{"in": []any{map[string]any{"var": cases.TargetingKey}, sg.Included}}
	}
	flags := map[string]any{}
	for _, cf := range s.Flags {
		var chain []any
		for _, cr := range cf.Rules {
			cond, err := condition(cf.Key, cr)
			if err != nil {
				return nil, err
			}
			var then any = cr.Variant
			if len(cr.Rollout) > 0 {
				then = fractional(cr.Rollout)
			}
			chain = append(chain, cond, then)
		}
		defaultVariant := cf.Default.Variant
		var fallback any // null: flagd serves defaultVariant (reason DEFAULT)
		if len(cf.Default.Rollout) > 0 {
			fallback = fractional(cf.Default.Rollout)
			defaultVariant = cases.Off // required by flagd; never served while the split covers 100 %
		}
		f := map[string]any{
			"state":          "ENABLED",
			"variants":       map[string]any{cases.On: true, cases.Off: false},
			"defaultVariant": defaultVariant,
		}
		switch {
		case len(chain) > 0:
			f["targeting"] = map[string]any{"if": append(chain, fallback)}
		case fallback != nil:
			f["targeting"] = fallback
		}
		flags[cf.Key] = f
	}
	return json.Marshal(map[string]any{
		"$schema":     "https://flagd.dev/schema/v0/flags.json",
		"flags":       flags,
		"$evaluators": evaluators,
	})
}

// fractional is flagd's percentage split on the targeting key.
func fractional(weights []cases.Weight) any {
	var arms []any
	for _, w := range weights {
		arms = append(arms, []any{w.Variant, w.Weight})
	}
	return map[string]any{"fractional": arms}
}

func condition(flag string, r cases.Rule) (any, error) {
	attr := map[string]any{"var": r.Attribute}
	switch r.Operator {
	case cases.OpIn:
		return map[string]any{"in": []any{attr, r.Values}}, nil
	case cases.OpEndsWith:
		var anyOf []any
		for _, v := range r.Values {
			anyOf = append(anyOf, map[string]any{"ends_with": []any{attr, v}})
		}
		if len(anyOf) == 1 {
			return anyOf[0], nil
		}
		return map[string]any{"or": anyOf}, nil
	case cases.OpGreaterThan:
		return map[string]any{">": []any{attr, r.Values[0]}}, nil
	case cases.OpInSegment:
		return map[string]any{"$ref": fmt.Sprint(r.Values[0])}, nil
	}
	return nil, &cases.NotExpressible{SDK: "flagd", Flag: flag, Reason: "operator " + r.Operator}
}

// NewEvaluator loads the suite's definitions into flagd's JSON evaluator
// with an in-memory store, as flagd's in-process mode does on a sync.
func NewEvaluator(s *cases.Suite) (*evaluator.JSON, error) {
	doc, err := Definitions(s)
	if err != nil {
		return nil, err
	}
	je := evaluator.NewJSON(logger.NewLogger(zap.NewNop(), false), store.NewFlags())
	if _, _, err := je.SetState(sync.DataSync{FlagData: string(doc), Source: "bench"}); err != nil {
		return nil, fmt.Errorf("flagd: SetState: %w", err)
	}
	return je, nil
}
