package evaluator_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
)

// The tests in this file check the condition operators and the semantics
// they share (SPEC section 2) through the public API: each condition is put
// in a rule of a boolean flag, and the flag is evaluated.
//
// Shared semantics checked for every operator:
//   - a missing attribute never matches, plain or negated, and a null
//     attribute counts as missing;
//   - a present attribute of the wrong type for the operator does not match
//     and is never an error, so with negate it does match: negate inverts the
//     result for any present attribute. This is deliberate (SPEC: "negate
//     inverts the result of a present attribute"; README "Null attributes").

// condFlag is the flag of the documents built by loadConditions.
const condFlag = "f"

// condSegments are the segments available to inSegment conditions.
const condSegments = `{
  "beta": {"included": ["user-9", "42"], "excluded": ["user-3"],
           "rules": [{"conditions": [{"attribute": "plan", "operator": "in", "values": ["enterprise"]}]}]},
  "staff": {"rules": [{"conditions": [{"attribute": "email", "operator": "endsWith", "values": ["@acme.com"]}]}]},
  "both": {"included": ["user-7"], "excluded": ["user-7"]}
}`

// loadConditions loads a boolean flag whose single rule (id "r") serves
// "on" when all conds match; otherwise the default "off" is served.
func loadConditions(t *testing.T, conds ...string) *evaluator.Evaluator {
	t.Helper()
	doc := fmt.Sprintf(`{"schemaVersion": 1, "flags": {%q: {"type": "boolean", "variants": {"on": true, "off": false},
  "rules": [{"id": "r", "conditions": [%s], "serve": {"variant": "on"}}], "default": {"variant": "off"}}},
  "segments": %s}`, condFlag, strings.Join(conds, ", "), condSegments)
	ev, err := evaluator.Load([]byte(doc))
	require.NoErrorf(t, err, "Load(%s)", doc)
	return ev
}

// condMatches evaluates the flag of loadConditions and reports whether the
// rule matched. Evaluation must never report an error.
func condMatches(t *testing.T, ev *evaluator.Evaluator, ctx map[string]any) bool {
	t.Helper()
	r := ev.Evaluate(condFlag, ctx)
	require.Equalf(t, evaluator.ErrorNone, r.ErrorCode, "Evaluate(%q) with %#v = %+v, want no error", condFlag, ctx, r)
	switch r.Variant {
	case "on":
		require.Equalf(t, evaluator.ReasonTargetingMatch, r.Reason, "Evaluate(%q) with %#v = %+v", condFlag, ctx, r)
		require.Equal(t, "r", r.RuleID)
		require.Equal(t, true, r.Value)
		return true
	case "off":
		require.Equalf(t, evaluator.ReasonDefault, r.Reason, "Evaluate(%q) with %#v = %+v", condFlag, ctx, r)
		require.Equal(t, "", r.RuleID)
		require.Equal(t, false, r.Value)
		return false
	}
	t.Fatalf("Evaluate(%q) with %#v = %+v, want variant on or off", condFlag, ctx, r)
	return false
}

// negated returns a condition's JSON with "negate": true added.
func negated(cond string) string {
	return strings.Replace(cond, "{", `{"negate": true, `, 1)
}

// matchKind says what a case checks; the expected result follows from it.
type matchKind int

const (
	isMatch    matchKind = iota // the attribute matches
	isNoMatch                   // same type, does not match
	isMismatch                  // a type the operator does not compare: no match, no error
)

func (k matchKind) String() string {
	return [...]string{"match", "no match", "type mismatch"}[k]
}

// operatorCase is one attribute value (or, for inSegment, one context)
// tested against a condition, plain and negated.
type operatorCase struct {
	kind  matchKind
	value any            // the attribute's value: the context is {attribute: value}
	ctx   map[string]any // the whole context, instead of value (inSegment)
	name  string         // optional; defaults to the value and its Go type
}

func (c operatorCase) label() string {
	if c.name != "" {
		return c.kind.String() + "/" + c.name
	}
	return fmt.Sprintf("%s/%T(%v)", c.kind, c.value, c.value)
}

// operatorTable is a condition and the cases tested against it.
type operatorTable struct {
	cond  string
	cases []operatorCase
}

// operatorsInSpec is the operator table of the ruleset schema, with the
// semver operators flagd's sem_ver needs.
var operatorsInSpec = []evaluator.Operator{
	evaluator.OpIn, evaluator.OpContains, evaluator.OpStartsWith, evaluator.OpEndsWith,
	evaluator.OpMatches, evaluator.OpLessThan, evaluator.OpLessThanOrEqual,
	evaluator.OpGreaterThan, evaluator.OpGreaterThanOrEqual, evaluator.OpBefore,
	evaluator.OpAfter, evaluator.OpSemverEqual, evaluator.OpSemverLessThan,
	evaluator.OpSemverGreaterThan, evaluator.OpExists, evaluator.OpInSegment,
	evaluator.OpSemverNotEqual, evaluator.OpSemverLessThanOrEqual,
	evaluator.OpSemverGreaterThanOrEqual, evaluator.OpSemverSameMajor,
	evaluator.OpSemverSameMajorMinor,
}

var (
	jan1     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // 1767225600
	berlin   = time.FixedZone("CET", 3600)
	strings8 = `"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"`
)

