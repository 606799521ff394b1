// Package evaltest builds rulesets in Go, for tests and for programs that
// prefer code to a JSON document. It needs only the evaluator package, so
// a user of local evaluation alone can build rulesets without OpenFeature.
//
//	ev, err := evaltest.Compile(
//		evaltest.NewFlag("new-checkout").Boolean().
//			Target("on", "user-1").
//			Rule("staff", evaltest.Attr("email").EndsWith("@acme.com")).Serve("on").
//			Default("off"),
//	)
//
// Builders produce the same evaluator model a JSON document parses into, and
// the model is validated by evaluator.Compile exactly as a document is.
// provider/flagtest uses these builders for its test source.
package evaltest

import (
	"slices"
	"time"

	"github.com/switchyardhq/switchyard/evaluator"
)

// FlagBuilder declares one flag. Its methods change the builder and return
// it, so calls chain. Methods copy the slices they are given, so the
// caller may reuse them. A builder is not safe for concurrent use.
type FlagBuilder struct {
	key       string
	f         evaluator.Flag
	algorithm string // see BucketAlgorithm
}

// NewFlag starts an empty flag: choose its type with Boolean,
// StringVariants, IntegerVariants, FloatVariants or ObjectVariants.
func NewFlag(key string) *FlagBuilder { return &FlagBuilder{key: key} }

// FromFlag starts a builder from an existing flag definition, which it
// copies.
func FromFlag(key string, f evaluator.Flag) *FlagBuilder {
	return &FlagBuilder{key: key, f: f.Clone()}
}

// Build returns the flag as a model the caller owns: a deep copy, since the
// builder's slices may be the caller's variadic arguments.
func (b *FlagBuilder) Build() evaluator.Flag {
	f := b.f.Clone()
	if b.algorithm != "" {
		if f.Default != nil && f.Default.Rollout != nil {
			f.Default.Rollout.Algorithm = b.algorithm
		}
		for i := range f.Rules {
			if ro := f.Rules[i].Serve.Rollout; ro != nil {
				ro.Algorithm = b.algorithm
			}
		}
	}
	return f
}

// BucketAlgorithm sets the bucketing algorithm of every rollout of the
// flag, those added before and after: evaluator.BucketAlgorithm (the
// default) or evaluator.BucketAlgorithmFlagd, to keep the buckets of a
// flag moved from flagd.
func (b *FlagBuilder) BucketAlgorithm(name string) *FlagBuilder {
	b.algorithm = name
	return b
}

// Key returns the flag key.
func (b *FlagBuilder) Key() string { return b.key }

// Boolean makes a boolean flag with variants "on" (true) and "off" (false),
// "off" also serving when the flag is disabled or a prerequisite fails.
func (b *FlagBuilder) Boolean() *FlagBuilder {
	b.f.Type = evaluator.TypeBoolean
	b.f.Variants = map[string]any{"on": true, "off": false}
	b.f.OffVariant = "off"
	return b
}

// BooleanValue makes a boolean flag that serves value to every context.
func (b *FlagBuilder) BooleanValue(value bool) *FlagBuilder {
	if value {
		return b.Boolean().ServeAll("on")
	}
	return b.Boolean().ServeAll("off")
}

// StringVariants makes a string flag with the given variants.
func (b *FlagBuilder) StringVariants(variants map[string]string) *FlagBuilder {
	return setVariants(b, evaluator.TypeString, variants)
}

// IntegerVariants makes an integer flag with the given variants.
func (b *FlagBuilder) IntegerVariants(variants map[string]int64) *FlagBuilder {
	return setVariants(b, evaluator.TypeInteger, variants)
}

// FloatVariants makes a float flag with the given variants.
func (b *FlagBuilder) FloatVariants(variants map[string]float64) *FlagBuilder {
	return setVariants(b, evaluator.TypeFloat, variants)
}

// ObjectVariants makes an object flag; each value is a map[string]any or
// []any of JSON values.
func (b *FlagBuilder) ObjectVariants(variants map[string]any) *FlagBuilder {
	return setVariants(b, evaluator.TypeObject, variants)
}

func setVariants[V any](b *FlagBuilder, t evaluator.FlagType, variants map[string]V) *FlagBuilder {
	b.f.Type = t
	b.f.Variants = make(map[string]any, len(variants))
	for k, v := range variants {
		b.f.Variants[k] = v
	}
	return b
}

// Variant adds or replaces one variant value.
func (b *FlagBuilder) Variant(name string, value any) *FlagBuilder {
	if b.f.Variants == nil {
		b.f.Variants = map[string]any{}
	}
	b.f.Variants[name] = value
	return b
}

// ServeAll removes targets and rules and serves variant to every context
// (reason STATIC).
func (b *FlagBuilder) ServeAll(variant string) *FlagBuilder {
	b.f.Targets, b.f.Rules = nil, nil
	return b.Default(variant)
}

// Default sets the variant served when no target or rule matches.
func (b *FlagBuilder) Default(variant string) *FlagBuilder {
	b.f.Default = &evaluator.Serve{Variant: variant}
	return b
}

