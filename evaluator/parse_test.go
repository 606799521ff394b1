package evaluator_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
)

// The tests in this file check ruleset parsing and validation (SPEC section
// 2) through the public API only: every rejection names the exact JSON path
// and says what is wrong and how to fix it, and every accepted document
// survives Parse → json.Marshal → Parse.

// rejectCase is one document that Parse and Load must reject.
type rejectCase struct {
	name string
	doc  string
	// path is the exact ValidationError.Path.
	path string
	// words must all appear in ValidationError.Message.
	words []string
}

// runRejectCases checks each case through Parse and Load.
func runRejectCases(t *testing.T, cases []rejectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkRejected(t, []byte(tc.doc), tc.path, tc.words)
		})
	}
}

// checkRejected asserts that Parse and Load both reject data with a
// *ValidationError at path whose message contains every word, and that the
// error matches ErrInvalidRuleset.
func checkRejected(t *testing.T, data []byte, path string, words []string) {
	t.Helper()
	rs, err := evaluator.Parse(data)
	require.Errorf(t, err, "Parse(%s) = nil error, want a rejection at %q", data, path)
	assert.Nil(t, rs, "Parse returned a ruleset together with an error")
	ve := checkValidationError(t, "Parse", err, path, words)

	ev, loadErr := evaluator.Load(data)
	require.Errorf(t, loadErr, "Load(%s) = nil error, but Parse rejected it: %v", data, err)
	assert.Nil(t, ev, "Load returned an evaluator together with an error")
	var lve *evaluator.ValidationError
	require.ErrorAs(t, loadErr, &lve)
	assert.Equalf(t, *ve, *lve, "Load and Parse disagree: Load = %v, Parse = %v", loadErr, err)
}

// checkValidationError asserts the shape of one rejection and returns it.
func checkValidationError(t *testing.T, fn string, err error, path string, words []string) *evaluator.ValidationError {
	t.Helper()
	assert.Truef(t, errors.Is(err, evaluator.ErrInvalidRuleset), "%s error %v does not match ErrInvalidRuleset", fn, err)
	var ve *evaluator.ValidationError
	require.Truef(t, errors.As(err, &ve), "%s error %v (%T) is not a *ValidationError", fn, err, err)
	assert.Equalf(t, path, ve.Path, "%s error path = %q, want %q (error: %v)", fn, ve.Path, path, err)
	for _, w := range words {
		assert.Containsf(t, ve.Message, w, "%s error message lacks %q (error: %v)", fn, w, err)
	}
	want := "evaluator: " + ve.Message
	if ve.Path != "" {
		want = "evaluator: " + ve.Path + ": " + ve.Message
	}
	assert.Equal(t, want, err.Error(), "Error() must be the package prefix, the path and the message")
	return ve
}

// Document builders. Every document built by them is valid except for the
// part a test puts in.

// docWith returns a schemaVersion 1 document with the given members of
// "flags" and "segments".
func docWith(flags, segments string) string {
	return `{"schemaVersion": 1, "flags": {` + flags + `}, "segments": {` + segments + `}}`
}

// doc returns a document with the given flags and a segment "beta".
func doc(flags string) string {
	return docWith(flags, `"beta": {"included": ["user-9"]}`)
}

// boolFlag returns flag "f", a boolean flag with variants on and off;
// extra (starting with ", ") adds members.
func boolFlag(extra string) string {
	return doc(`"f": {"type": "boolean", "variants": {"on": true, "off": false}` + extra + `}`)
}

// typedFlag returns flag "f" of typ with the given variants object.
func typedFlag(typ, variants string) string {
	return doc(`"f": {"type": "` + typ + `", "variants": ` + variants + `}`)
}

// withCondition returns flag "f" with one rule whose only condition is cond.
func withCondition(cond string) string {
	return boolFlag(`, "rules": [{"id": "r", "conditions": [` + cond + `], "serve": {"variant": "on"}}]`)
}

// withDefault returns flag "f" whose default serve is serve.
func withDefault(serve string) string {
	return boolFlag(`, "default": ` + serve)
}

// withRollout returns flag "f" whose default is a rollout over variants.
func withRollout(variants string) string {
	return withDefault(`{"rollout": {"variants": [` + variants + `]}}`)
}

// withSegment returns a document whose only segment "s" is segment.
func withSegment(segment string) string {
	return docWith(`"f": {"type": "boolean", "variants": {"on": true}}`, `"s": `+segment)
}

const (
	condPath    = "flags.f.rules[0].conditions[0]"
	rolloutPath = "flags.f.default.rollout"
)

func TestParseRejectsMalformedDocuments(t *testing.T) {
	runRejectCases(t, []rejectCase{
		{
			name:  "syntax error reports line and column",
			doc:   "{\n  \"schemaVersion\": 1,\n  \"flags\": {,}\n}",
			path:  "flags",
			words: []string{"malformed JSON", "line 3, column 13", "expected a string key", "','"},
		},
		{
			name:  "misspelled literal",
			doc:   "{\"schemaVersion\": 1, \"flags\": {\"f\": {\"type\": \"boolean\",\n \"variants\": {\"on\": tru}}}}",
			path:  "flags.f.variants.on",
			words: []string{"malformed JSON", "line 2, column 21", "expected a value"},
		},
		{
			name:  "missing colon",
			doc:   `{"schemaVersion" 1}`,
			path:  "schemaVersion",
			words: []string{"malformed JSON", "line 1, column 18", "expected ':'"},
		},
		{
			name:  "trailing comma in an array",
			doc:   withCondition(`{"attribute": "a", "operator": "in", "values": ["x",]}`),
			path:  "flags.f.rules[0].conditions[0].values[1]",
			words: []string{"malformed JSON", "line 1, column", "expected a value"},
		},
		{
			name:  "leading zero in a number",
			doc:   `{"schemaVersion": 01}`,
			path:  "schemaVersion",
			words: []string{"malformed JSON", "line 1, column 19", "leading zero"},
		},
		{
			name:  "invalid escape in a string",
			doc:   `{"schemaVersion": 1, "version": "a\qb"}`,
			path:  "version",
			words: []string{"malformed JSON", "line 1, column 33", "invalid escape"},
		},
		{
			name:  "unterminated string",
			doc:   `{"schemaVersion": 1, "version": "abc`,
			path:  "version",
			words: []string{"malformed JSON", "unterminated string"},
		},
		{
			name:  "raw newline in a string",
			doc:   "{\"schemaVersion\": 1, \"version\": \"a\nb\"}",
			path:  "version",
			words: []string{"malformed JSON", "line 1, column 35", "control character", "escape it"},
		},
		{
			name:  "document ends early",
			doc:   "{\"schemaVersion\": 1,\n \"flags\": {",
			path:  "flags",
			words: []string{"malformed JSON", "ends early"},
		},
		{
			name: "document ends early reports line and column",
			doc:  "{\"schemaVersion\": 1,\n \"flags\": {",
			path: "flags",
			// Where the document stops is the most useful hint for a
			// truncated download or cache file.
			words: []string{"malformed JSON", "ends early", "line 2, column 12"},
		},
		{
			name:  "non-ASCII character is quoted as written",
			doc:   `{"schemaVersion": 1, é}`,
			path:  "",
			words: []string{"malformed JSON", "line 1, column 22", "expected a string key", `found 'é'`},
		},
		{
			name:  "empty document",
			doc:   "",
			path:  "",
			words: []string{"document is empty", "JSON object", "schemaVersion"},
		},
		{
			name:  "whitespace-only document",
			doc:   " \n\t\r\n",
			path:  "",
			words: []string{"document is empty", "JSON object", "schemaVersion"},
		},
		{
			name:  "trailing data after the document",
			doc:   `{"schemaVersion": 1} {"schemaVersion": 1}`,
			path:  "",
			words: []string{"unexpected data after the top-level JSON value", "line 1, column 22"},
		},
		{
			name:  "trailing closing brace",
			doc:   "{\"schemaVersion\": 1}\n}",
			path:  "",
			words: []string{"unexpected data after the top-level JSON value", "line 2, column 1"},
		},
		{
			name:  "top level is an array",
			doc:   `[{"schemaVersion": 1}]`,
			path:  "",
			words: []string{"must be a JSON object", "got an array"},
		},
		{
			name:  "top level is a string",
			doc:   `"schemaVersion"`,
			path:  "",
			words: []string{"must be a JSON object", "got a string"},
		},
		{
			name:  "top level is a number",
			doc:   `1`,
			path:  "",
			words: []string{"must be a JSON object", "got a number"},
		},
		{
			name:  "top level is null",
			doc:   `null`,
			path:  "",
			words: []string{"must be a JSON object", "got null"},
		},
		{
			name:  "top level is a boolean",
			doc:   ` true`,
			path:  "",
			words: []string{"must be a JSON object", "got a boolean"},
		},
		{
			name:  "top level is not JSON",
			doc:   `schemaVersion: 1`,
			path:  "",
			words: []string{"malformed JSON", "line 1, column 1", "expected a JSON object"},
		},
	})
}

func TestParseRejectsSchemaVersion(t *testing.T) {
	runRejectCases(t, []rejectCase{
		{
			name:  "missing schemaVersion",
			doc:   `{"flags": {}}`,
			path:  "",
			words: []string{`missing required field "schemaVersion"`},
		},
		{
			name:  "missing schemaVersion in an empty object",
			doc:   `{}`,
			path:  "",
			words: []string{`missing required field "schemaVersion"`},
		},
		{
			name:  "schemaVersion 2",
			doc:   `{"schemaVersion": 2, "flags": {}}`,
			path:  "schemaVersion",
			words: []string{"unsupported schema version 2", "reads schemaVersion 1"},
		},
		{
			name:  "schemaVersion 0",
			doc:   `{"schemaVersion": 0}`,
			path:  "schemaVersion",
			words: []string{"unsupported schema version 0", "reads schemaVersion 1"},
		},
		{
			name:  "schemaVersion -1",
			doc:   `{"schemaVersion": -1}`,
			path:  "schemaVersion",
			words: []string{"unsupported schema version -1", "reads schemaVersion 1"},
		},
		{
			name:  "schemaVersion as a string",
			doc:   `{"schemaVersion": "1", "flags": {}}`,
			path:  "schemaVersion",
			words: []string{"expected the number 1", "got a string"},
		},
		{
			name:  "schemaVersion null",
			doc:   `{"schemaVersion": null}`,
			path:  "schemaVersion",
			words: []string{"expected the number 1", "got null"},
		},
		{
			name:  "schemaVersion twice",
			doc:   `{"schemaVersion": 1, "schemaVersion": 1}`,
			path:  "schemaVersion",
			words: []string{`duplicate key "schemaVersion"`, "once"},
		},
		{
			name: "schemaVersion 2 after fields this version does not know",
			doc: `{"flags": {"f": {"type": "boolean", "variants": {"on": true}, "stickiness": "user"}},
			       "schemaVersion": 2}`,
			path:  "schemaVersion",
			words: []string{"unsupported schema version 2", "reads schemaVersion 1"},
		},
	})
}