var operatorTables = []operatorTable{
	// in: strings exactly.
	{`{"attribute": "country", "operator": "in", "values": ["DE", "FR"]}`, []operatorCase{
		{kind: isMatch, value: "DE"},
		{kind: isMatch, value: "FR"},
		{kind: isMatch, value: []string{"US", "FR"}, name: "list with a match"},
		{kind: isNoMatch, value: "US"},
		{kind: isNoMatch, value: "de", name: "case differs"},
		{kind: isNoMatch, value: "DE ", name: "trailing space"},
		{kind: isNoMatch, value: ""},
		{kind: isMismatch, value: 49},
		{kind: isMismatch, value: true},
		{kind: isMismatch, value: map[string]any{"country": "DE"}, name: "object"},
	}},
	// in: numbers compare numerically across Go types; strings are not numbers.
	{`{"attribute": "age", "operator": "in", "values": [29, 2.5, -3]}`, []operatorCase{
		{kind: isMatch, value: int(29)},
		{kind: isMatch, value: int8(29)},
		{kind: isMatch, value: int16(29)},
		{kind: isMatch, value: int32(29)},
		{kind: isMatch, value: int64(29)},
		{kind: isMatch, value: uint(29)},
		{kind: isMatch, value: uint8(29)},
		{kind: isMatch, value: uint16(29)},
		{kind: isMatch, value: uint32(29)},
		{kind: isMatch, value: uint64(29)},
		{kind: isMatch, value: float32(29)},
		{kind: isMatch, value: float64(29)},
		{kind: isMatch, value: json.Number("29")},
		{kind: isMatch, value: json.Number("29.0")},
		{kind: isMatch, value: json.Number("2.9e1")},
		{kind: isMatch, value: float32(2.5)},
		{kind: isMatch, value: float64(2.5)},
		{kind: isMatch, value: json.Number("2.5")},
		{kind: isMatch, value: int8(-3)},
		{kind: isMatch, value: int64(-3)},
		{kind: isMatch, value: float64(-3)},
		{kind: isNoMatch, value: int(30)},
		{kind: isNoMatch, value: int(-29)},
		{kind: isNoMatch, value: uint8(3)},
		{kind: isNoMatch, value: float64(29.000001)},
		{kind: isNoMatch, value: float32(2.25)},
		{kind: isNoMatch, value: json.Number("2.50001")},
		{kind: isNoMatch, value: uint64(math.MaxUint64)},
		{kind: isNoMatch, value: math.NaN()},
		{kind: isMismatch, value: "29", name: `string "29" is not the number 29`},
		{kind: isMismatch, value: "2.5"},
		{kind: isMismatch, value: json.Number("twenty-nine"), name: "invalid json.Number"},
		{kind: isMismatch, value: true},
	}},
	// in: a string value is not a number either.
	{`{"attribute": "age", "operator": "in", "values": ["29"]}`, []operatorCase{
		{kind: isMatch, value: "29"},
		{kind: isMismatch, value: 29, name: `number 29 is not the string "29"`},
		{kind: isMismatch, value: json.Number("29"), name: `json.Number 29 is not the string "29"`},
	}},
	// in: booleans.
	{`{"attribute": "beta", "operator": "in", "values": [true]}`, []operatorCase{
		{kind: isMatch, value: true},
		{kind: isNoMatch, value: false},
		{kind: isMismatch, value: "true"},
		{kind: isMismatch, value: 1},
	}},
	{`{"attribute": "beta", "operator": "in", "values": [false]}`, []operatorCase{
		{kind: isMatch, value: false},
		{kind: isNoMatch, value: true},
		{kind: isMismatch, value: "false"},
		{kind: isMismatch, value: 0},
	}},
	// in: 8 strings are scanned.
	{`{"attribute": "code", "operator": "in", "values": [` + strings8 + `]}`, []operatorCase{
		{kind: isMatch, value: "s1"},
		{kind: isMatch, value: "s8"},
		{kind: isMatch, value: []any{"x", "s5"}},
		{kind: isNoMatch, value: "s9"},
		{kind: isNoMatch, value: "s"},
		{kind: isMismatch, value: 1},
	}},
	// in: more than 8 strings go into a set; numbers and booleans beside
	// them still match.
	{`{"attribute": "code", "operator": "in", "values": [` + strings8 + `, "s9", 7, true]}`, []operatorCase{
		{kind: isMatch, value: "s1"},
		{kind: isMatch, value: "s9"},
		{kind: isMatch, value: []string{"x", "s5"}},
		{kind: isMatch, value: 7},
		{kind: isMatch, value: true},
		{kind: isNoMatch, value: "s10"},
		{kind: isNoMatch, value: "S9"},
		{kind: isNoMatch, value: 9},
		{kind: isNoMatch, value: false},
		{kind: isMismatch, value: "7"},
		{kind: isMismatch, value: map[string]any{}},
	}},
	{`{"attribute": "email", "operator": "contains", "values": ["@acme", "beta"]}`, []operatorCase{
		{kind: isMatch, value: "ana@acme.com"},
		{kind: isMatch, value: "alphabetagamma"},
		{kind: isMatch, value: "beta"},
		{kind: isNoMatch, value: "ana@example.com"},
		{kind: isNoMatch, value: "BETA"},
		{kind: isNoMatch, value: ""},
		{kind: isMismatch, value: 42},
		{kind: isMismatch, value: true},
	}},
	{`{"attribute": "email", "operator": "startsWith", "values": ["user-", "admin-"]}`, []operatorCase{
		{kind: isMatch, value: "user-1"},
		{kind: isMatch, value: "admin-"},
		{kind: isNoMatch, value: "a-user-1"},
		{kind: isNoMatch, value: "USER-1"},
		{kind: isNoMatch, value: "user"},
		{kind: isMismatch, value: 42},
	}},
	{`{"attribute": "email", "operator": "endsWith", "values": ["@acme.com"]}`, []operatorCase{
		{kind: isMatch, value: "ana@acme.com"},
		{kind: isMatch, value: "@acme.com"},
		{kind: isNoMatch, value: "ana@acme.com.evil"},
		{kind: isNoMatch, value: "ANA@ACME.COM"},
		{kind: isMismatch, value: 7},
		{kind: isMismatch, value: false},
	}},
	// matches: RE2, matching anywhere unless anchored.
	{`{"attribute": "email", "operator": "matches", "values": ["^[a-z]+@acme\\.com$", "beta", "(?i)^gold$", "^\\p{Greek}+$"]}`, []operatorCase{
		{kind: isMatch, value: "ana@acme.com"},
		{kind: isMatch, value: "alphabetagamma", name: "unanchored pattern matches a substring"},
		{kind: isMatch, value: "GOLD"},
		{kind: isMatch, value: "αβγ"},
		{kind: isNoMatch, value: "ana@acme.com.evil"},
		{kind: isNoMatch, value: "Ana@acme.com"},
		{kind: isNoMatch, value: "ana@acmeXcom", name: "escaped dot is literal"},
		{kind: isNoMatch, value: "golden"},
		{kind: isMismatch, value: 42},
		{kind: isMismatch, value: true},
	}},
	{`{"attribute": "age", "operator": "lessThan", "values": [30]}`, []operatorCase{
		{kind: isMatch, value: 29},
		{kind: isMatch, value: int64(-5)},
		{kind: isMatch, value: 29.999},
		{kind: isMatch, value: float32(29.5)},
		{kind: isMatch, value: uint8(0)},
		{kind: isMatch, value: json.Number("29")},
		{kind: isMatch, value: json.Number("-1e3")},
		{kind: isNoMatch, value: 30},
		{kind: isNoMatch, value: 30.0},
		{kind: isNoMatch, value: 31},
		{kind: isNoMatch, value: json.Number("30")},
		{kind: isNoMatch, value: uint64(math.MaxUint64)},
		{kind: isMismatch, value: "29"},
		{kind: isMismatch, value: true},
	}},
	// Several values are ORed.
	{`{"attribute": "age", "operator": "lessThan", "values": [10, 20]}`, []operatorCase{
		{kind: isMatch, value: 15},
		{kind: isNoMatch, value: 25},
		{kind: isMismatch, value: "15"},
	}},
	{`{"attribute": "age", "operator": "lessThanOrEqual", "values": [30]}`, []operatorCase{
		{kind: isMatch, value: 30},
		{kind: isMatch, value: 29},
		{kind: isMatch, value: float32(30)},
		{kind: isNoMatch, value: math.NaN()},
		{kind: isMatch, value: json.Number("30.0")},
		{kind: isNoMatch, value: 30.5},
		{kind: isNoMatch, value: 31},
		{kind: isMismatch, value: "30"},
	}},
	{`{"attribute": "age", "operator": "greaterThan", "values": [30]}`, []operatorCase{
		{kind: isMatch, value: 31},
		{kind: isMatch, value: 30.5},
		{kind: isMatch, value: uint64(math.MaxUint64)},
		{kind: isNoMatch, value: 30},
		{kind: isNoMatch, value: 29},
		{kind: isNoMatch, value: math.Inf(-1)},
		{kind: isMismatch, value: "31"},
	}},
	{`{"attribute": "age", "operator": "greaterThanOrEqual", "values": [30]}`, []operatorCase{
		{kind: isMatch, value: 30},
		{kind: isMatch, value: uint32(30)},
		{kind: isMatch, value: 1e9},
		{kind: isNoMatch, value: 29.99},
		{kind: isNoMatch, value: math.NaN()},
		{kind: isMismatch, value: "30"},
	}},
	// Integers beyond 2^53 compare exactly.
	{`{"attribute": "id", "operator": "greaterThan", "values": [9007199254740992]}`, []operatorCase{
		{kind: isMatch, value: int64(9007199254740993)},
		{kind: isMatch, value: uint64(9007199254740993)},
		{kind: isMatch, value: json.Number("9007199254740993")},
		{kind: isNoMatch, value: int64(9007199254740992)},
		{kind: isMismatch, value: "9007199254740993"},
	}},
	{`{"attribute": "id", "operator": "lessThan", "values": [9007199254740993]}`, []operatorCase{
		{kind: isMatch, value: int64(9007199254740992)},
		{kind: isNoMatch, value: int64(9007199254740993)},
		{kind: isNoMatch, value: json.Number("9007199254740993")},
	}},
	{`{"attribute": "id", "operator": "lessThanOrEqual", "values": [9007199254740992]}`, []operatorCase{
		{kind: isMatch, value: int64(9007199254740992)},
		{kind: isNoMatch, value: int64(9007199254740993)},
	}},
	{`{"attribute": "id", "operator": "in", "values": [9007199254740992]}`, []operatorCase{
		{kind: isMatch, value: int64(9007199254740992)},
		{kind: isMatch, value: json.Number("9007199254740992")},
		{kind: isNoMatch, value: int64(9007199254740993)},
		{kind: isNoMatch, value: json.Number("9007199254740993")},
		{kind: isNoMatch, value: uint64(9007199254740993)},
	}},
	{`{"attribute": "id", "operator": "greaterThanOrEqual", "values": [9223372036854775807]}`, []operatorCase{
		{kind: isMatch, value: int64(math.MaxInt64)},
		{kind: isMatch, value: uint64(math.MaxUint64)},
		{kind: isNoMatch, value: int64(math.MaxInt64 - 1)},
	}},
	{`{"attribute": "id", "operator": "greaterThan", "values": [9223372036854775807]}`, []operatorCase{
		{kind: isMatch, value: uint64(math.MaxInt64 + 1)},
		{kind: isNoMatch, value: int64(math.MaxInt64)},
	}},
	// before/after: RFC 3339 strings, Unix seconds and time.Time.
	{`{"attribute": "created", "operator": "before", "values": ["2026-01-01T00:00:00Z"]}`, []operatorCase{
		{kind: isMatch, value: "2025-12-31T23:59:59Z"},
		{kind: isMatch, value: "2025-12-31T23:59:59.999999999Z"},
		{kind: isMatch, value: "2026-01-01T01:59:59+02:00", name: "offset"},
		{kind: isMatch, value: 1767225599},
		{kind: isMatch, value: int64(1767225599)},
		{kind: isMatch, value: 1767225599.5},
		{kind: isMatch, value: json.Number("1767225599")},
		{kind: isMatch, value: json.Number("1767225599.5")},
		{kind: isMatch, value: jan1.Add(-time.Nanosecond)},
		{kind: isMatch, value: time.Date(2026, 1, 1, 0, 59, 0, 0, berlin), name: "time.Time in another zone"},
		{kind: isNoMatch, value: "2026-01-01T00:00:00Z", name: "equal instant"},
		{kind: isNoMatch, value: "2026-01-01T02:00:00+02:00", name: "equal instant with offset"},
		{kind: isNoMatch, value: "2026-01-01T00:00:00.000000001Z"},
		{kind: isNoMatch, value: 1767225600},
		{kind: isNoMatch, value: 1767225600.25},
		{kind: isNoMatch, value: jan1},
		{kind: isMismatch, value: "not a time"},
		{kind: isMismatch, value: "2025-12-31", name: "date only"},
		{kind: isMismatch, value: "1767225599", name: "digits in a string"},
		{kind: isMismatch, value: true},
	}},
	{`{"attribute": "created", "operator": "after", "values": ["2026-01-01T00:00:00Z"]}`, []operatorCase{
		{kind: isMatch, value: "2026-01-01T00:00:01Z"},
		{kind: isMatch, value: 1767225601},
		{kind: isMatch, value: 1767225600.5},
		{kind: isMatch, value: jan1.Add(time.Second)},
		{kind: isNoMatch, value: "2026-01-01T00:00:00Z"},
		{kind: isNoMatch, value: "2025-06-01T00:00:00Z"},
		{kind: isNoMatch, value: 1767225600},
		{kind: isNoMatch, value: jan1},
		{kind: isMismatch, value: "soon"},
		{kind: isMismatch, value: map[string]any{"seconds": 1767225601}},
	}},
	// Unix seconds in the condition, integer and fractional.
	{`{"attribute": "created", "operator": "before", "values": [1767225600]}`, []operatorCase{
		{kind: isMatch, value: "2025-12-31T23:59:59Z"},
		{kind: isMatch, value: 1767225599},
		{kind: isMatch, value: jan1.Add(-time.Millisecond)},
		{kind: isNoMatch, value: "2026-01-01T00:00:00Z"},
		{kind: isNoMatch, value: jan1},
		{kind: isMismatch, value: "2026"},
	}},
	{`{"attribute": "created", "operator": "after", "values": [1767225600.5]}`, []operatorCase{
		{kind: isMatch, value: 1767225601},
		{kind: isMatch, value: "2026-01-01T00:00:00.6Z"},
		{kind: isNoMatch, value: 1767225600},
		{kind: isNoMatch, value: "2026-01-01T00:00:00.5Z", name: "equal instant"},
		{kind: isMismatch, value: false},
	}},
	// Several timestamps are ORed.
	{`{"attribute": "created", "operator": "before", "values": ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"]}`, []operatorCase{
		{kind: isMatch, value: "2025-01-01T00:00:00Z"},
		{kind: isNoMatch, value: "2031-01-01T00:00:00Z"},
		{kind: isMismatch, value: "later"},
	}},
	{`{"attribute": "appVersion", "operator": "semverEqual", "values": ["1.2.3"]}`, []operatorCase{
		{kind: isMatch, value: "1.2.3"},
		{kind: isMatch, value: "v1.2.3"},
		{kind: isMatch, value: "1.2.3+build.5", name: "build metadata ignored"},
		{kind: isMatch, value: "v1.2.3+20130313144700"},
		{kind: isNoMatch, value: "1.2.4"},
		{kind: isNoMatch, value: "1.2.3-rc.1"},
		{kind: isNoMatch, value: "2.0.0"},
		{kind: isMismatch, value: "1.2", name: "not MAJOR.MINOR.PATCH"},
		{kind: isMismatch, value: "1.2.3.4"},
		{kind: isMismatch, value: "01.2.3", name: "leading zero"},
		{kind: isMismatch, value: "1.2.3-", name: "empty pre-release"},
		{kind: isMismatch, value: "1.2.3+", name: "empty build"},
		{kind: isMismatch, value: "1.2.3-01", name: "numeric pre-release with leading zero"},
		{kind: isMismatch, value: "1.2.3-rc..1", name: "empty pre-release identifier"},
		{kind: isMismatch, value: " 1.2.3"},
		{kind: isMismatch, value: "banana"},
		{kind: isMismatch, value: ""},
		{kind: isMismatch, value: 123},
	}},
	{`{"attribute": "appVersion", "operator": "semverEqual", "values": ["v2.0.0+meta.1"]}`, []operatorCase{
		{kind: isMatch, value: "2.0.0"},
		{kind: isMatch, value: "2.0.0+other"},
		{kind: isNoMatch, value: "2.0.1"},
		{kind: isMismatch, value: 2},
	}},
	{`{"attribute": "appVersion", "operator": "semverNotEqual", "values": ["2.0.0"]}`, []operatorCase{
		{kind: isMatch, value: "2.0.1"},
		{kind: isMatch, value: "2.0.0-rc.1"},
		{kind: isNoMatch, value: "v2.0.0+build", name: "build metadata ignored"},
		{kind: isMismatch, value: "2.0"},
		{kind: isMismatch, value: 2},
	}},
	{`{"attribute": "appVersion", "operator": "semverLessThanOrEqual", "values": ["1.0.0"]}`, []operatorCase{
		{kind: isMatch, value: "1.0.0"},
		{kind: isMatch, value: "1.0.0-rc.1"},
		{kind: isNoMatch, value: "1.0.1"},
		{kind: isMismatch, value: "latest"},
	}},
	{`{"attribute": "appVersion", "operator": "semverGreaterThanOrEqual", "values": ["1.0.0"]}`, []operatorCase{
		{kind: isMatch, value: "1.0.0+build"},
		{kind: isMatch, value: "1.10.0"},
		{kind: isNoMatch, value: "1.0.0-rc.1"},
		{kind: isMismatch, value: 1.0},
	}},
	{`{"attribute": "appVersion", "operator": "semverSameMajor", "values": ["3.0.0"]}`, []operatorCase{
		{kind: isMatch, value: "3.1.0"},
		{kind: isMatch, value: "3.0.0-alpha"},
		{kind: isNoMatch, value: "4.0.0"},
		{kind: isNoMatch, value: "2.9.9"},
		{kind: isMismatch, value: "3"},
	}},
	{`{"attribute": "appVersion", "operator": "semverSameMajorMinor", "values": ["3.0.0"]}`, []operatorCase{
		{kind: isMatch, value: "3.0.1"},
		{kind: isNoMatch, value: "3.1.0"},
		{kind: isMismatch, value: true},
	}},
	{`{"attribute": "appVersion", "operator": "semverLessThan", "values": ["1.0.0"]}`, []operatorCase{
		{kind: isMatch, value: "1.0.0-rc.1", name: "pre-release below its release"},
		{kind: isMatch, value: "1.0.0-alpha"},
		{kind: isMatch, value: "0.9.9"},
		{kind: isMatch, value: "v0.1.0"},
		{kind: isNoMatch, value: "1.0.0"},
		{kind: isNoMatch, value: "1.0.0+build", name: "build metadata ignored"},
		{kind: isNoMatch, value: "1.0.1"},
		{kind: isNoMatch, value: "10.0.0"},
		{kind: isMismatch, value: "1.0"},
		{kind: isMismatch, value: 1},
	}},
	{`{"attribute": "appVersion", "operator": "semverGreaterThan", "values": ["1.9.0"]}`, []operatorCase{
		{kind: isMatch, value: "1.10.0", name: "numeric, not lexical"},
		{kind: isMatch, value: "2.0.0-alpha"},
		{kind: isMatch, value: "v1.9.1"},
		{kind: isNoMatch, value: "1.9.0"},
		{kind: isNoMatch, value: "1.9.0+build.1"},
		{kind: isNoMatch, value: "1.9.0-rc.1"},
		{kind: isNoMatch, value: "1.8.99"},
		{kind: isMismatch, value: "1.10"},
		{kind: isMismatch, value: true},
	}},
	// exists: any present, non-null value; there is no type to mismatch.
	{`{"attribute": "plan", "operator": "exists"}`, []operatorCase{
		{kind: isMatch, value: "x"},
		{kind: isMatch, value: ""},
		{kind: isMatch, value: 0},
		{kind: isMatch, value: false},
		{kind: isMatch, value: []any{}, name: "empty []any"},
		{kind: isMatch, value: []string{}, name: "empty []string"},
		{kind: isMatch, value: []any{nil}, name: "list of null"},
		{kind: isMatch, value: map[string]any{}, name: "empty object"},
	}},
	{`{"operator": "inSegment", "values": ["beta"]}`, []operatorCase{
		{kind: isMatch, name: "included", ctx: map[string]any{"targetingKey": "user-9"}},
		{kind: isMatch, name: "included, rules not matching", ctx: map[string]any{"targetingKey": "user-9", "plan": "free"}},
		{kind: isMatch, name: "rule matches", ctx: map[string]any{"targetingKey": "user-5", "plan": "enterprise"}},
		{kind: isMatch, name: "rule matches without a targeting key", ctx: map[string]any{"plan": "enterprise"}},
		{kind: isNoMatch, name: "excluded beats rules", ctx: map[string]any{"targetingKey": "user-3", "plan": "enterprise"}},
		{kind: isNoMatch, name: "not in segment", ctx: map[string]any{"targetingKey": "user-5", "plan": "free"}},
		{kind: isNoMatch, name: "empty context", ctx: map[string]any{}},
		{kind: isMismatch, name: "targeting key is not a string", ctx: map[string]any{"targetingKey": 42}},
	}},
	// Several segments are ORed.
	{`{"operator": "inSegment", "values": ["beta", "staff"]}`, []operatorCase{
		{kind: isMatch, name: "in the first", ctx: map[string]any{"targetingKey": "user-9"}},
		{kind: isMatch, name: "in the second", ctx: map[string]any{"targetingKey": "user-5", "email": "ana@acme.com"}},
		{kind: isMatch, name: "excluded from one, in the other", ctx: map[string]any{"targetingKey": "user-3", "email": "ana@acme.com"}},
		{kind: isNoMatch, name: "in neither", ctx: map[string]any{"targetingKey": "user-3", "plan": "enterprise", "email": "a@example.com"}},
	}},
	// Included and excluded both: included wins (SPEC: "in a segment if its
	// targeting key is included, or ...").
	{`{"operator": "inSegment", "values": ["both"]}`, []operatorCase{
		{kind: isMatch, name: "included and excluded", ctx: map[string]any{"targetingKey": "user-7"}},
		{kind: isNoMatch, name: "neither", ctx: map[string]any{"targetingKey": "user-8"}},
	}},
}

