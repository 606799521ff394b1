package evaluator

// The types in this file are the wire model of a ruleset document
// (schemaVersion 1). They are plain data: Parse fills them from JSON,
// encoding/json writes them back, and tests or builders may construct them
// in Go. Compile turns a Ruleset into an immutable Evaluator; nothing here
// is used on the evaluation path.
//
// Numbers decoded by Parse are json.Number values, so a document survives
// Parse → json.Marshal → Parse unchanged.

import (
	"fmt"
	"strconv"
)

// SchemaVersion is the only ruleset schema version this package reads.
const SchemaVersion = 1

// Ruleset is one ruleset document for a (tenant, environment).
type Ruleset struct {
	// Schema is the document's "$schema", the JSON Schema it names for
	// editors (see package schema). It does not affect evaluation.
	Schema string `json:"$schema,omitempty"`
	// SchemaVersion must be 1.
	SchemaVersion int `json:"schemaVersion"`
	// TenantID and Environment identify the document's owner. They are
	// required in documents from the flag service and optional in fixtures.
	TenantID    string `json:"tenantId,omitempty"`
	Environment string `json:"environment,omitempty"`
	// Version is an opaque label reported with every evaluation.
	Version string `json:"version,omitempty"`
	// Flags maps flag keys to flags.
	Flags map[string]Flag `json:"flags,omitempty"`
	// Segments maps segment names to segments referenced by inSegment.
	Segments map[string]Segment `json:"segments,omitempty"`
	// ValueHashing, when set, says how the hashed values ("sha256:…") of
	// targets, segment lists and in conditions were computed (HashValue).
	ValueHashing *ValueHashing `json:"valueHashing,omitempty"`
}

// FlagType is the declared type of every variant value of a flag. In JSON
// and from String it is the schema's name ("boolean", "string", "integer",
// "float", "object"). The zero FlagType is no type: a Flag needs one, and
// EvaluateAs with it checks none. It is a small integer rather than a
// string because every evaluation compares and returns it.
type FlagType uint8

// The flag types of schema version 1.
const (
	TypeBoolean FlagType = iota + 1
	TypeString
	TypeInteger
	TypeFloat
	TypeObject
)

var flagTypeNames = [...]string{
	TypeBoolean: "boolean",
	TypeString:  "string",
	TypeInteger: "integer",
	TypeFloat:   "float",
	TypeObject:  "object",
}

// flagTypeHint lists the valid names for error messages.
const flagTypeHint = "use boolean, string, integer, float or object"

// String returns the type's schema name; "" for the zero FlagType and
// "FlagType(N)" for a value that is not a type.
func (t FlagType) String() string {
	if int(t) < len(flagTypeNames) {
		return flagTypeNames[t]
	}
	return "FlagType(" + strconv.Itoa(int(t)) + ")"
}

// valid reports whether t is one of the schema's types.
func (t FlagType) valid() bool { return t >= TypeBoolean && t <= TypeObject }