func TestParseRejectsUnknownFields(t *testing.T) {
	const (
		topFields      = "allowed fields are schemaVersion, tenantId, environment, version, flags, segments"
		flagFieldList  = "allowed fields are type, enabled, variants, offVariant, prerequisites, targets, rules, default, metadata, trackEvents"
		ruleFields     = "allowed fields are id, conditions, serve, trackEvents"
		condFields     = "allowed fields are attribute, operator, values, negate"
		serveFields    = "allowed fields are variant, rollout (exactly one)"
		rolloutFields  = "allowed fields are variants, bucketBy, seed"
		weightedFields = "allowed fields are variant, weight"
		prereqFields   = "allowed fields are flag, variants"
		targetFields   = "allowed fields are variant, values"
		segmentFields  = "allowed fields are included, excluded, rules"
		segRuleFields  = "allowed fields are id, conditions"
	)
	runRejectCases(t, []rejectCase{
		{
			name:  "top level",
			doc:   `{"schemaVersion": 1, "flag": {}}`,
			path:  "flag",
			words: []string{`unknown field "flag"`, topFields},
		},
		{
			name:  "top level, case differs",
			doc:   `{"schemaVersion": 1, "tenantID": "acme"}`,
			path:  "tenantID",
			words: []string{`unknown field "tenantID"`, topFields},
		},
		{
			name:  "flag",
			doc:   boolFlag(`, "defaultVariant": "on"`),
			path:  "flags.f.defaultVariant",
			words: []string{`unknown field "defaultVariant"`, flagFieldList},
		},
		{
			name:  "rule",
			doc:   boolFlag(`, "rules": [{"id": "r", "serve": {"variant": "on"}, "condition": []}]`),
			path:  "flags.f.rules[0].condition",
			words: []string{`unknown field "condition"`, ruleFields},
		},
		{
			name:  "condition",
			doc:   withCondition(`{"attribute": "a", "operator": "in", "value": ["x"]}`),
			path:  condPath + ".value",
			words: []string{`unknown field "value"`, condFields},
		},
		{
			name:  "rule serve",
			doc:   boolFlag(`, "rules": [{"serve": {"variant": "on", "weight": 1}}]`),
			path:  "flags.f.rules[0].serve.weight",
			words: []string{`unknown field "weight"`, serveFields},
		},
		{
			name:  "default serve",
			doc:   withDefault(`{"variants": "on"}`),
			path:  "flags.f.default.variants",
			words: []string{`unknown field "variants"`, serveFields},
		},
		{
			name:  "rollout",
			doc:   withDefault(`{"rollout": {"variants": [{"variant": "on", "weight": 1}], "salt": "x"}}`),
			path:  rolloutPath + ".salt",
			words: []string{`unknown field "salt"`, rolloutFields},
		},
		{
			name:  "weighted variant",
			doc:   withRollout(`{"variant": "on", "weight": 1}, {"variant": "off", "weight": 1, "percentage": 50}`),
			path:  rolloutPath + ".variants[1].percentage",
			words: []string{`unknown field "percentage"`, weightedFields},
		},
		{
			name: "prerequisite",
			doc: doc(`"p": {"type": "boolean", "variants": {"on": true}},
			          "f": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "p", "variants": ["on"], "variant": "on"}]}`),
			path:  "flags.f.prerequisites[0].variant",
			words: []string{`unknown field "variant"`, prereqFields},
		},
		{
			name:  "target",
			doc:   boolFlag(`, "targets": [{"variant": "on", "values": ["u"], "keys": ["v"]}]`),
			path:  "flags.f.targets[0].keys",
			words: []string{`unknown field "keys"`, targetFields},
		},
		{
			name:  "segment",
			doc:   withSegment(`{"included": ["u"], "include": ["v"]}`),
			path:  "segments.s.include",
			words: []string{`unknown field "include"`, segmentFields},
		},
		{
			name:  "segment rule",
			doc:   withSegment(`{"rules": [{"conditions": [{"attribute": "a", "operator": "exists"}], "serve": {"variant": "on"}}]}`),
			path:  "segments.s.rules[0].serve",
			words: []string{`unknown field "serve"`, segRuleFields},
		},
		{
			name:  "condition in a segment rule",
			doc:   withSegment(`{"rules": [{"conditions": [{"attribute": "a", "operator": "exists", "not": true}]}]}`),
			path:  "segments.s.rules[0].conditions[0].not",
			words: []string{`unknown field "not"`, condFields},
		},
	})
}

func TestParseRejectsDuplicateKeys(t *testing.T) {
	// Flag keys f00..f19: more than the decoder's small-object limit, so
	// duplicates are also found after it switches to a set.
	var many []string
	for i := range 20 {
		many = append(many, `"f`+string(rune('0'+i/10))+string(rune('0'+i%10))+`": {"type": "boolean", "variants": {"on": true}}`)
	}
	runRejectCases(t, []rejectCase{
		{
			name: "flag key",
			doc: doc(`"f": {"type": "boolean", "variants": {"on": true}},
			          "f": {"type": "string", "variants": {"a": "A"}}`),
			path:  "flags.f",
			words: []string{`duplicate key "f"`, "each key may appear once"},
		},
		{
			name:  "flag key among many",
			doc:   doc(strings.Join(many, ",") + `, "f07": {"type": "boolean", "variants": {"on": true}}`),
			path:  "flags.f07",
			words: []string{`duplicate key "f07"`, "each key may appear once"},
		},
		{
			name:  "flag key written with an escape",
			doc:   doc(`"ab": {"type": "boolean", "variants": {"on": true}}, "a\u0062": {"type": "boolean", "variants": {"on": true}}`),
			path:  "flags.ab",
			words: []string{`duplicate key "ab"`, "each key may appear once"},
		},
		{
			name:  "variant name",
			doc:   typedFlag("boolean", `{"on": true, "off": false, "on": false}`),
			path:  "flags.f.variants.on",
			words: []string{`duplicate key "on"`, "each key may appear once"},
		},
		{
			name:  "key inside an object variant value",
			doc:   typedFlag("object", `{"x": {"k": 1, "nested": {"a": [{"k": 1, "k": 2}]}}}`),
			path:  "flags.f.variants.x.nested.a[0].k",
			words: []string{`duplicate key "k"`, "each key may appear once"},
		},
		{
			name:  "segment",
			doc:   docWith(`"f": {"type": "boolean", "variants": {"on": true}}`, `"s": {"included": ["a"]}, "s": {"included": ["b"]}`),
			path:  "segments.s",
			words: []string{`duplicate key "s"`, "each key may appear once"},
		},
		{
			name:  "field of a flag",
			doc:   boolFlag(`, "type": "string"`),
			path:  "flags.f.type",
			words: []string{`duplicate key "type"`, "each key may appear once"},
		},
		{
			name:  "field of a condition",
			doc:   withCondition(`{"attribute": "a", "operator": "in", "values": ["x"], "operator": "contains"}`),
			path:  condPath + ".operator",
			words: []string{`duplicate key "operator"`, "each key may appear once"},
		},
		{
			name:  "metadata key",
			doc:   boolFlag(`, "metadata": {"owner": "a", "owner": "b"}`),
			path:  "flags.f.metadata.owner",
			words: []string{`duplicate key "owner"`, "each key may appear once"},
		},
	})
}

func TestParseRejectsWrongTypes(t *testing.T) {
	runRejectCases(t, []rejectCase{
		{
			name:  "flags as an array",
			doc:   `{"schemaVersion": 1, "flags": [{"type": "boolean"}]}`,
			path:  "flags",
			words: []string{"expected an object", "got an array"},
		},
		{
			name:  "segments as an array",
			doc:   `{"schemaVersion": 1, "segments": []}`,
			path:  "segments",
			words: []string{"expected an object", "got an array"},
		},
		{
			name:  "flag as a string",
			doc:   doc(`"f": "boolean"`),
			path:  "flags.f",
			words: []string{"expected an object", "got a string"},
		},
		{
			name:  "tenantId as a number",
			doc:   `{"schemaVersion": 1, "tenantId": 42}`,
			path:  "tenantId",
			words: []string{"expected a string", "got a number"},
		},
		{
			name:  "version as a number",
			doc:   `{"schemaVersion": 1, "version": 42}`,
			path:  "version",
			words: []string{"expected a string", "got a number"},
		},
		{
			name:  "type as a number",
			doc:   doc(`"f": {"type": 1, "variants": {"on": true}}`),
			path:  "flags.f.type",
			words: []string{"expected a string", "got a number"},
		},
		{
			name:  "enabled as a string",
			doc:   boolFlag(`, "enabled": "true"`),
			path:  "flags.f.enabled",
			words: []string{"expected true or false", "got a string"},
		},
		{
			name:  "enabled null",
			doc:   boolFlag(`, "enabled": null`),
			path:  "flags.f.enabled",
			words: []string{"expected true or false", "got null"},
		},
		{
			name:  "trackEvents as a number",
			doc:   boolFlag(`, "trackEvents": 1`),
			path:  "flags.f.trackEvents",
			words: []string{"expected true or false", "got a number"},
		},
		{
			name:  "variants as an array",
			doc:   typedFlag("boolean", `[true, false]`),
			path:  "flags.f.variants",
			words: []string{"expected an object", "got an array"},
		},
		{
			name:  "boolean flag with a string variant",
			doc:   typedFlag("boolean", `{"on": "yes", "off": false}`),
			path:  "flags.f.variants.on",
			words: []string{"expected true or false for a boolean flag", `got the string "yes"`},
		},
		{
			name:  "boolean flag with a number variant",
			doc:   typedFlag("boolean", `{"on": 1}`),
			path:  "flags.f.variants.on",
			words: []string{"expected true or false for a boolean flag", "got the number 1"},
		},
		{
			name:  "string flag with a number variant",
			doc:   typedFlag("string", `{"a": "A", "b": 1}`),
			path:  "flags.f.variants.b",
			words: []string{"expected a string for a string flag", "got the number 1"},
		},
		{
			name:  "string flag with a null variant",
			doc:   typedFlag("string", `{"a": null}`),
			path:  "flags.f.variants.a",
			words: []string{"expected a string for a string flag", "got null"},
		},
		{
			name:  "integer flag with a fraction",
			doc:   typedFlag("integer", `{"one": 1, "half": 1.5}`),
			path:  "flags.f.variants.half",
			words: []string{"expected a whole number within int64", "integer flag", "got the number 1.5", "use a float flag for fractions"},
		},
		{
			name:  "integer flag with a string",
			doc:   typedFlag("integer", `{"three": "3"}`),
			path:  "flags.f.variants.three",
			words: []string{"expected a whole number", "integer flag", `got the string "3"`},
		},
		{
			name:  "integer flag beyond int64",
			doc:   typedFlag("integer", `{"big": 9223372036854775808}`),
			path:  "flags.f.variants.big",
			words: []string{"expected a whole number within int64", "integer flag", "got the number 9223372036854775808"},
		},
		{
			name:  "float flag with a string",
			doc:   typedFlag("float", `{"x": "x"}`),
			path:  "flags.f.variants.x",
			words: []string{"expected a number for a float flag", `got the string "x"`},
		},
		{
			name:  "float flag with a boolean",
			doc:   typedFlag("float", `{"x": true}`),
			path:  "flags.f.variants.x",
			words: []string{"expected a number for a float flag", "got the boolean true"},
		},
		{
			name:  "object flag with a string",
			doc:   typedFlag("object", `{"x": "{\"a\": 1}"}`),
			path:  "flags.f.variants.x",
			words: []string{"expected a JSON object or array", "object flag", `got the string "{\"a\": 1}"`},
		},
		{
			name:  "object flag with a number",
			doc:   typedFlag("object", `{"x": 3}`),
			path:  "flags.f.variants.x",
			words: []string{"expected a JSON object or array", "object flag", "got the number 3"},
		},
		{
			name:  "metadata as an array",
			doc:   boolFlag(`, "metadata": ["owner"]`),
			path:  "flags.f.metadata",
			words: []string{"expected an object", "got an array"},
		},
		{
			name:  "metadata value as an object",
			doc:   boolFlag(`, "metadata": {"owner": "qa", "team": {"name": "payments"}}`),
			path:  "flags.f.metadata.team",
			words: []string{"metadata values must be strings, numbers or booleans", "got an object"},
		},
		{
			name:  "metadata value as an array",
			doc:   boolFlag(`, "metadata": {"tags": ["a"]}`),
			path:  "flags.f.metadata.tags",
			words: []string{"metadata values must be strings, numbers or booleans", "got an array"},
		},
		{
			name:  "metadata value null",
			doc:   boolFlag(`, "metadata": {"owner": null}`),
			path:  "flags.f.metadata.owner",
			words: []string{"metadata values must be strings, numbers or booleans", "got null"},
		},
		{
			name:  "weight negative",
			doc:   withRollout(`{"variant": "on", "weight": -1}, {"variant": "off", "weight": 2}`),
			path:  rolloutPath + ".variants[0].weight",
			words: []string{"weight -1 is not an integer from 0 to 4294967296"},
		},
		{
			name:  "weight fractional",
			doc:   withRollout(`{"variant": "on", "weight": 1}, {"variant": "off", "weight": 2.5}`),
			path:  rolloutPath + ".variants[1].weight",
			words: []string{"weight 2.5 is not an integer from 0 to 4294967296"},
		},
		{
			name:  "weight as a string",
			doc:   withRollout(`{"variant": "on", "weight": "50"}`),
			path:  rolloutPath + ".variants[0].weight",
			words: []string{"expected a non-negative integer", "got a string"},
		},
		{
			name:  "weight above 2^32",
			doc:   withRollout(`{"variant": "on", "weight": 4294967297}`),
			path:  rolloutPath + ".variants[0].weight",
			words: []string{"weight 4294967297 is not an integer from 0 to 4294967296"},
		},
		{
			name:  "weight beyond uint64",
			doc:   withRollout(`{"variant": "on", "weight": 18446744073709551616}`),
			path:  rolloutPath + ".variants[0].weight",
			words: []string{"weight 18446744073709551616 is not an integer from 0 to 4294967296"},
		},
		{
			name:  "rules as an object",
			doc:   boolFlag(`, "rules": {"r": {"serve": {"variant": "on"}}}`),
			path:  "flags.f.rules",
			words: []string{"expected an array", "got an object"},
		},
		{
			name:  "condition values as a string",
			doc:   withCondition(`{"attribute": "a", "operator": "in", "values": "x"}`),
			path:  condPath + ".values",
			words: []string{"expected an array", "got a string"},
		},
		{
			name:  "negate as a string",
			doc:   withCondition(`{"attribute": "a", "operator": "exists", "negate": "yes"}`),
			path:  condPath + ".negate",
			words: []string{"expected true or false", "got a string"},
		},
		{
			name:  "target value as a number",
			doc:   boolFlag(`, "targets": [{"variant": "on", "values": ["u1", 2]}]`),
			path:  "flags.f.targets[0].values[1]",
			words: []string{"expected a string", "got a number"},
		},
		{
			name:  "segment included as a string",
			doc:   withSegment(`{"included": "u1"}`),
			path:  "segments.s.included",
			words: []string{"expected an array", "got a string"},
		},
		{
			name:  "prerequisite variants as a string",
			doc:   doc(`"p": {"type": "boolean", "variants": {"on": true}}, "f": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "p", "variants": "on"}]}`),
			path:  "flags.f.prerequisites[0].variants",
			words: []string{"expected an array", "got a string"},
		},
	})
}