// TestOperators checks every operator of SPEC section 2 with matching,
// non-matching, type-mismatched, missing and null attributes, each plain and
// negated.
func TestOperators(t *testing.T) {
	for _, table := range operatorTables {
		var cond struct {
			Attribute string
			Operator  evaluator.Operator
		}
		require.NoError(t, json.Unmarshal([]byte(table.cond), &cond), table.cond)
		t.Run(table.cond, func(t *testing.T) {
			plain := loadConditions(t, table.cond)
			neg := loadConditions(t, negated(table.cond))
			for _, tc := range table.cases {
				t.Run(tc.label(), func(t *testing.T) {
					ctx := tc.ctx
					if ctx == nil {
						ctx = map[string]any{"targetingKey": "user-1", cond.Attribute: tc.value}
					}
					want := tc.kind == isMatch
					got := condMatches(t, plain, ctx)
					assert.Equalf(t, want, got, "Evaluate(%q) with %s and %#v: matched = %v, want %v", condFlag, table.cond, ctx, got, want)
					// negate inverts the result for a present attribute,
					// type mismatches included.
					got = condMatches(t, neg, ctx)
					assert.Equalf(t, !want, got, "Evaluate(%q) with negated %s and %#v: matched = %v, want %v", condFlag, table.cond, ctx, got, !want)
				})
			}
			if cond.Operator == evaluator.OpInSegment {
				return // no attribute to be missing
			}
			for name, ctx := range map[string]map[string]any{
				"missing":       {"targetingKey": "user-1", "other": "x"},
				"null":          {"targetingKey": "user-1", cond.Attribute: nil},
				"empty context": {},
				"nil context":   nil,
			} {
				t.Run(name, func(t *testing.T) {
					got := condMatches(t, plain, ctx)
					assert.Falsef(t, got, "Evaluate(%q) with %s and %#v: matched = %v, want false", condFlag, table.cond, ctx, got)
					got = condMatches(t, neg, ctx)
					assert.Falsef(t, got, "Evaluate(%q) with negated %s and %#v: matched = %v, want false (missing never matches)", condFlag, table.cond, ctx, got)
				})
			}
		})
	}
}