// MarshalText encodes the type as its schema name ("" for the zero
// FlagType); a value that is not a type is an error.
func (t FlagType) MarshalText() ([]byte, error) {
	if t != 0 && !t.valid() {
		return nil, fmt.Errorf("evaluator: %v is not a flag type; %s", t, flagTypeHint)
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes a schema type name; names are case-sensitive.
func (t *FlagType) UnmarshalText(text []byte) error {
	typ, ok := flagTypeNamed(string(text))
	if !ok {
		return fmt.Errorf("evaluator: unknown flag type %q; %s", text, flagTypeHint)
	}
	*t = typ
	return nil
}

func flagTypeNamed(name string) (FlagType, bool) {
	for t := TypeBoolean; t <= TypeObject; t++ {
		if flagTypeNames[t] == name {
			return t, true
		}
	}
	return 0, false
}

// Flag is one feature flag.
type Flag struct {
	Type FlagType `json:"type"`
	// Enabled defaults to true when nil.
	Enabled *bool `json:"enabled,omitempty"`
	// Variants maps variant names to values of the flag's Type.
	Variants map[string]any `json:"variants"`
	// OffVariant is served when the flag is disabled or a prerequisite
	// fails. Empty means the caller's default.
	OffVariant    string         `json:"offVariant,omitempty"`
	Prerequisites []Prerequisite `json:"prerequisites,omitempty"`
	Targets       []Target       `json:"targets,omitempty"`
	Rules         []Rule         `json:"rules,omitempty"`
	// Default is served when no target or rule matched. Nil means the
	// caller's default.
	Default *Serve `json:"default,omitempty"`
	// Metadata holds string, number and boolean values surfaced with each
	// evaluation result.
	Metadata    map[string]any `json:"metadata,omitempty"`
	TrackEvents bool           `json:"trackEvents,omitempty"`
}

// Prerequisite requires another flag to resolve to one of Variants for the
// same context.
type Prerequisite struct {
	Flag     string   `json:"flag"`
	Variants []string `json:"variants"`
}

// Target serves Variant to the contexts whose targeting key is in Values.
type Target struct {
	Variant string   `json:"variant"`
	Values  []string `json:"values"`
}

// Rule serves Serve when all of its Conditions match.
type Rule struct {
	// ID is optional; when set it is unique within the flag and reported
	// as the ruleId of results the rule serves.
	ID          string      `json:"id,omitempty"`
	Conditions  []Condition `json:"conditions,omitempty"`
	Serve       Serve       `json:"serve"`
	TrackEvents bool        `json:"trackEvents,omitempty"`
}

// Serve is exactly one of a fixed variant or a percentage rollout.
type Serve struct {
	Variant string   `json:"variant,omitempty"`
	Rollout *Rollout `json:"rollout,omitempty"`
}

// Rollout splits contexts between variants by weight.
type Rollout struct {
	Variants []WeightedVariant `json:"variants"`
	// BucketBy is the attribute hashed into a bucket; empty means
	// targetingKey.
	BucketBy string `json:"bucketBy,omitempty"`
	// Seed salts the hash; nil (absent) means the flag key. It is a
	// pointer so that an empty seed can be written: flagd buckets some
	// flags by the bucketing value alone, which murmur3-flagd reproduces
	// with "seed": "". In Go: Seed: new("campaign-7").
	Seed *string `json:"seed,omitempty"`
	// Algorithm is how contexts are bucketed: BucketAlgorithm (xxh64-v1,
	// also when empty) or BucketAlgorithmFlagd (murmur3-flagd, flagd's
	// fractional operator, for flags moved from flagd).
	Algorithm string `json:"algorithm,omitempty"`
}

// WeightedVariant is one arm of a Rollout.
type WeightedVariant struct {
	Variant string `json:"variant"`
	Weight  uint64 `json:"weight"`
}

// Operator names a condition's comparison.
type Operator string

// The operators of schema version 1.
const (
	OpIn                 Operator = "in"
	OpContains           Operator = "contains"
	OpStartsWith         Operator = "startsWith"
	OpEndsWith           Operator = "endsWith"
	OpMatches            Operator = "matches"
	OpLessThan           Operator = "lessThan"
	OpLessThanOrEqual    Operator = "lessThanOrEqual"
	OpGreaterThan        Operator = "greaterThan"
	OpGreaterThanOrEqual Operator = "greaterThanOrEqual"
	OpBefore             Operator = "before"
	OpAfter              Operator = "after"
	OpSemverEqual        Operator = "semverEqual"
	OpSemverLessThan     Operator = "semverLessThan"
	OpSemverGreaterThan  Operator = "semverGreaterThan"
	// The semver operators flagd's sem_ver has: !=, <=, >=, and ^ and ~
	// as flagd defines them (the same major version; the same major and
	// minor version), not as npm ranges.
	OpSemverNotEqual           Operator = "semverNotEqual"
	OpSemverLessThanOrEqual    Operator = "semverLessThanOrEqual"
	OpSemverGreaterThanOrEqual Operator = "semverGreaterThanOrEqual"
	OpSemverSameMajor          Operator = "semverSameMajor"
	OpSemverSameMajorMinor     Operator = "semverSameMajorMinor"
	OpExists                   Operator = "exists"
	OpInSegment                Operator = "inSegment"
)

// Condition tests one context attribute.
type Condition struct {
	// Attribute is a top-level context key or an RFC 6901 JSON Pointer
	// (starting with "/") into nested maps. Empty for inSegment.
	Attribute string   `json:"attribute,omitempty"`
	Operator  Operator `json:"operator"`
	Values    []any    `json:"values,omitempty"`
	Negate    bool     `json:"negate,omitempty"`
}

// Segment is a named set of contexts.
type Segment struct {
	Included []string      `json:"included,omitempty"`
	Excluded []string      `json:"excluded,omitempty"`
	Rules    []SegmentRule `json:"rules,omitempty"`
}

// SegmentRule matches when all of its Conditions match.
type SegmentRule struct {
	ID         string      `json:"id,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
}