func TestParseRejectsBadFlags(t *testing.T) {
	const prereqFlag = `"p": {"type": "string", "variants": {"a": "A", "b": "B"}}, `
	runRejectCases(t, []rejectCase{
		{
			name:  "unknown flag type",
			doc:   typedFlag("bool", `{"on": true}`),
			path:  "flags.f.type",
			words: []string{`unknown flag type "bool"`, "use boolean, string, integer, float or object"},
		},
		{
			name:  "flag type in the wrong case",
			doc:   typedFlag("Boolean", `{"on": true}`),
			path:  "flags.f.type",
			words: []string{`unknown flag type "Boolean"`, "use boolean, string, integer, float or object"},
		},
		{
			name:  "missing type",
			doc:   doc(`"f": {"variants": {"on": true}}`),
			path:  "flags.f",
			words: []string{`missing required field "type"`, "use boolean, string, integer, float or object"},
		},
		{
			name:  "no variants",
			doc:   typedFlag("boolean", `{}`),
			path:  "flags.f.variants",
			words: []string{"a flag needs at least one variant"},
		},
		{
			name:  "missing variants",
			doc:   doc(`"f": {"type": "boolean"}`),
			path:  "flags.f.variants",
			words: []string{"a flag needs at least one variant"},
		},
		{
			name:  "empty variant name",
			doc:   typedFlag("boolean", `{"": true, "off": false}`),
			path:  "flags.f.variants",
			words: []string{"variant name must not be empty"},
		},
		{
			name:  "unknown offVariant",
			doc:   boolFlag(`, "offVariant": "of"`),
			path:  "flags.f.offVariant",
			words: []string{`unknown variant "of"`, "the flag's variants are off, on"},
		},
		{
			name:  "unknown variant in a target",
			doc:   boolFlag(`, "targets": [{"variant": "on", "values": ["u1"]}, {"variant": "ON", "values": ["u2"]}]`),
			path:  "flags.f.targets[1].variant",
			words: []string{`unknown variant "ON"`, "the flag's variants are off, on"},
		},
		{
			name:  "unknown variant in a rule serve",
			doc:   boolFlag(`, "rules": [{"serve": {"variant": "on"}}, {"serve": {"variant": "enabled"}}]`),
			path:  "flags.f.rules[1].serve.variant",
			words: []string{`unknown variant "enabled"`, "the flag's variants are off, on"},
		},
		{
			name:  "unknown variant in the default",
			doc:   withDefault(`{"variant": "default"}`),
			path:  "flags.f.default.variant",
			words: []string{`unknown variant "default"`, "the flag's variants are off, on"},
		},
		{
			name:  "unknown variant in a rollout",
			doc:   withRollout(`{"variant": "on", "weight": 1}, {"variant": "of", "weight": 1}`),
			path:  rolloutPath + ".variants[1].variant",
			words: []string{`unknown variant "of"`, "the flag's variants are off, on"},
		},
		{
			name:  "unknown variant in a rule's rollout",
			doc:   boolFlag(`, "rules": [{"serve": {"rollout": {"variants": [{"variant": "maybe", "weight": 1}]}}}]`),
			path:  "flags.f.rules[0].serve.rollout.variants[0].variant",
			words: []string{`unknown variant "maybe"`, "the flag's variants are off, on"},
		},
		{
			name:  "unknown variant in a prerequisite",
			doc:   doc(prereqFlag + `"f": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "p", "variants": ["a", "c"]}]}`),
			path:  "flags.f.prerequisites[0].variants[1]",
			words: []string{`unknown variant "c" of flag "p"`, "its variants are a, b"},
		},
		{
			name:  "prerequisite names a variant of the wrong flag",
			doc:   doc(prereqFlag + `"f": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "p", "variants": ["on"]}]}`),
			path:  "flags.f.prerequisites[0].variants[0]",
			words: []string{`unknown variant "on" of flag "p"`, "its variants are a, b"},
		},
		{
			name:  "prerequisite with no variants",
			doc:   doc(prereqFlag + `"f": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "p", "variants": []}]}`),
			path:  "flags.f.prerequisites[0].variants",
			words: []string{"at least one variant", `"p"`},
		},
		{
			name:  "prerequisite with an empty flag key",
			doc:   boolFlag(`, "prerequisites": [{"flag": "", "variants": ["on"]}]`),
			path:  "flags.f.prerequisites[0].flag",
			words: []string{"prerequisite needs a flag key"},
		},
		{
			name:  "prerequisite without a flag",
			doc:   boolFlag(`, "prerequisites": [{"variants": ["on"]}]`),
			path:  "flags.f.prerequisites[0]",
			words: []string{`missing required field "flag"`},
		},
		{
			name:  "prerequisite without variants",
			doc:   doc(prereqFlag + `"f": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "p"}]}`),
			path:  "flags.f.prerequisites[0]",
			words: []string{`missing required field "variants"`},
		},
		{
			name:  "targeting key under two variants",
			doc:   boolFlag(`, "targets": [{"variant": "on", "values": ["u1", "u2"]}, {"variant": "off", "values": ["u3", "u2"]}]`),
			path:  "flags.f.targets[1].values[1]",
			words: []string{`this targeting key is already targeted to variant "on"`, "one variant only"},
		},
		{
			name:  "empty targeting key in a target",
			doc:   boolFlag(`, "targets": [{"variant": "on", "values": ["u1", ""]}]`),
			path:  "flags.f.targets[0].values[1]",
			words: []string{"empty targeting key", "remove it"},
		},
		{
			name:  "empty targeting key in a segment",
			doc:   withSegment(`{"included": ["u1"], "excluded": [""]}`),
			path:  "segments.s.excluded[0]",
			words: []string{"empty targeting key", "remove it"},
		},
		{
			name:  "target with no keys",
			doc:   boolFlag(`, "targets": [{"variant": "on", "values": []}]`),
			path:  "flags.f.targets[0].values",
			words: []string{"a target needs at least one targeting key"},
		},
		{
			name:  "target without values",
			doc:   boolFlag(`, "targets": [{"variant": "on"}]`),
			path:  "flags.f.targets[0]",
			words: []string{`missing required field "values"`},
		},
		{
			name:  "target without a variant",
			doc:   boolFlag(`, "targets": [{"values": ["u1"]}]`),
			path:  "flags.f.targets[0]",
			words: []string{`missing required field "variant"`},
		},
		{
			name: "duplicate rule id",
			doc: boolFlag(`, "rules": [{"id": "staff", "serve": {"variant": "on"}},
			                          {"id": "other", "serve": {"variant": "on"}},
			                          {"id": "staff", "serve": {"variant": "off"}}]`),
			path:  "flags.f.rules[2].id",
			words: []string{`rule id "staff" is already used by rules[0]`, "must be unique within a flag"},
		},
		{
			name:  "rule without serve",
			doc:   boolFlag(`, "rules": [{"id": "r", "conditions": []}]`),
			path:  "flags.f.rules[0]",
			words: []string{`missing required field "serve"`},
		},
	})
}

