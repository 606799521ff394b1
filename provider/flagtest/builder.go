package flagtest

import (
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/evaltest"
)

// The builders live in evaluator/evaltest, so that code using the evaluator
// alone can build rulesets too; flagtest offers them under its own name so
// a test needs one import.

// FlagBuilder declares one flag; see evaltest.FlagBuilder. Nothing reaches
// a provider until TestData.Update.
type FlagBuilder = evaltest.FlagBuilder

// RuleBuilder finishes a rule; see evaltest.RuleBuilder.
type RuleBuilder = evaltest.RuleBuilder

// Attribute names a context attribute for a condition; see
// evaltest.Attribute.
type Attribute = evaltest.Attribute

// Attr starts a condition on attribute name: Attr("plan").In("pro").
func Attr(name string) Attribute { return evaltest.Attr(name) }

// Weight is one arm of a rollout.
func Weight(variant string, weight uint64) evaluator.WeightedVariant {
	return evaltest.Weight(variant, weight)
}

// InSegment matches contexts in any of the named segments.
func InSegment(names ...string) evaluator.Condition { return evaltest.InSegment(names...) }

// Not negates a condition. A missing attribute still never matches.
func Not(c evaluator.Condition) evaluator.Condition { return evaltest.Not(c) }