// TestOperatorTablesCoverSpec checks that TestOperators covers every
// operator of SPEC section 2 with a match, a non-match and a type mismatch.
func TestOperatorTablesCoverSpec(t *testing.T) {
	seen := make(map[evaluator.Operator]map[matchKind]bool)
	for _, table := range operatorTables {
		var cond struct{ Operator evaluator.Operator }
		require.NoError(t, json.Unmarshal([]byte(table.cond), &cond), table.cond)
		if seen[cond.Operator] == nil {
			seen[cond.Operator] = make(map[matchKind]bool)
		}
		for _, tc := range table.cases {
			seen[cond.Operator][tc.kind] = true
		}
	}
	for _, op := range operatorsInSpec {
		kinds := []matchKind{isMatch, isNoMatch, isMismatch}
		if op == evaluator.OpExists {
			// exists matches every present value; only missing and null
			// (checked for every operator) do not match.
			kinds = []matchKind{isMatch}
		}
		for _, k := range kinds {
			assert.Truef(t, seen[op][k], "operator %q has no %s case", op, k)
		}
	}
	assert.Len(t, seen, len(operatorsInSpec), "operators tested")
}

// TestSemverPrecedence checks the pre-release ordering example of SemVer
// 2.0.0 section 11 through every precedence operator, for every pair.
func TestSemverPrecedence(t *testing.T) {
	order := []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.0.1-0", "1.0.1",
		"1.2.0", "1.10.0", "2.0.0+build.7",
	}
	ops := []struct {
		op   evaluator.Operator
		want func(i, j int) bool // i: the attribute's place in order, j: the value's
	}{
		{evaluator.OpSemverLessThan, func(i, j int) bool { return i < j }},
		{evaluator.OpSemverLessThanOrEqual, func(i, j int) bool { return i <= j }},
		{evaluator.OpSemverGreaterThan, func(i, j int) bool { return i > j }},
		{evaluator.OpSemverGreaterThanOrEqual, func(i, j int) bool { return i >= j }},
		{evaluator.OpSemverEqual, func(i, j int) bool { return i == j }},
		{evaluator.OpSemverNotEqual, func(i, j int) bool { return i != j }},
	}
	for _, o := range ops {
		for j, ref := range order {
			ev := loadConditions(t, fmt.Sprintf(`{"attribute": "v", "operator": %q, "values": [%q]}`, o.op, ref))
			for i, v := range order {
				want := o.want(i, j)
				assert.Equalf(t, want, condMatches(t, ev, map[string]any{"v": v}), "%q %s %q: want %v", v, o.op, ref, want)
			}
		}
	}
}