func TestParseRejectsBadServes(t *testing.T) {
	runRejectCases(t, []rejectCase{
		{
			name:  "both variant and rollout",
			doc:   withDefault(`{"variant": "on", "rollout": {"variants": [{"variant": "on", "weight": 1}]}}`),
			path:  "flags.f.default",
			words: []string{"exactly one of variant or rollout", "not both"},
		},
		{
			name:  "both variant and rollout in a rule",
			doc:   boolFlag(`, "rules": [{"serve": {"rollout": {"variants": [{"variant": "on", "weight": 1}]}, "variant": "off"}}]`),
			path:  "flags.f.rules[0].serve",
			words: []string{"exactly one of variant or rollout", "not both"},
		},
		{
			name:  "neither variant nor rollout",
			doc:   withDefault(`{}`),
			path:  "flags.f.default",
			words: []string{"exactly one of variant or rollout"},
		},
		{
			name:  "empty variant name",
			doc:   boolFlag(`, "rules": [{"serve": {"variant": ""}}]`),
			path:  "flags.f.rules[0].serve",
			words: []string{"exactly one of variant or rollout"},
		},
		{
			name:  "serve null",
			doc:   withDefault(`null`),
			path:  "flags.f.default",
			words: []string{"expected an object", "got null"},
		},
		{
			name:  "rollout with no variants",
			doc:   withRollout(``),
			path:  rolloutPath + ".variants",
			words: []string{"a rollout needs at least one weighted variant"},
		},
		{
			name:  "rollout without variants",
			doc:   withDefault(`{"rollout": {"seed": "s"}}`),
			path:  rolloutPath,
			words: []string{`missing required field "variants"`},
		},
		{
			name:  "weighted variant without a weight",
			doc:   withRollout(`{"variant": "on"}`),
			path:  rolloutPath + ".variants[0]",
			words: []string{`missing required field "weight"`},
		},
		{
			name:  "weighted variant without a variant",
			doc:   withRollout(`{"weight": 1}`),
			path:  rolloutPath + ".variants[0]",
			words: []string{`missing required field "variant"`},
		},
		{
			name:  "unknown rollout algorithm",
			doc:   withDefault(`{"rollout": {"algorithm": "murmur3", "variants": [{"variant": "on", "weight": 1}]}}`),
			path:  rolloutPath + ".algorithm",
			words: []string{`unknown algorithm "murmur3"`, `use "xxh64-v1" (the default) or "murmur3-flagd"`},
		},
		{
			name:  "weights summing to 0",
			doc:   withRollout(`{"variant": "on", "weight": 0}, {"variant": "off", "weight": 0}`),
			path:  rolloutPath + ".variants",
			words: []string{"weights add up to 0", "give at least one variant a positive weight"},
		},
		{
			name:  "weights summing beyond 2^32",
			doc:   withRollout(`{"variant": "on", "weight": 4294967295}, {"variant": "off", "weight": 2}`),
			path:  rolloutPath + ".variants",
			words: []string{"weights add up to more than 4294967296"},
		},
		{
			name:  "weights summing beyond 2^32 in a rule",
			doc:   boolFlag(`, "rules": [{"serve": {"rollout": {"variants": [{"variant": "on", "weight": 4294967296}, {"variant": "off", "weight": 1}]}}}]`),
			path:  "flags.f.rules[0].serve.rollout.variants",
			words: []string{"weights add up to more than 4294967296"},
		},
		{
			name:  "variant listed twice in a rollout",
			doc:   withRollout(`{"variant": "on", "weight": 10}, {"variant": "off", "weight": 80}, {"variant": "on", "weight": 10}`),
			path:  rolloutPath + ".variants[2].variant",
			words: []string{`variant "on" is listed twice in the rollout`, "merge the weights"},
		},
		{
			name:  "bucketBy an invalid JSON Pointer",
			doc:   withDefault(`{"rollout": {"variants": [{"variant": "on", "weight": 1}], "bucketBy": "/org/~id"}}`),
			path:  rolloutPath + ".bucketBy",
			words: []string{"invalid JSON Pointer", `"~" must be followed by 0 or 1`, "~0", "~1"},
		},
	})
}

// operators lists every operator of schema version 1 (the list of
// operator_test.go).
var operators = operatorsInSpec

func TestParseRejectsBadConditions(t *testing.T) {
	cases := []rejectCase{
		{
			name: "unknown operator at the SPEC's example path",
			doc: doc(`"checkout": {"type": "boolean", "variants": {"on": true, "off": false}, "rules": [
				{"serve": {"variant": "on"}},
				{"serve": {"variant": "on"}},
				{"conditions": [{"attribute": "email", "operator": "startswith", "values": ["admin"]}], "serve": {"variant": "on"}}]}`),
			path:  "flags.checkout.rules[2].conditions[0].operator",
			words: []string{`unknown operator "startswith"`, "startsWith", "names are case-sensitive"},
		},
		{
			name:  "unknown operator lists the operators",
			doc:   withCondition(`{"attribute": "a", "operator": "equals", "values": ["x"]}`),
			path:  condPath + ".operator",
			words: []string{`unknown operator "equals"`, "use one of in, contains, startsWith, endsWith, matches, lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual, before, after, semverEqual, semverNotEqual, semverLessThan, semverLessThanOrEqual, semverGreaterThan, semverGreaterThanOrEqual, semverSameMajor, semverSameMajorMinor, exists, inSegment"},
		},
		{
			name:  "empty operator",
			doc:   withCondition(`{"attribute": "a", "operator": "", "values": ["x"]}`),
			path:  condPath + ".operator",
			words: []string{`unknown operator ""`, "use one of"},
		},
		{
			name:  "operator that is two operator names",
			doc:   withCondition(`{"attribute": "a", "operator": "contains, startsWith", "values": ["x"]}`),
			path:  condPath + ".operator",
			words: []string{`unknown operator "contains, startsWith"`, "use one of"},
		},
		{
			name:  "operator missing",
			doc:   withCondition(`{"attribute": "a", "values": ["x"]}`),
			path:  condPath,
			words: []string{`missing required field "operator"`},
		},
		{
			name:  "operator as a number",
			doc:   withCondition(`{"attribute": "a", "operator": 1, "values": ["x"]}`),
			path:  condPath + ".operator",
			words: []string{"expected a string", "got a number"},
		},
		{
			name:  "attribute missing for in",
			doc:   withCondition(`{"operator": "in", "values": ["x"]}`),
			path:  condPath,
			words: []string{"missing attribute", `operator "in" needs an attribute name or a JSON Pointer`},
		},
		{
			name:  "attribute empty for exists",
			doc:   withCondition(`{"attribute": "", "operator": "exists"}`),
			path:  condPath,
			words: []string{"missing attribute", `operator "exists" needs an attribute name or a JSON Pointer`},
		},
		{
			name:  "attribute given for inSegment",
			doc:   withCondition(`{"attribute": "plan", "operator": "inSegment", "values": ["beta"]}`),
			path:  condPath + ".attribute",
			words: []string{"inSegment takes no attribute", "remove it"},
		},
		{
			name:  "exists with values",
			doc:   withCondition(`{"attribute": "a", "operator": "exists", "values": [true]}`),
			path:  condPath + ".values",
			words: []string{"exists takes no values", "remove them"},
		},
		{
			name:  "in with an empty values list",
			doc:   withCondition(`{"attribute": "a", "operator": "in", "values": []}`),
			path:  condPath + ".values",
			words: []string{`operator "in" needs at least one value`},
		},
		{
			name:  "in with an object",
			doc:   withCondition(`{"attribute": "a", "operator": "in", "values": ["x", {"y": 1}]}`),
			path:  condPath + ".values[1]",
			words: []string{"in compares strings, numbers and booleans", "got an object"},
		},
		{
			name:  "in with null",
			doc:   withCondition(`{"attribute": "a", "operator": "in", "values": [null]}`),
			path:  condPath + ".values[0]",
			words: []string{"in compares strings, numbers and booleans", "got null"},
		},
		{
			name:  "contains with a number",
			doc:   withCondition(`{"attribute": "a", "operator": "contains", "values": [1]}`),
			path:  condPath + ".values[0]",
			words: []string{"contains needs string values", "got the number 1"},
		},
		{
			name:  "startsWith with a boolean",
			doc:   withCondition(`{"attribute": "a", "operator": "startsWith", "values": ["x", true]}`),
			path:  condPath + ".values[1]",
			words: []string{"startsWith needs string values", "got the boolean true"},
		},
		{
			name:  "endsWith with an array",
			doc:   withCondition(`{"attribute": "a", "operator": "endsWith", "values": [["x"]]}`),
			path:  condPath + ".values[0]",
			words: []string{"endsWith needs string values", "got an array"},
		},
		{
			name:  "lessThan with a numeric string",
			doc:   withCondition(`{"attribute": "age", "operator": "lessThan", "values": ["29"]}`),
			path:  condPath + ".values[0]",
			words: []string{"lessThan needs number values", `got the string "29"`, `write 29, not "29"`},
		},
		{
			name:  "greaterThanOrEqual with null",
			doc:   withCondition(`{"attribute": "age", "operator": "greaterThanOrEqual", "values": [1, null]}`),
			path:  condPath + ".values[1]",
			words: []string{"greaterThanOrEqual needs number values", "got null"},
		},
		{
			name:  "before with a word",
			doc:   withCondition(`{"attribute": "created", "operator": "before", "values": ["yesterday"]}`),
			path:  condPath + ".values[0]",
			words: []string{"before needs an RFC 3339 timestamp string", "or Unix seconds", `got the string "yesterday"`},
		},
		{
			name:  "after with a timestamp without a zone",
			doc:   withCondition(`{"attribute": "created", "operator": "after", "values": ["2026-01-02T15:04:05"]}`),
			path:  condPath + ".values[0]",
			words: []string{"after needs an RFC 3339 timestamp string", `got the string "2026-01-02T15:04:05"`},
		},
		{
			name:  "after with a boolean",
			doc:   withCondition(`{"attribute": "created", "operator": "after", "values": [false]}`),
			path:  condPath + ".values[0]",
			words: []string{"after needs an RFC 3339 timestamp string", "got the boolean false"},
		},
		{
			name:  "semverEqual with two parts",
			doc:   withCondition(`{"attribute": "v", "operator": "semverEqual", "values": ["1.2"]}`),
			path:  condPath + ".values[0]",
			words: []string{"semverEqual needs a semantic version such as 1.2.3", `got the string "1.2"`},
		},
		{
			name:  "semverLessThan with a leading zero",
			doc:   withCondition(`{"attribute": "v", "operator": "semverLessThan", "values": ["1.02.3"]}`),
			path:  condPath + ".values[0]",
			words: []string{"semverLessThan needs a semantic version", `got the string "1.02.3"`},
		},
		{
			name:  "semverGreaterThan with a number",
			doc:   withCondition(`{"attribute": "v", "operator": "semverGreaterThan", "values": [1]}`),
			path:  condPath + ".values[0]",
			words: []string{"semverGreaterThan needs a semantic version", "got the number 1"},
		},
		{
			name:  "matches with an invalid regex",
			doc:   withCondition(`{"attribute": "a", "operator": "matches", "values": ["^ok$", "a(b"]}`),
			path:  condPath + ".values[1]",
			words: []string{`invalid regular expression "a(b"`, "missing closing )", "RE2 syntax"},
		},
		{
			name:  "matches with a Perl-only construct",
			doc:   withCondition(`{"attribute": "a", "operator": "matches", "values": ["(?=x)"]}`),
			path:  condPath + ".values[0]",
			words: []string{`invalid regular expression "(?=x)"`, "RE2 syntax"},
		},
		{
			name:  "matches with a number",
			doc:   withCondition(`{"attribute": "a", "operator": "matches", "values": [1]}`),
			path:  condPath + ".values[0]",
			words: []string{"matches needs a regular expression string", "got the number 1"},
		},
		{
			name:  "inSegment with a number",
			doc:   withCondition(`{"operator": "inSegment", "values": [1]}`),
			path:  condPath + ".values[0]",
			words: []string{"inSegment needs segment names", "got the number 1"},
		},
		{
			name:  "invalid JSON Pointer",
			doc:   withCondition(`{"attribute": "/a~2b", "operator": "exists"}`),
			path:  condPath + ".attribute",
			words: []string{"invalid JSON Pointer", `"~" must be followed by 0 or 1`, `write ~0 for "~" and ~1 for "/"`},
		},
		{
			name:  "JSON Pointer ending in a tilde",
			doc:   withCondition(`{"attribute": "/address/country~", "operator": "in", "values": ["DE"]}`),
			path:  condPath + ".attribute",
			words: []string{"invalid JSON Pointer", `"~" must be followed by 0 or 1`},
		},
		{
			name:  "bad condition in a segment rule",
			doc:   withSegment(`{"rules": [{"conditions": [{"attribute": "plan", "operator": "in", "values": ["a"]}, {"attribute": "age", "operator": "lessThan", "values": ["18"]}]}]}`),
			path:  "segments.s.rules[0].conditions[1].values[0]",
			words: []string{"lessThan needs number values", `got the string "18"`},
		},
	}
	// Every operator but exists needs values, whether the list is absent
	// or empty.
	for _, op := range operators {
		if op == evaluator.OpExists {
			continue
		}
		attr := `"attribute": "a", `
		if op == evaluator.OpInSegment {
			attr = ""
		}
		cases = append(cases,
			rejectCase{
				name:  string(op) + " without values",
				doc:   withCondition(`{` + attr + `"operator": "` + string(op) + `"}`),
				path:  condPath + ".values",
				words: []string{`operator "` + string(op) + `" needs at least one value`},
			},
			rejectCase{
				name:  string(op) + " with empty values",
				doc:   withCondition(`{` + attr + `"operator": "` + string(op) + `", "values": []}`),
				path:  condPath + ".values",
				words: []string{`operator "` + string(op) + `" needs at least one value`},
			})
		if op != evaluator.OpInSegment {
			cases = append(cases, rejectCase{
				name:  string(op) + " without an attribute",
				doc:   withCondition(`{"operator": "` + string(op) + `", "values": ["x"]}`),
				path:  condPath,
				words: []string{"missing attribute", `operator "` + string(op) + `" needs an attribute name`},
			})
		}
	}
	runRejectCases(t, cases)
}