// DefaultRollout splits contexts that match no target or rule by weight.
func (b *FlagBuilder) DefaultRollout(weights ...evaluator.WeightedVariant) *FlagBuilder {
	b.f.Default = &evaluator.Serve{Rollout: &evaluator.Rollout{Variants: slices.Clone(weights)}}
	return b
}

// NoDefault removes the default: unmatched contexts get the caller's
// default value (reason DEFAULT).
func (b *FlagBuilder) NoDefault() *FlagBuilder {
	b.f.Default = nil
	return b
}

// Weight is one arm of a rollout.
func Weight(variant string, weight uint64) evaluator.WeightedVariant {
	return evaluator.WeightedVariant{Variant: variant, Weight: weight}
}

// Enabled turns the flag on or off. A disabled flag serves its off variant
// (or the caller's default) with reason DISABLED.
func (b *FlagBuilder) Enabled(on bool) *FlagBuilder {
	b.f.Enabled = &on
	return b
}

// OffVariant sets the variant served when the flag is disabled or a
// prerequisite fails; "" means the caller's default.
func (b *FlagBuilder) OffVariant(variant string) *FlagBuilder {
	b.f.OffVariant = variant
	return b
}

// Target serves variant to the given targeting keys, before any rule.
func (b *FlagBuilder) Target(variant string, keys ...string) *FlagBuilder {
	b.f.Targets = append(b.f.Targets, evaluator.Target{Variant: variant, Values: slices.Clone(keys)})
	return b
}

// Prerequisite requires flag to resolve to one of variants first.
func (b *FlagBuilder) Prerequisite(flag string, variants ...string) *FlagBuilder {
	b.f.Prerequisites = append(b.f.Prerequisites, evaluator.Prerequisite{Flag: flag, Variants: slices.Clone(variants)})
	return b
}

// Metadata sets a metadata entry (a string, number or boolean).
func (b *FlagBuilder) Metadata(key string, value any) *FlagBuilder {
	if b.f.Metadata == nil {
		b.f.Metadata = map[string]any{}
	}
	b.f.Metadata[key] = value
	return b
}

// TrackEvents asks for full evaluation events for this flag.
func (b *FlagBuilder) TrackEvents(on bool) *FlagBuilder {
	b.f.TrackEvents = on
	return b
}

// ClearRules removes every rule.
func (b *FlagBuilder) ClearRules() *FlagBuilder {
	b.f.Rules = nil
	return b
}

// ClearTargets removes every individual target.
func (b *FlagBuilder) ClearTargets() *FlagBuilder {
	b.f.Targets = nil
	return b
}

// Rule starts a rule that matches when all conditions match; finish it with
// Serve or Rollout. id may be empty.
func (b *FlagBuilder) Rule(id string, conditions ...evaluator.Condition) *RuleBuilder {
	return &RuleBuilder{flag: b, rule: evaluator.Rule{ID: id, Conditions: cloneConditions(conditions)}}
}

// RuleBuilder finishes a rule started by FlagBuilder.Rule.
type RuleBuilder struct {
	flag *FlagBuilder
	rule evaluator.Rule
}

// TrackEvents asks for full evaluation events when this rule serves.
func (r *RuleBuilder) TrackEvents() *RuleBuilder {
	r.rule.TrackEvents = true
	return r
}

// Serve appends the rule, serving variant, and returns the flag builder.
func (r *RuleBuilder) Serve(variant string) *FlagBuilder {
	r.rule.Serve = evaluator.Serve{Variant: variant}
	r.flag.f.Rules = append(r.flag.f.Rules, r.rule)
	return r.flag
}

// Rollout appends the rule, splitting matching contexts by weight.
func (r *RuleBuilder) Rollout(weights ...evaluator.WeightedVariant) *FlagBuilder {
	r.rule.Serve = evaluator.Serve{Rollout: &evaluator.Rollout{Variants: slices.Clone(weights)}}
	r.flag.f.Rules = append(r.flag.f.Rules, r.rule)
	return r.flag
}

// Attribute names a context attribute for a condition: a top-level key or
// a JSON Pointer such as "/address/country".
type Attribute string

// Attr starts a condition on attribute name: Attr("plan").In("pro").
func Attr(name string) Attribute { return Attribute(name) }

func (a Attribute) cond(op evaluator.Operator, values []any) evaluator.Condition {
	return evaluator.Condition{Attribute: string(a), Operator: op, Values: values}
}