// TestSemverSameMajor checks flagd's ^ and ~ (same major; same major and
// minor), with the flagd testbed's semver.feature examples
// (major-minor-version-flag: ~3.0.0 → "minor", else ^3.0.0 → "major") and
// pre-releases and non-versions around them.
func TestSemverSameMajor(t *testing.T) {
	major := loadConditions(t, `{"attribute": "v", "operator": "semverSameMajor", "values": ["3.0.0"]}`)
	minor := loadConditions(t, `{"attribute": "v", "operator": "semverSameMajorMinor", "values": ["3.0.0"]}`)
	for _, tc := range []struct {
		v            any
		major, minor bool
	}{
		{"3.0.1", true, true},
		{"3.1.0", true, false},
		{"4.0.0", false, false},
		{"2.9.9", false, false},
		{"3.0.0-rc.1", true, true},
		{"v3.2.0+build", true, false},
		{"3.0", false, false}, // not a semantic version
		{3, false, false},     // nor is a number
	} {
		assert.Equalf(t, tc.major, condMatches(t, major, map[string]any{"v": tc.v}), "%v semverSameMajor 3.0.0", tc.v)
		assert.Equalf(t, tc.minor, condMatches(t, minor, map[string]any{"v": tc.v}), "%v semverSameMajorMinor 3.0.0", tc.v)
	}
}