func TestParseRejectsDanglingReferences(t *testing.T) {
	const boolVariants = `"type": "boolean", "variants": {"on": true, "off": false}`
	runRejectCases(t, []rejectCase{
		{
			name:  "inSegment naming an unknown segment",
			doc:   withCondition(`{"operator": "inSegment", "values": ["beta", "gamma"]}`),
			path:  condPath + ".values[1]",
			words: []string{`unknown segment "gamma"`, "define it under segments or fix the name"},
		},
		{
			name:  "inSegment with no segments at all",
			doc:   `{"schemaVersion": 1, "flags": {"f": {` + boolVariants + `, "rules": [{"conditions": [{"operator": "inSegment", "values": ["beta"]}], "serve": {"variant": "on"}}]}}}`,
			path:  condPath + ".values[0]",
			words: []string{`unknown segment "beta"`, "define it under segments or fix the name"},
		},
		{
			name:  "prerequisite naming an unknown flag",
			doc:   boolFlag(`, "prerequisites": [{"flag": "payments-v2", "variants": ["on"]}]`),
			path:  "flags.f.prerequisites[0].flag",
			words: []string{`unknown flag "payments-v2"`, "define it under flags or fix the key"},
		},
		{
			name:  "flag that is its own prerequisite",
			doc:   boolFlag(`, "prerequisites": [{"flag": "f", "variants": ["on"]}]`),
			path:  "flags.f.prerequisites[0].flag",
			words: []string{`flag "f" cannot be its own prerequisite`},
		},
		{
			name: "prerequisite cycle a → b → c → a",
			doc: doc(`"a": {` + boolVariants + `, "prerequisites": [{"flag": "b", "variants": ["on"]}]},
			          "b": {` + boolVariants + `, "prerequisites": [{"flag": "c", "variants": ["on"]}]},
			          "c": {` + boolVariants + `, "prerequisites": [{"flag": "a", "variants": ["on"]}]}`),
			path:  "flags.c.prerequisites[0].flag",
			words: []string{"prerequisite cycle a → b → c → a", "remove one of these prerequisites"},
		},
		{
			name: "prerequisite cycle behind a chain",
			doc: doc(`"a": {` + boolVariants + `, "prerequisites": [{"flag": "b", "variants": ["on"]}]},
			          "b": {` + boolVariants + `, "prerequisites": [{"flag": "z", "variants": ["on"]}, {"flag": "c", "variants": ["on"]}]},
			          "c": {` + boolVariants + `, "prerequisites": [{"flag": "d", "variants": ["on"]}]},
			          "d": {` + boolVariants + `, "prerequisites": [{"flag": "b", "variants": ["off"]}]},
			          "z": {` + boolVariants + `}`),
			path:  "flags.d.prerequisites[0].flag",
			words: []string{"prerequisite cycle b → c → d → b", "remove one of these prerequisites"},
		},
		{
			name:  "inSegment inside a segment's rule",
			doc:   docWith(`"f": {`+boolVariants+`}`, `"beta": {"included": ["u"]}, "s": {"rules": [{"conditions": [{"operator": "inSegment", "values": ["beta"]}]}]}`),
			path:  "segments.s.rules[0].conditions[0].operator",
			words: []string{"inSegment cannot be used inside a segment", "list the segment's keys or copy its rules"},
		},
		{
			name:  "segment rule with no conditions",
			doc:   withSegment(`{"rules": [{"conditions": [{"attribute": "a", "operator": "exists"}]}, {"id": "empty", "conditions": []}]}`),
			path:  "segments.s.rules[1].conditions",
			words: []string{"a segment rule needs at least one condition"},
		},
		{
			name:  "segment rule without conditions",
			doc:   withSegment(`{"rules": [{"id": "all"}]}`),
			path:  "segments.s.rules[0].conditions",
			words: []string{"a segment rule needs at least one condition"},
		},
	})
}

func TestParseRejectsWithQuotedPaths(t *testing.T) {
	runRejectCases(t, []rejectCase{
		{
			name:  "flag key with a dot",
			doc:   doc(`"a.b": {"type": "bool", "variants": {"on": true}}`),
			path:  `flags["a.b"].type`,
			words: []string{`unknown flag type "bool"`},
		},
		{
			name:  "flag key with a dot, found by the decoder",
			doc:   doc(`"a.b": {"type": "boolean", "variants": {"on": true}, "typo": 1}`),
			path:  `flags["a.b"].typo`,
			words: []string{`unknown field "typo"`},
		},
		{
			name:  "flag key with a space and a quote",
			doc:   doc(`"new \"checkout\" v2": {"type": "boolean", "variants": {"on": true}, "offVariant": "off"}`),
			path:  `flags["new \"checkout\" v2"].offVariant`,
			words: []string{`unknown variant "off"`},
		},
		{
			name:  "flag key with brackets",
			doc:   doc(`"a[0]": {"type": "boolean", "variants": {"on": true}, "default": {}}`),
			path:  `flags["a[0]"].default`,
			words: []string{"exactly one of variant or rollout"},
		},
		{
			name:  "plain key characters stay dotted",
			doc:   doc(`"team:web/new-checkout_v2@eu": {"type": "boolean", "variants": {"on": 1}}`),
			path:  "flags.team:web/new-checkout_v2@eu.variants.on",
			words: []string{"expected true or false for a boolean flag"},
		},
		{
			name:  "variant name with a dot",
			doc:   typedFlag("string", `{"v1.2": 12}`),
			path:  `flags.f.variants["v1.2"]`,
			words: []string{"expected a string for a string flag"},
		},
		{
			name:  "key with a dot inside an object variant",
			doc:   typedFlag("object", `{"x": {"a.b": [{"c": 1, "c": 2}]}}`),
			path:  `flags.f.variants.x["a.b"][0].c`,
			words: []string{`duplicate key "c"`},
		},
		{
			name:  "segment name with a space",
			doc:   withCondition(`{"operator": "inSegment", "values": ["beta testers"]}`),
			path:  condPath + ".values[0]",
			words: []string{`unknown segment "beta testers"`},
		},
		{
			name:  "segment key with a space",
			doc:   docWith(`"f": {"type": "boolean", "variants": {"on": true}}`, `"beta testers": {"rules": [{}]}`),
			path:  `segments["beta testers"].rules[0].conditions`,
			words: []string{"a segment rule needs at least one condition"},
		},
		{
			name:  "metadata key with a dot",
			doc:   boolFlag(`, "metadata": {"team.name": {}}`),
			path:  `flags.f.metadata["team.name"]`,
			words: []string{"metadata values must be strings, numbers or booleans"},
		},
		{
			name: "cycle through flags with odd keys",
			doc: doc(`"x.y": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "z z", "variants": ["on"]}]},
			          "z z": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "x.y", "variants": ["on"]}]}`),
			path:  `flags["z z"].prerequisites[0].flag`,
			words: []string{"prerequisite cycle x.y → z z → x.y"},
		},
	})
}

// TestParseRejectionMatchesSpecExample checks the full text of the SPEC's
// example error.
func TestParseRejectionMatchesSpecExample(t *testing.T) {
	data := []byte(`{"schemaVersion": 1, "flags": {"checkout": {"type": "boolean", "variants": {"on": true},
		"rules": [{"serve": {"variant": "on"}}, {"serve": {"variant": "on"}},
		          {"conditions": [{"attribute": "email", "operator": "startswith", "values": ["a"]}], "serve": {"variant": "on"}}]}}}`)
	_, err := evaluator.Parse(data)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `flags.checkout.rules[2].conditions[0].operator: unknown operator "startswith"`)
	assert.True(t, strings.HasPrefix(err.Error(), "evaluator: "), "Error() = %q, want the package prefix", err)
}

// TestParseRejectsMessageWording holds rows whose rejection is right but
// whose message reads badly.
func TestParseRejectsMessageWording(t *testing.T) {
	runRejectCases(t, []rejectCase{
		{
			name:  "integer flag article",
			doc:   typedFlag("integer", `{"three": "3"}`),
			path:  "flags.f.variants.three",
			words: []string{"for an integer flag"},
		},
		{
			name:  "object flag article",
			doc:   typedFlag("object", `{"x": "s"}`),
			path:  "flags.f.variants.x",
			words: []string{"for an object flag"},
		},
		{
			name:  "misspelled literal true",
			doc:   boolFlag(`, "enabled": truex`),
			path:  "flags.f.enabled",
			words: []string{"malformed JSON", "line 1, column"},
		},
	})
}

// TestParseAcceptsWholeNumbers checks SPEC section 2: an integer variant is
// "a whole JSON number within int64", however it is written; weights and
// schemaVersion are whole numbers too.
func TestParseAcceptsWholeNumbers(t *testing.T) {
	cases := []struct{ name, doc string }{
		{name: "integer variant 0", doc: typedFlag("integer", `{"n": 0}`)},
		{name: "integer variant -0", doc: typedFlag("integer", `{"n": -0}`)},
		{name: "integer variant 1e3", doc: typedFlag("integer", `{"n": 1e3}`)},
		{name: "integer variant 2.0", doc: typedFlag("integer", `{"n": 2.0}`)},
		{name: "integer variant 2^53+1", doc: typedFlag("integer", `{"n": 9007199254740993}`)},
		{name: "integer variant MaxInt64", doc: typedFlag("integer", `{"n": 9223372036854775807}`)},
		{name: "integer variant MinInt64", doc: typedFlag("integer", `{"n": -9223372036854775808}`)},
		{
			name: "integer variant 1e17",
			doc:  typedFlag("integer", `{"n": 1e17}`),
		},
		{
			name: "integer variant 123456789012345678.0",
			doc:  typedFlag("integer", `{"n": 123456789012345678.0}`),
		},
		{
			name: "schemaVersion written 1.0",
			doc:  `{"schemaVersion": 1.0}`,
		},
		{
			name: "weight written 1e2",
			doc:  withRollout(`{"variant": "on", "weight": 1e2}`),
		},
		{
			name: "weight written 50.0",
			doc:  withRollout(`{"variant": "on", "weight": 50.0}`),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := evaluator.Parse([]byte(tc.doc))
			assert.NoErrorf(t, err, "Parse(%s)", tc.doc)
		})
	}
}