func anys[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// In matches when the attribute equals any of values (strings, numbers or
// booleans).
func (a Attribute) In(values ...any) evaluator.Condition {
	return a.cond(evaluator.OpIn, slices.Clone(values))
}

// Contains matches strings containing any of values.
func (a Attribute) Contains(values ...string) evaluator.Condition {
	return a.cond(evaluator.OpContains, anys(values))
}

// StartsWith matches strings with any of the prefixes.
func (a Attribute) StartsWith(values ...string) evaluator.Condition {
	return a.cond(evaluator.OpStartsWith, anys(values))
}

// EndsWith matches strings with any of the suffixes.
func (a Attribute) EndsWith(values ...string) evaluator.Condition {
	return a.cond(evaluator.OpEndsWith, anys(values))
}

// Matches matches strings matched by any of the RE2 patterns.
func (a Attribute) Matches(patterns ...string) evaluator.Condition {
	return a.cond(evaluator.OpMatches, anys(patterns))
}

// LessThan matches numbers below n.
func (a Attribute) LessThan(n any) evaluator.Condition {
	return a.cond(evaluator.OpLessThan, []any{n})
}

// LessThanOrEqual matches numbers at most n.
func (a Attribute) LessThanOrEqual(n any) evaluator.Condition {
	return a.cond(evaluator.OpLessThanOrEqual, []any{n})
}

// GreaterThan matches numbers above n.
func (a Attribute) GreaterThan(n any) evaluator.Condition {
	return a.cond(evaluator.OpGreaterThan, []any{n})
}

// GreaterThanOrEqual matches numbers at least n.
func (a Attribute) GreaterThanOrEqual(n any) evaluator.Condition {
	return a.cond(evaluator.OpGreaterThanOrEqual, []any{n})
}

// Before matches timestamps before t.
func (a Attribute) Before(t time.Time) evaluator.Condition {
	return a.cond(evaluator.OpBefore, []any{t.UTC().Format(time.RFC3339Nano)})
}

// After matches timestamps after t.
func (a Attribute) After(t time.Time) evaluator.Condition {
	return a.cond(evaluator.OpAfter, []any{t.UTC().Format(time.RFC3339Nano)})
}

// SemverEqual matches versions equal to v.
func (a Attribute) SemverEqual(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverEqual, []any{v})
}

// SemverLessThan matches versions below v.
func (a Attribute) SemverLessThan(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverLessThan, []any{v})
}

// SemverGreaterThan matches versions above v.
func (a Attribute) SemverGreaterThan(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverGreaterThan, []any{v})
}

// SemverNotEqual matches versions that differ from v in precedence.
func (a Attribute) SemverNotEqual(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverNotEqual, []any{v})
}

// SemverLessThanOrEqual matches versions up to v.
func (a Attribute) SemverLessThanOrEqual(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverLessThanOrEqual, []any{v})
}

// SemverGreaterThanOrEqual matches versions from v up.
func (a Attribute) SemverGreaterThanOrEqual(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverGreaterThanOrEqual, []any{v})
}

// SemverSameMajor matches versions with v's major version (flagd's ^).
func (a Attribute) SemverSameMajor(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverSameMajor, []any{v})
}

// SemverSameMajorMinor matches versions with v's major and minor version
// (flagd's ~).
func (a Attribute) SemverSameMajorMinor(v string) evaluator.Condition {
	return a.cond(evaluator.OpSemverSameMajorMinor, []any{v})
}

// Exists matches when the attribute is present and not null.
func (a Attribute) Exists() evaluator.Condition { return a.cond(evaluator.OpExists, nil) }

// InSegment matches contexts in any of the named segments.
func InSegment(names ...string) evaluator.Condition {
	return evaluator.Condition{Operator: evaluator.OpInSegment, Values: anys(names)}
}

// Not negates a condition. A missing attribute still never matches.
func Not(c evaluator.Condition) evaluator.Condition {
	c.Negate = !c.Negate
	return c
}

// Ruleset returns a schemaVersion 1 ruleset holding the built flags. Its
// tenant, environment and version are empty; set them on the result if a
// test needs them. A later builder for the same key replaces an earlier
// one; a nil builder is skipped.
func Ruleset(flags ...*FlagBuilder) *evaluator.Ruleset {
	rs := &evaluator.Ruleset{SchemaVersion: evaluator.SchemaVersion, Flags: make(map[string]evaluator.Flag, len(flags))}
	for _, b := range flags {
		if b != nil {
			rs.Flags[b.key] = b.Build()
		}
	}
	return rs
}

// Compile builds an Evaluator from the flags, validated as evaluator.Compile
// validates any ruleset.
func Compile(flags ...*FlagBuilder) (*evaluator.Evaluator, error) {
	return evaluator.Compile(Ruleset(flags...))
}

// CompileHashed is Compile of the flags' hashed form
// (evaluator.HashRuleset with salt): the same outcomes, from a ruleset
// whose targets, segment lists and in conditions name no value in clear.
func CompileHashed(salt string, flags ...*FlagBuilder) (*evaluator.Evaluator, error) {
	rs, err := evaluator.HashRuleset(Ruleset(flags...), salt)
	if err != nil {
		return nil, err
	}
	return evaluator.Compile(rs)
}

func cloneConditions(list []evaluator.Condition) []evaluator.Condition {
	out := slices.Clone(list)
	for i := range out {
		out[i].Values = slices.Clone(out[i].Values)
	}
	return out
}