// TestConditionSemantics checks the semantics shared by all operators:
// list attributes, missing and null attributes, negate, JSON Pointers, ORed
// values and ANDed conditions.
func TestConditionSemantics(t *testing.T) {
	const (
		inDE       = `{"attribute": "country", "operator": "in", "values": ["DE"]}`
		in29       = `{"attribute": "n", "operator": "in", "values": [29]}`
		pointer    = `{"attribute": "/address/country", "operator": "in", "values": ["DE"]}`
		escaped    = `{"attribute": "/a~1b/c~0d", "operator": "in", "values": ["x"]}`
		tildeOne   = `{"attribute": "/~01", "operator": "in", "values": ["x"]}`
		index      = `{"attribute": "/tags/1", "operator": "in", "values": ["b"]}`
		deep       = `{"attribute": "/orgs/0/name", "operator": "in", "values": ["acme"]}`
		plan       = `{"attribute": "plan", "operator": "in", "values": ["pro", "team"]}`
		countryAny = `{"attribute": "country", "operator": "in", "values": ["DE", "FR"]}`
	)
	cases := []struct {
		name  string
		conds []string
		ctx   map[string]any
		want  bool
	}{
		// Lists match if any element matches.
		{"[]any with a match", []string{inDE}, map[string]any{"country": []any{"US", "DE"}}, true},
		{"[]any with null and a match", []string{inDE}, map[string]any{"country": []any{nil, "DE"}}, true},
		{"[]string with a match", []string{inDE}, map[string]any{"country": []string{"US", "DE"}}, true},
		{"[]string without a match", []string{inDE}, map[string]any{"country": []string{"US", "FR"}}, false},
		{"[]string without a match, negated", []string{negated(inDE)}, map[string]any{"country": []string{"US", "FR"}}, true},
		{"[]string with a match, negated", []string{negated(inDE)}, map[string]any{"country": []string{"US", "DE"}}, false},
		{"empty list", []string{inDE}, map[string]any{"country": []string{}}, false},
		{"empty list, negated", []string{negated(inDE)}, map[string]any{"country": []any{}}, true},
		{"[]int with a match", []string{in29}, map[string]any{"n": []int{1, 29}}, true},
		{"[]int without a match", []string{in29}, map[string]any{"n": []int{1, 2}}, false},
		{"[]int64 with a match", []string{in29}, map[string]any{"n": []int64{29}}, true},
		{"[]float64 with a match", []string{in29}, map[string]any{"n": []float64{1.5, 29}}, true},
		{"[]float64 without a match", []string{in29}, map[string]any{"n": []float64{29.5}}, false},
		{"[]any of mixed numbers", []string{in29}, map[string]any{"n": []any{"29", json.Number("29")}}, true},
		{"[]any of strings for a number", []string{in29}, map[string]any{"n": []any{"29"}}, false},
		{"[]int with lessThan", []string{`{"attribute": "n", "operator": "lessThan", "values": [0]}`}, map[string]any{"n": []int{5, -1}}, true},
		{"[]string with contains", []string{`{"attribute": "s", "operator": "contains", "values": ["y"]}`}, map[string]any{"s": []string{"abc", "xyz"}}, true},
		{"[]string with semverGreaterThan", []string{`{"attribute": "s", "operator": "semverGreaterThan", "values": ["1.0.0"]}`}, map[string]any{"s": []string{"0.1.0", "2.0.0"}}, true},
		{"[]any with before", []string{`{"attribute": "s", "operator": "before", "values": ["2026-01-01T00:00:00Z"]}`}, map[string]any{"s": []any{"never", 1767225599}}, true},

		// Missing and null attributes never match, even negated; a type
		// mismatch does not match, and so matches when negated.
		{"missing", []string{inDE}, map[string]any{}, false},
		{"missing, negated", []string{negated(inDE)}, map[string]any{}, false},
		{"null, negated", []string{negated(inDE)}, map[string]any{"country": nil}, false},
		{"missing, negated exists", []string{`{"attribute": "country", "operator": "exists", "negate": true}`}, map[string]any{}, false},
		{"type mismatch", []string{inDE}, map[string]any{"country": 49}, false},
		{"type mismatch, negated", []string{negated(inDE)}, map[string]any{"country": 49}, true},
		{"non-semver, negated", []string{negated(`{"attribute": "v", "operator": "semverLessThan", "values": ["2.0.0"]}`)}, map[string]any{"v": "latest"}, true},
		{"non-timestamp, negated", []string{negated(`{"attribute": "t", "operator": "after", "values": ["2026-01-01T00:00:00Z"]}`)}, map[string]any{"t": "tomorrow"}, true},

		// JSON Pointers into nested map[string]any and []any.
		{"pointer", []string{pointer}, map[string]any{"address": map[string]any{"country": "DE"}}, true},
		{"pointer, other value", []string{pointer}, map[string]any{"address": map[string]any{"country": "US"}}, false},
		{"pointer, other value, negated", []string{negated(pointer)}, map[string]any{"address": map[string]any{"country": "US"}}, true},
		{"pointer to a list", []string{pointer}, map[string]any{"address": map[string]any{"country": []any{"US", "DE"}}}, true},
		{"pointer, missing member, negated", []string{negated(pointer)}, map[string]any{"address": map[string]any{}}, false},
		{"pointer, null member, negated", []string{negated(pointer)}, map[string]any{"address": map[string]any{"country": nil}}, false},
		{"pointer, null parent, negated", []string{negated(pointer)}, map[string]any{"address": nil}, false},
		{"pointer through a string, negated", []string{negated(pointer)}, map[string]any{"address": "DE"}, false},
		{"pointer is not a top-level key", []string{pointer}, map[string]any{"address/country": "DE", "country": "DE"}, false},
		{"pointer into map[string]string", []string{pointer}, map[string]any{"address": map[string]string{"country": "DE"}}, true},
		{"pointer past a string in map[string]string", []string{`{"attribute": "/address/country/code", "operator": "in", "values": ["DE"]}`},
			map[string]any{"address": map[string]string{"country": "DE"}}, false},
		{"single-token pointer", []string{`{"attribute": "/country", "operator": "in", "values": ["DE"]}`}, map[string]any{"country": "DE"}, true},
		{"slash inside a plain name", []string{`{"attribute": "a/b", "operator": "in", "values": ["x"]}`}, map[string]any{"a/b": "x"}, true},
		{"~1 is a slash and ~0 a tilde", []string{escaped}, map[string]any{"a/b": map[string]any{"c~d": "x"}}, true},
		{"~1 is not a path separator", []string{escaped}, map[string]any{"a": map[string]any{"b": map[string]any{"c~d": "x"}}}, false},
		{"~01 is ~1, not /", []string{tildeOne}, map[string]any{"~1": "x"}, true},
		{"~01 is not /", []string{tildeOne}, map[string]any{"/": "x"}, false},
		{"array index", []string{index}, map[string]any{"tags": []any{"a", "b"}}, true},
		{"array index, other element", []string{index}, map[string]any{"tags": []any{"b", "a"}}, false},
		{"array index out of range, negated", []string{negated(index)}, map[string]any{"tags": []any{"a"}}, false},
		{"array index with a leading zero, negated", []string{negated(`{"attribute": "/tags/01", "operator": "in", "values": ["b"]}`)}, map[string]any{"tags": []any{"a", "b"}}, false},
		{"array index -, negated", []string{negated(`{"attribute": "/tags/-", "operator": "in", "values": ["b"]}`)}, map[string]any{"tags": []any{"a", "b"}}, false},
		{"array index into an object", []string{`{"attribute": "/tags/1", "operator": "in", "values": ["b"]}`}, map[string]any{"tags": map[string]any{"1": "b"}}, true},
		{"object inside an array", []string{deep}, map[string]any{"orgs": []any{map[string]any{"name": "acme"}}}, true},
		{"object inside an array, other value", []string{deep}, map[string]any{"orgs": []any{map[string]any{"name": "other"}, map[string]any{"name": "acme"}}}, false},

		// Values are ORed, conditions ANDed.
		{"second value", []string{plan}, map[string]any{"plan": "team"}, true},
		{"both conditions", []string{countryAny, plan}, map[string]any{"country": "FR", "plan": "pro"}, true},
		{"first condition only", []string{countryAny, plan}, map[string]any{"country": "FR", "plan": "free"}, false},
		{"second condition only", []string{countryAny, plan}, map[string]any{"country": "US", "plan": "pro"}, false},
		{"second attribute missing", []string{countryAny, plan}, map[string]any{"country": "DE"}, false},
		{"three conditions with a negated one", []string{countryAny, plan, negated(`{"attribute": "email", "operator": "endsWith", "values": ["@acme.com"]}`)},
			map[string]any{"country": "DE", "plan": "pro", "email": "a@example.com"}, true},
		{"three conditions, negated one fails", []string{countryAny, plan, negated(`{"attribute": "email", "operator": "endsWith", "values": ["@acme.com"]}`)},
			map[string]any{"country": "DE", "plan": "pro", "email": "a@acme.com"}, false},
		{"segment and attribute", []string{`{"operator": "inSegment", "values": ["beta"]}`, countryAny}, map[string]any{"targetingKey": "user-9", "country": "DE"}, true},
		{"segment and attribute, not in segment", []string{`{"operator": "inSegment", "values": ["beta"]}`, countryAny}, map[string]any{"targetingKey": "user-3", "country": "DE"}, false},
		{"negated segment", []string{negated(`{"operator": "inSegment", "values": ["beta"]}`)}, map[string]any{"targetingKey": "user-3", "plan": "enterprise"}, true},
		{"negated segment, included", []string{negated(`{"operator": "inSegment", "values": ["beta"]}`)}, map[string]any{"targetingKey": "user-9"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := loadConditions(t, tc.conds...)
			got := condMatches(t, ev, tc.ctx)
			assert.Equalf(t, tc.want, got, "Evaluate(%q) with %v and %#v: matched = %v, want %v", condFlag, tc.conds, tc.ctx, got, tc.want)
		})
	}
}

// TestConditionDoesNotModifyContext checks that evaluation only reads the
// context, nested values included.
func TestConditionDoesNotModifyContext(t *testing.T) {
	ev := loadConditions(t,
		`{"attribute": "/address/country", "operator": "in", "values": ["DE"]}`,
		`{"attribute": "tags", "operator": "contains", "values": ["b"]}`)
	ctx := map[string]any{"address": map[string]any{"country": "DE"}, "tags": []any{"a", "b"}}
	want := map[string]any{"address": map[string]any{"country": "DE"}, "tags": []any{"a", "b"}}
	require.True(t, condMatches(t, ev, ctx))
	assert.Equal(t, want, ctx)
}