// TestCompileRejectsGoRulesets covers what only a Ruleset built in Go can
// contain: Go types that JSON cannot, and fields left at their zero value.
func TestCompileRejectsGoRulesets(t *testing.T) {
	onOff := map[string]any{"on": true, "off": false}
	ruleset := func(f evaluator.Flag) *evaluator.Ruleset {
		return &evaluator.Ruleset{SchemaVersion: 1, Flags: map[string]evaluator.Flag{"f": f}}
	}
	cases := []struct {
		name  string
		rs    *evaluator.Ruleset
		path  string
		words []string
	}{
		{
			name:  "nil ruleset",
			rs:    nil,
			path:  "",
			words: []string{"ruleset is nil"},
		},
		{
			name:  "schema version left at zero",
			rs:    &evaluator.Ruleset{},
			path:  "schemaVersion",
			words: []string{"unsupported schema version 0", "reads schemaVersion 1"},
		},
		{
			name:  "type left empty",
			rs:    ruleset(evaluator.Flag{Variants: onOff}),
			path:  "flags.f",
			words: []string{`missing required field "type"`},
		},
		{
			name:  "nil variants",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeBoolean}),
			path:  "flags.f.variants",
			words: []string{"a flag needs at least one variant"},
		},
		{
			name:  "integer flag with a uint64 beyond int64",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeInteger, Variants: map[string]any{"big": uint64(math.MaxUint64)}}),
			path:  "flags.f.variants.big",
			words: []string{"expected a whole number within int64"},
		},
		{
			name:  "integer flag with a float fraction",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeInteger, Variants: map[string]any{"x": 2.5}}),
			path:  "flags.f.variants.x",
			words: []string{"expected a whole number within int64", "got the number 2.5"},
		},
		{
			name:  "string flag with a []byte",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeString, Variants: map[string]any{"x": []byte("x")}}),
			path:  "flags.f.variants.x",
			words: []string{"expected a string for a string flag"},
		},
		{
			name:  "metadata value of a Go struct",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeBoolean, Variants: onOff, Metadata: map[string]any{"at": time.Time{}}}),
			path:  "flags.f.metadata.at",
			words: []string{"metadata values must be strings, numbers or booleans"},
		},
		{
			name:  "rule serve left empty",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeBoolean, Variants: onOff, Rules: []evaluator.Rule{{}}}),
			path:  "flags.f.rules[0].serve",
			words: []string{"exactly one of variant or rollout"},
		},
		{
			name:  "operator left empty",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeBoolean, Variants: onOff, Rules: []evaluator.Rule{{Conditions: []evaluator.Condition{{Attribute: "a", Values: []any{"x"}}}, Serve: evaluator.Serve{Variant: "on"}}}}),
			path:  condPath + ".operator",
			words: []string{`unknown operator ""`},
		},
		{
			name: "weight beyond 2^32",
			rs: ruleset(evaluator.Flag{Type: evaluator.TypeBoolean, Variants: onOff, Default: &evaluator.Serve{Rollout: &evaluator.Rollout{
				Variants: []evaluator.WeightedVariant{{Variant: "on", Weight: 1 << 40}}}}}),
			path:  rolloutPath + ".variants",
			words: []string{"weights add up to more than 4294967296"},
		},
		{
			name: "weights overflowing uint64",
			rs: ruleset(evaluator.Flag{Type: evaluator.TypeBoolean, Variants: onOff, Default: &evaluator.Serve{Rollout: &evaluator.Rollout{
				Variants: []evaluator.WeightedVariant{{Variant: "on", Weight: math.MaxUint64}, {Variant: "off", Weight: 2}}}}}),
			path:  rolloutPath + ".variants",
			words: []string{"weights add up to more than 4294967296"},
		},
		{
			name: "before with a time.Time value",
			rs: ruleset(evaluator.Flag{Type: evaluator.TypeBoolean, Variants: onOff, Rules: []evaluator.Rule{{
				Conditions: []evaluator.Condition{{Attribute: "created", Operator: evaluator.OpBefore, Values: []any{time.Now()}}},
				Serve:      evaluator.Serve{Variant: "on"}}}}),
			path:  condPath + ".values[0]",
			words: []string{"before needs an RFC 3339 timestamp string"},
		},
		{
			name: "object variant holding a Go struct",
			rs: ruleset(evaluator.Flag{Type: evaluator.TypeObject, Variants: map[string]any{
				"x": map[string]any{"ok": 1, "when": struct{}{}}}}),
			path:  "flags.f.variants.x.when",
			words: []string{"object values may hold only JSON values"},
		},
		{
			name:  "float variant NaN",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeFloat, Variants: map[string]any{"x": math.NaN()}}),
			path:  "flags.f.variants.x",
			words: []string{"expected a number for a float flag"},
		},
		{
			name:  "float variant NaN is named in the message",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeFloat, Variants: map[string]any{"x": math.NaN()}}),
			path:  "flags.f.variants.x",
			words: []string{"expected a number for a float flag", "got NaN"},
		},
		{
			name:  "float variant +Inf",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeFloat, Variants: map[string]any{"x": math.Inf(1)}}),
			path:  "flags.f.variants.x",
			words: []string{"expected a number for a float flag"},
		},
		{
			name:  "metadata value -Inf",
			rs:    ruleset(evaluator.Flag{Type: evaluator.TypeBoolean, Variants: onOff, Metadata: map[string]any{"n": math.Inf(-1)}}),
			path:  "flags.f.metadata.n",
			words: []string{"metadata values must be strings, numbers or booleans"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := evaluator.Compile(tc.rs)
			require.Errorf(t, err, "Compile(%s) = nil error, want a rejection at %q", tc.name, tc.path)
			assert.Nil(t, ev)
			checkValidationError(t, "Compile", err, tc.path, tc.words)
		})
	}
}

// readFixture reads a file under testdata/parse.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "parse", name))
	require.NoError(t, err)
	return data
}

func TestParseSpecExample(t *testing.T) {
	// The SPEC's example names prerequisite flag "payments-v2" without
	// defining it, so it is (rightly) rejected as a dangling reference; the
	// complete version below defines it.
	t.Run("verbatim is rejected for its dangling prerequisite", func(t *testing.T) {
		_, err := evaluator.Parse(readFixture(t, "spec-example.json"))
		var ve *evaluator.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "flags.new-checkout.prerequisites[0].flag", ve.Path)
		assert.Contains(t, ve.Message, `unknown flag "payments-v2"`)
	})

	t.Run("with payments-v2 defined", func(t *testing.T) {
		rs, err := evaluator.Parse(readFixture(t, "spec-example-complete.json"))
		require.NoError(t, err)
		yes := true
		want := &evaluator.Ruleset{
			SchemaVersion: 1,
			TenantID:      "acme",
			Environment:   "production",
			Version:       "42",
			Flags: map[string]evaluator.Flag{
				"payments-v2": {
					Type:     evaluator.TypeBoolean,
					Variants: map[string]any{"on": true, "off": false},
					Default:  &evaluator.Serve{Variant: "on"},
				},
				"new-checkout": {
					Type:          evaluator.TypeBoolean,
					Enabled:       &yes,
					Variants:      map[string]any{"on": true, "off": false},
					OffVariant:    "off",
					Prerequisites: []evaluator.Prerequisite{{Flag: "payments-v2", Variants: []string{"on"}}},
					Targets:       []evaluator.Target{{Variant: "on", Values: []string{"user-1", "user-2"}}},
					Rules: []evaluator.Rule{
						{
							ID:         "staff",
							Conditions: []evaluator.Condition{{Attribute: "email", Operator: evaluator.OpEndsWith, Values: []any{"@acme.com"}}},
							Serve:      evaluator.Serve{Variant: "on"},
						},
						{
							ID: "beta-eu",
							Conditions: []evaluator.Condition{
								{Operator: evaluator.OpInSegment, Values: []any{"beta"}},
								{Attribute: "country", Operator: evaluator.OpIn, Values: []any{"DE", "FR"}},
							},
							Serve: evaluator.Serve{Rollout: &evaluator.Rollout{Variants: []evaluator.WeightedVariant{
								{Variant: "on", Weight: 20}, {Variant: "off", Weight: 80},
							}}},
						},
					},
					Default:  &evaluator.Serve{Variant: "off"},
					Metadata: map[string]any{"owner": "payments", "ticket": json.Number("1234")},
				},
			},
			Segments: map[string]evaluator.Segment{
				"beta": {
					Included: []string{"user-9"},
					Excluded: []string{"user-3"},
					Rules: []evaluator.SegmentRule{{Conditions: []evaluator.Condition{
						{Attribute: "plan", Operator: evaluator.OpIn, Values: []any{"enterprise"}},
					}}},
				},
			},
		}
		assert.Equal(t, want, rs)

		ev, err := evaluator.Load(readFixture(t, "spec-example-complete.json"))
		require.NoError(t, err)
		assert.Equal(t, "acme", ev.TenantID())
		assert.Equal(t, "production", ev.Environment())
		assert.Equal(t, "42", ev.Version())
		assert.Equal(t, []string{"new-checkout", "payments-v2"}, ev.Keys())
		r := ev.Evaluate("new-checkout", map[string]any{"targetingKey": "user-1"})
		assert.Equal(t, evaluator.Result{
			Value: true, Variant: "on", Reason: evaluator.ReasonTargetingMatch, FlagType: evaluator.TypeBoolean,
			Metadata: map[string]any{"owner": "payments", "ticket": int64(1234), "rulesetTenantId": "acme", "rulesetEnvironment": "production", "rulesetVersion": "42"},
		}, r, `Evaluate("new-checkout", user-1)`)
	})
}

// everyOperatorCases gives, for each flag of testdata/parse/every-operator.json
// (one flag per operator, named after it), a context its rule matches and
// one it does not.
var everyOperatorCases = []struct {
	op          evaluator.Operator
	match, miss map[string]any
}{
	{evaluator.OpIn, map[string]any{"country": "DE"}, map[string]any{"country": "FR"}},
	{evaluator.OpContains, map[string]any{"email": "a@b"}, map[string]any{"email": "ab"}},
	{evaluator.OpStartsWith, map[string]any{"role": "admin"}, map[string]any{"role": "user"}},
	{evaluator.OpEndsWith, map[string]any{"email": "x@acme.com"}, map[string]any{"email": "x@acme.co"}},
	{evaluator.OpMatches, map[string]any{"device": map[string]any{"os": "ios"}}, map[string]any{"device": map[string]any{"os": "iosx"}}},
	{evaluator.OpLessThan, map[string]any{"age": 17}, map[string]any{"age": 18}},
	{evaluator.OpLessThanOrEqual, map[string]any{"age": 18}, map[string]any{"age": 18.5}},
	{evaluator.OpGreaterThan, map[string]any{"seats": 101}, map[string]any{"seats": 100}},
	{evaluator.OpGreaterThanOrEqual, map[string]any{"seats": 100}, map[string]any{"seats": 99}},
	{evaluator.OpBefore, map[string]any{"created": "2025-01-01T00:00:00Z"}, map[string]any{"created": "2031-01-01T00:00:00Z"}},
	{evaluator.OpAfter, map[string]any{"created": 1800000000}, map[string]any{"created": "2020-01-01T00:00:00Z"}},
	{evaluator.OpSemverEqual, map[string]any{"appVersion": "1.2.3"}, map[string]any{"appVersion": "1.2.4"}},
	{evaluator.OpSemverLessThan, map[string]any{"appVersion": "2.0.0-rc.1"}, map[string]any{"appVersion": "2.0.0"}},
	{evaluator.OpSemverGreaterThan, map[string]any{"appVersion": "1.10.0"}, map[string]any{"appVersion": "1.0.0-beta"}},
	{evaluator.OpSemverNotEqual, map[string]any{"appVersion": "1.2.4"}, map[string]any{"appVersion": "1.2.3+build"}},
	{evaluator.OpSemverLessThanOrEqual, map[string]any{"appVersion": "2.0.0"}, map[string]any{"appVersion": "2.0.1"}},
	{evaluator.OpSemverGreaterThanOrEqual, map[string]any{"appVersion": "1.0.0"}, map[string]any{"appVersion": "1.0.0-rc.1"}},
	{evaluator.OpSemverSameMajor, map[string]any{"appVersion": "3.9.0"}, map[string]any{"appVersion": "4.0.0"}},
	{evaluator.OpSemverSameMajorMinor, map[string]any{"appVersion": "3.1.7"}, map[string]any{"appVersion": "3.2.0"}},
	{evaluator.OpExists, map[string]any{"customer": false}, map[string]any{"customer": nil}},
	{evaluator.OpInSegment, map[string]any{"targetingKey": "user-9"}, map[string]any{"targetingKey": "user-3", "plan": "enterprise"}},
}

func TestParseAcceptsEveryOperator(t *testing.T) {
	data := readFixture(t, "every-operator.json")
	rs, err := evaluator.Parse(data)
	require.NoError(t, err)

	// The fixture really uses every operator, each in the flag named
	// after it.
	var used []evaluator.Operator
	for key, f := range rs.Flags {
		require.Len(t, f.Rules, 1, "flag %q", key)
		require.Len(t, f.Rules[0].Conditions, 1, "flag %q", key)
		op := f.Rules[0].Conditions[0].Operator
		assert.Equal(t, key, string(op), "flag %q uses operator %q", key, op)
		used = append(used, op)
	}
	assert.ElementsMatch(t, operators, used)
	require.Len(t, everyOperatorCases, len(operators))

	ev, err := evaluator.Load(data)
	require.NoError(t, err)
	for _, tc := range everyOperatorCases {
		t.Run(string(tc.op), func(t *testing.T) {
			flagKey := string(tc.op)
			got := ev.Evaluate(flagKey, tc.match)
			assert.Equalf(t, "on", got.Variant, "Evaluate(%q, %v) = %+v, want variant on", flagKey, tc.match, got)
			assert.Equal(t, evaluator.ReasonTargetingMatch, got.Reason)
			assert.Equal(t, flagKey, got.RuleID)
			got = ev.Evaluate(flagKey, tc.miss)
			assert.Equalf(t, "off", got.Variant, "Evaluate(%q, %v) = %+v, want variant off", flagKey, tc.miss, got)
			assert.Equal(t, evaluator.ReasonDefault, got.Reason)
		})
	}
}

// TestParseAcceptsEdgeCases checks documents at the edges of what is valid.
func TestParseAcceptsEdgeCases(t *testing.T) {
	cases := []struct{ name, doc string }{
		{"only schemaVersion", `{"schemaVersion": 1}`},
		{"empty flags and segments", `{"schemaVersion": 1, "flags": {}, "segments": {}}`},
		{"surrounding whitespace", " \n\t{\"schemaVersion\": 1}\r\n "},
		{"schemaVersion last", `{"flags": {"f": {"type": "boolean", "variants": {"on": true}}}, "schemaVersion": 1}`},
		{"single variant, no default", typedFlag("string", `{"only": ""}`)},
		{"empty object and array variants", typedFlag("object", `{"o": {}, "a": []}`)},
		{"weight of exactly 2^32", withRollout(`{"variant": "on", "weight": 4294967296}`)},
		{"weights summing to exactly 2^32", withRollout(`{"variant": "on", "weight": 4294967295}, {"variant": "off", "weight": 1}`)},
		{"a zero weight beside a positive one", withRollout(`{"variant": "on", "weight": 0}, {"variant": "off", "weight": 1}`)},
		{"rule without conditions", boolFlag(`, "rules": [{"serve": {"variant": "on"}}]`)},
		{"rule with an empty conditions list", boolFlag(`, "rules": [{"conditions": [], "serve": {"variant": "on"}}]`)},
		{"exists with an empty values list", withCondition(`{"attribute": "a", "operator": "exists", "values": []}`)},
		{"same key twice under one variant", boolFlag(`, "targets": [{"variant": "on", "values": ["u1", "u1"]}, {"variant": "on", "values": ["u1"]}]`)},
		{"rules without ids, and an id reused by another flag", doc(
			`"f": {"type": "boolean", "variants": {"on": true}, "rules": [{"serve": {"variant": "on"}}, {"serve": {"variant": "on"}}, {"id": "r", "serve": {"variant": "on"}}]},
			 "g": {"type": "boolean", "variants": {"on": true}, "rules": [{"id": "r", "serve": {"variant": "on"}}]}`)},
		{"diamond of prerequisites", doc(
			`"a": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "b", "variants": ["on"]}, {"flag": "c", "variants": ["on"]}]},
			 "b": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "d", "variants": ["on"]}]},
			 "c": {"type": "boolean", "variants": {"on": true}, "prerequisites": [{"flag": "d", "variants": ["on"]}]},
			 "d": {"type": "boolean", "variants": {"on": true}}`)},
		{"disabled flag without offVariant", boolFlag(`, "enabled": false`)},
		{"JSON Pointer escapes", withCondition(`{"attribute": "/a~0b/c~1d/0", "operator": "exists"}`)},
		{"unused segment with only exclusions", withSegment(`{"excluded": ["u1"]}`)},
		{"keys with escapes", doc(`"\u0066\n\"": {"type": "string", "variants": {"\t": "\ud83d\ude00"}}`)},
		{"metadata of every allowed type", boolFlag(`, "metadata": {"s": "x", "i": 3, "f": 0.5, "e": 1e3, "b": false}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := evaluator.Parse([]byte(tc.doc))
			require.NoErrorf(t, err, "Parse(%s)", tc.doc)
			require.NotNil(t, rs)
			ev, err := evaluator.Load([]byte(tc.doc))
			require.NoErrorf(t, err, "Load(%s)", tc.doc)
			require.NotNil(t, ev)
		})
	}
}

// TestParseRoundTrip checks that an accepted document survives
// Parse → json.Marshal → Parse unchanged.
func TestParseRoundTrip(t *testing.T) {
	docs := map[string][]byte{
		"spec-example-complete.json": readFixture(t, "spec-example-complete.json"),
		"every-operator.json":        readFixture(t, "every-operator.json"),
		"odd-keys.json":              readFixture(t, "odd-keys.json"),
		"minimal":                    []byte(`{"schemaVersion": 1}`),
		"empty collections":          []byte(`{"schemaVersion": 1, "flags": {}, "segments": {}}`),
	}
	allOperators, err := os.ReadFile(filepath.Join("testdata", "all-operators.json"))
	require.NoError(t, err)
	docs["all-operators.json"] = allOperators
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			first, err := evaluator.Parse(data)
			require.NoError(t, err)
			out, err := json.Marshal(first)
			require.NoError(t, err)
			second, err := evaluator.Parse(out)
			require.NoErrorf(t, err, "Parse(json.Marshal(Parse(%s))) with %s", name, out)
			assert.True(t, reflect.DeepEqual(first, second), "round trip changed the model")
			assert.Equal(t, first, second)

			// And it is a fixed point from then on.
			again, err := json.Marshal(second)
			require.NoError(t, err)
			assert.JSONEq(t, string(out), string(again))
		})
	}
}

// TestCompileGoRuleset compiles a Ruleset built in Go with native numbers
// rather than json.Number.
func TestCompileGoRuleset(t *testing.T) {
	off := false
	rs := &evaluator.Ruleset{
		SchemaVersion: evaluator.SchemaVersion,
		Version:       "go-1",
		Flags: map[string]evaluator.Flag{
			"limit": {
				Type:     evaluator.TypeInteger,
				Variants: map[string]any{"small": 10, "medium": int64(100), "large": uint32(1000), "whole": 5.0},
				Targets:  []evaluator.Target{{Variant: "whole", Values: []string{"u5"}}},
				Rules: []evaluator.Rule{
					{ID: "adults", Conditions: []evaluator.Condition{{Attribute: "age", Operator: evaluator.OpGreaterThanOrEqual, Values: []any{18}}}, Serve: evaluator.Serve{Variant: "large"}},
					{ID: "listed", Conditions: []evaluator.Condition{{Attribute: "tier", Operator: evaluator.OpIn, Values: []any{int8(2), uint(3), float32(4.5), "gold", true}}}, Serve: evaluator.Serve{Variant: "medium"}},
				},
				Default:  &evaluator.Serve{Variant: "small"},
				Metadata: map[string]any{"ticket": 1234, "ratio": 0.25, "owner": "go", "ready": true, "wholeFloat": 7.0, "huge": uint64(math.MaxUint64)},
			},
			"ratio": {
				Type:     evaluator.TypeFloat,
				Variants: map[string]any{"one": 1, "half": float32(0.5), "num": json.Number("2.25")},
				Default: &evaluator.Serve{Rollout: &evaluator.Rollout{Variants: []evaluator.WeightedVariant{
					{Variant: "one", Weight: 0}, {Variant: "half", Weight: 1}}}},
			},
			"config": {
				Type:     evaluator.TypeObject,
				Variants: map[string]any{"v": map[string]any{"n": 1, "list": []any{int64(2), 3.5, "s", nil, true}}},
				Default:  &evaluator.Serve{Variant: "v"},
			},
			"dark": {
				Type: evaluator.TypeBoolean, Enabled: &off, Variants: map[string]any{"on": true, "off": false}, OffVariant: "off",
			},
		},
	}
	ev, err := evaluator.Compile(rs)
	require.NoError(t, err)

	tests := []struct {
		flag    string
		ctx     map[string]any
		value   any
		variant string
		reason  evaluator.Reason
	}{
		{"limit", map[string]any{"targetingKey": "u5"}, int64(5), "whole", evaluator.ReasonTargetingMatch},
		{"limit", map[string]any{"age": 30}, int64(1000), "large", evaluator.ReasonTargetingMatch},
		{"limit", map[string]any{"age": json.Number("17"), "tier": 3}, int64(100), "medium", evaluator.ReasonTargetingMatch},
		{"limit", map[string]any{"tier": json.Number("4.5")}, int64(100), "medium", evaluator.ReasonTargetingMatch},
		{"limit", map[string]any{"tier": "gold"}, int64(100), "medium", evaluator.ReasonTargetingMatch},
		{"limit", map[string]any{"tier": "2"}, int64(10), "small", evaluator.ReasonDefault},
		{"ratio", map[string]any{"targetingKey": "anyone"}, 0.5, "half", evaluator.ReasonSplit},
		{"config", nil, map[string]any{"n": 1.0, "list": []any{2.0, 3.5, "s", nil, true}}, "v", evaluator.ReasonStatic},
		{"dark", nil, false, "off", evaluator.ReasonDisabled},
	}
	for _, tc := range tests {
		got := ev.Evaluate(tc.flag, tc.ctx)
		assert.Equalf(t, tc.value, got.Value, "Evaluate(%q, %v).Value = %#v, want %#v", tc.flag, tc.ctx, got.Value, tc.value)
		assert.Equalf(t, tc.variant, got.Variant, "Evaluate(%q, %v).Variant", tc.flag, tc.ctx)
		assert.Equalf(t, tc.reason, got.Reason, "Evaluate(%q, %v).Reason", tc.flag, tc.ctx)
	}
	assert.Equal(t, map[string]any{"ticket": int64(1234), "ratio": 0.25, "owner": "go", "ready": true, "wholeFloat": int64(7), "huge": float64(math.MaxUint64), "rulesetVersion": "go-1"},
		ev.Evaluate("limit", nil).Metadata)

	// The same ruleset written as JSON and parsed compiles to the same
	// behaviour.
	data, err := json.Marshal(rs)
	require.NoError(t, err)
	fromJSON, err := evaluator.Load(data)
	require.NoErrorf(t, err, "Load(json.Marshal(Go ruleset)) with %s", data)
	for _, tc := range tests {
		assert.Equalf(t, ev.Evaluate(tc.flag, tc.ctx), fromJSON.Evaluate(tc.flag, tc.ctx), "Evaluate(%q, %v) differs between the Go and the JSON ruleset", tc.flag, tc.ctx)
	}
}

// TestCompileCopiesRuleset checks that mutating a Ruleset after Compile
// does not change what the Evaluator serves.
func TestCompileCopiesRuleset(t *testing.T) {
	rs := &evaluator.Ruleset{
		SchemaVersion: 1,
		TenantID:      "acme",
		Version:       "v1",
		Flags: map[string]evaluator.Flag{
			"gate": {
				Type: evaluator.TypeBoolean, Variants: map[string]any{"on": true, "off": false},
				Default: &evaluator.Serve{Variant: "on"},
			},
			"f": {
				Type:          evaluator.TypeString,
				Variants:      map[string]any{"a": "A", "b": "B", "c": "C"},
				OffVariant:    "c",
				Prerequisites: []evaluator.Prerequisite{{Flag: "gate", Variants: []string{"on"}}},
				Targets:       []evaluator.Target{{Variant: "a", Values: []string{"u1"}}},
				Rules: []evaluator.Rule{
					{ID: "young", Conditions: []evaluator.Condition{{Attribute: "age", Operator: evaluator.OpLessThan, Values: []any{18}}}, Serve: evaluator.Serve{Variant: "b"}},
					{ID: "seg", Conditions: []evaluator.Condition{{Operator: evaluator.OpInSegment, Values: []any{"beta"}}},
						Serve: evaluator.Serve{Rollout: &evaluator.Rollout{Variants: []evaluator.WeightedVariant{{Variant: "a", Weight: 1}, {Variant: "b", Weight: 0}}}}},
					{ID: "re", Conditions: []evaluator.Condition{{Attribute: "email", Operator: evaluator.OpMatches, Values: []any{"@acme\\.com$"}}}, Serve: evaluator.Serve{Variant: "a"}},
				},
				Default:  &evaluator.Serve{Variant: "c"},
				Metadata: map[string]any{"owner": "qa"},
			},
			"obj": {
				Type:     evaluator.TypeObject,
				Variants: map[string]any{"x": map[string]any{"list": []any{1, "a"}, "m": map[string]any{"k": "v"}}},
				Default:  &evaluator.Serve{Variant: "x"},
			},
			"n": {
				Type: evaluator.TypeInteger, Variants: map[string]any{"one": 1}, Default: &evaluator.Serve{Variant: "one"},
			},
		},
		Segments: map[string]evaluator.Segment{
			"beta": {Included: []string{"u9"}, Rules: []evaluator.SegmentRule{{Conditions: []evaluator.Condition{{Attribute: "plan", Operator: evaluator.OpIn, Values: []any{"enterprise"}}}}}},
		},
	}
	ev, err := evaluator.Compile(rs)
	require.NoError(t, err)

	contexts := []map[string]any{
		nil,
		{"targetingKey": "u1"},
		{"targetingKey": "u2", "age": 10},
		{"targetingKey": "u9"},
		{"targetingKey": "u3", "plan": "enterprise"},
		{"targetingKey": "u4", "age": 30, "email": "x@acme.com"},
	}
	flagKeys := []string{"gate", "f", "obj", "n", "added"}
	snapshot := func() map[string]evaluator.Result {
		out := map[string]evaluator.Result{}
		for _, key := range flagKeys {
			for i, ctx := range contexts {
				out[key+"/"+string(rune('0'+i))] = ev.Evaluate(key, ctx)
			}
		}
		return out
	}
	before := snapshot()
	// Sanity: the snapshot exercises targets, rules, segments and rollouts.
	assert.Equal(t, "a", before["f/1"].Variant)
	assert.Equal(t, "b", before["f/2"].Variant)
	assert.Equal(t, "a", before["f/3"].Variant)
	assert.Equal(t, evaluator.ReasonSplit, before["f/4"].Reason)
	assert.Equal(t, "re", before["f/5"].RuleID)
	assert.Equal(t, evaluator.ErrorFlagNotFound, before["added/0"].ErrorCode)

	// Mutate everything reachable from rs in place.
	f := rs.Flags["f"]
	f.Variants["a"] = "changed"
	f.Prerequisites[0].Variants[0] = "off"
	f.Targets[0].Values[0] = "u2"
	f.Targets[0].Variant = "c"
	f.Rules[0].Conditions[0].Values[0] = 99
	f.Rules[0].Conditions[0].Operator = evaluator.OpGreaterThan
	f.Rules[0].Serve.Variant = "c"
	f.Rules[1].Serve.Rollout.Variants[0].Weight = 0
	f.Rules[1].Serve.Rollout.Variants[1].Weight = 7
	f.Rules[1].Conditions[0].Values[0] = "other"
	f.Rules[2].Conditions[0].Values[0] = "nomatch"
	f.Rules[2].ID = "renamed"
	f.Default.Variant = "a"
	f.Metadata["owner"] = "someone else"
	rs.Flags["gate"].Variants["on"] = false
	rs.Flags["gate"].Default.Variant = "off"
	obj := rs.Flags["obj"].Variants["x"].(map[string]any)
	obj["list"].([]any)[0] = 42
	obj["m"].(map[string]any)["k"] = "changed"
	obj["new"] = true
	rs.Segments["beta"].Included[0] = "u1"
	rs.Segments["beta"].Rules[0].Conditions[0].Values[0] = "free"
	rs.Flags["n"] = evaluator.Flag{Type: evaluator.TypeString, Variants: map[string]any{"s": "s"}}
	rs.Flags["added"] = evaluator.Flag{Type: evaluator.TypeBoolean, Variants: map[string]any{"on": true}}
	delete(rs.Flags, "gate")
	rs.Version = "v2"
	rs.TenantID = "other"
	rs.Segments = nil

	after := snapshot()
	assert.Equal(t, before, after, "mutating the Ruleset after Compile changed evaluation results")
	assert.Equal(t, "v1", ev.Version())
	assert.Equal(t, "acme", ev.TenantID())
	assert.Equal(t, []string{"f", "gate", "n", "obj"}, ev.Keys())

	// Results do not share object values with each other either.
	r := ev.Evaluate("obj", nil)
	r.Value.(map[string]any)["list"].([]any)[0] = "mutated"
	assert.Equal(t, before["obj/0"].Value, ev.Evaluate("obj", nil).Value)
}

// TestValidationErrorsDoNotQuoteTargetingKeys: targeting keys are often
// e-mail addresses, and validation errors end up in logs and provider
// events, so errors about them name the position instead.
func TestValidationErrorsDoNotQuoteTargetingKeys(t *testing.T) {
	_, err := evaluator.Parse([]byte(boolFlag(`, "targets": [{"variant": "on", "values": ["ana@acme.com"]}, {"variant": "off", "values": ["ana@acme.com"]}]`)))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "ana@acme.com")
	assert.Contains(t, err.Error(), "flags.f.targets[1].values[0]")
}

// TestParseRejectsRepeatInLongRollout: a rollout of many variants finds a
// repeat by variant index rather than by scanning (quadratic in the
// rollout's length); it must still find every repeat, and only repeats.
func TestParseRejectsRepeatInLongRollout(t *testing.T) {
	doc := func(list []int) []byte {
		variants, weights := []string{}, []string{}
		for i := range 40 {
			variants = append(variants, `"v`+strconv.Itoa(i)+`": "x"`)
		}
		for _, i := range list {
			weights = append(weights, `{"variant": "v`+strconv.Itoa(i)+`", "weight": 1}`)
		}
		return []byte(`{"schemaVersion": 1, "flags": {"f": {"type": "string", "variants": {` + strings.Join(variants, ", ") +
			`}, "default": {"rollout": {"variants": [` + strings.Join(weights, ", ") + `]}}}}}`)
	}
	all := make([]int, 40)
	for i := range all {
		all[i] = 39 - i
	}
	if _, err := evaluator.Parse(doc(all)); err != nil {
		t.Fatalf("a rollout of 40 distinct variants: %v", err)
	}
	for _, at := range []int{1, 17, 39} {
		list := slices.Clone(all)
		list[at] = list[0]
		_, err := evaluator.Parse(doc(list))
		want := "flags.f.default.rollout.variants[" + strconv.Itoa(at) + "].variant"
		if p := evaluator.Problems(err); len(p) != 1 || p[0].Path != want || !strings.Contains(p[0].Message, `variant "v39" is listed twice`) {
			t.Errorf("repeat at %d: %v, want one problem at %s", at, err, want)
		}
	}
}

// TestParseRejectsDeepNestingAtOnce: a value nested beyond the depth
// bound is one problem, found in one pass. Recovering from it (skipping
// the value, as for a shape problem) met the bound again once per level
// above: a 4 KB document took minutes and gigabytes.
func TestParseRejectsDeepNestingAtOnce(t *testing.T) {
	for _, open := range []string{`{"k": `, `[`} {
		closing := map[string]string{`{"k": `: "}", `[`: "]"}[open]
		doc := []byte(`{"schemaVersion": 1, "flags": {"o": {"type": "object", "variants": {"x": ` +
			strings.Repeat(open, 600) + "1" + strings.Repeat(closing, 600) + `}, "default": {"variant": "x"}}}}`)
		done := make(chan error, 1)
		go func() {
			_, err := evaluator.Parse(doc)
			done <- err
		}()
		select {
		case err := <-done:
			p := evaluator.Problems(err)
			if len(p) != 1 || !strings.Contains(p[0].Message, "nesting deeper than 512 levels") || !strings.HasPrefix(p[0].Path, "flags.o.variants.x") {
				t.Fatalf("nesting of %s: %d problems, first %v; want one, nesting deeper than 512 levels under flags.o.variants.x", open, len(p), err)
			}
		case <-time.After(20 * time.Second): // a watchdog, not a wait: Parse takes a millisecond
			t.Fatalf("Parse of a value nested 600 levels (%s) did not finish in 20 s", open)
		}
	}
}
