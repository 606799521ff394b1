package evaluator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
)

// threeMistakes has three independent problems: an unknown operator in one
// flag, an unknown default variant in another, and a segment rule without
// conditions.
const threeMistakes = `{
  "schemaVersion": 1,
  "flags": {
    "a": {"type": "boolean", "variants": {"on": true, "off": false},
          "rules": [{"conditions": [{"attribute": "email", "operator": "endswith", "values": ["@x"]}], "serve": {"variant": "on"}}],
          "default": {"variant": "off"}},
    "b": {"type": "boolean", "variants": {"on": true, "off": false},
          "default": {"variant": "of"}}
  },
  "segments": {"s": {"rules": [{"conditions": []}]}}
}`

func TestParseReportsEveryProblem(t *testing.T) {
	wantPaths := []string{
		"segments.s.rules[0].conditions",
		"flags.a.rules[0].conditions[0].operator",
		"flags.b.default.variant",
	}
	for name, run := range map[string]func([]byte) error{
		"Parse": func(b []byte) error { _, err := evaluator.Parse(b); return err },
		"Load":  func(b []byte) error { _, err := evaluator.Load(b); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := run([]byte(threeMistakes))
			require.Error(t, err)
			assert.True(t, errors.Is(err, evaluator.ErrInvalidRuleset), "%s error %v does not match ErrInvalidRuleset", name, err)
			var list *evaluator.ValidationErrors
			require.Truef(t, errors.As(err, &list), "%s error %v (%T) is not a *ValidationErrors", name, err, err)
			var paths []string
			for _, p := range list.Errors {
				paths = append(paths, p.Path)
			}
			assert.Equal(t, wantPaths, paths, "%s(threeMistakes) problem paths", name)
			assert.Equal(t, paths, pathsOf(evaluator.Problems(err)))
			var first *evaluator.ValidationError
			require.True(t, errors.As(err, &first), "errors.As finds the first problem")
			assert.Equal(t, wantPaths[0], first.Path)
			assert.Len(t, list.Unwrap(), 3)
		})
	}
}

func TestProblemsOfOneError(t *testing.T) {
	_, err := evaluator.Parse([]byte(`{"schemaVersion": 1, "flags": {"b": {"type": "boolean", "variants": {"on": true}, "default": {"variant": "of"}}}}`))
	var one *evaluator.ValidationError
	require.True(t, errors.As(err, &one), "a single problem is a *ValidationError, got %T", err)
	assert.Equal(t, []string{"flags.b.default.variant"}, pathsOf(evaluator.Problems(err)))
	assert.Nil(t, evaluator.Problems(nil))
	assert.Nil(t, evaluator.Problems(errors.New("other")))
}

func pathsOf(list []*evaluator.ValidationError) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Path)
	}
	return out
}

func TestParseSuggestsNearNames(t *testing.T) {
	const flag = `"type": "boolean", "variants": {"on": true, "off": false}`
	for _, tc := range []struct{ name, doc, path, want string }{
		{"operator", `{"schemaVersion": 1, "flags": {"f": {` + flag + `, "rules": [{"conditions": [{"attribute": "email", "operator": "endswith", "values": ["@x"]}], "serve": {"variant": "on"}}]}}}`,
			"flags.f.rules[0].conditions[0].operator", `unknown operator "endswith"; `},
		{"field", `{"schemaVersion": 1, "flag": {}}`, "flag", `unknown field "flag"; `},
		{"variant", `{"schemaVersion": 1, "flags": {"f": {` + flag + `, "default": {"variant": "offf"}}}}`, "flags.f.default.variant", `unknown variant "offf"; `},
		{"segment", `{"schemaVersion": 1, "segments": {"beta": {"included": ["u"]}}, "flags": {"f": {` + flag + `, "rules": [{"conditions": [{"operator": "inSegment", "values": ["Beta"]}], "serve": {"variant": "on"}}]}}}`,
			"flags.f.rules[0].conditions[0].values[0]", `unknown segment "Beta"; `},
		{"flag", `{"schemaVersion": 1, "flags": {"checkout": {` + flag + `}, "f": {` + flag + `, "prerequisites": [{"flag": "chekout", "variants": ["on"]}]}}}`,
			"flags.f.prerequisites[0].flag", `unknown flag "chekout"; `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := evaluator.Parse([]byte(tc.doc))
			var ve *evaluator.ValidationError
			require.Truef(t, errors.As(err, &ve), "Parse = %v (%T), want a *ValidationError", err, err)
			assert.Equal(t, tc.path, ve.Path)
			assert.Contains(t, ve.Message, tc.want)
			wants := map[string]string{"operator": "endsWith", "field": "flags", "variant": "off", "segment": "beta", "flag": "checkout"}
			// The suggestion comes straight after the name, the list of valid
			// names after it: unknown operator "endswith"; did you mean "endsWith"? (use one of ...)
			want := tc.want[:len(tc.want)-2] + `; did you mean "` + wants[tc.name] + `"? (`
			assert.Truef(t, strings.HasPrefix(ve.Message, want), "Parse message %q does not start %q", ve.Message, want)
		})
	}
}

func TestParseAcceptsSchemaMember(t *testing.T) {
	doc := `{"$schema": "https://github.com/switchyardhq/switchyard/evaluator/schema/ruleset.schema.json", "schemaVersion": 1, "flags": {}}`
	rs, err := evaluator.Parse([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, "https://github.com/switchyardhq/switchyard/evaluator/schema/ruleset.schema.json", rs.Schema)
	_, err = evaluator.Parse([]byte(`{"$schema": 1, "schemaVersion": 1}`))
	var ve *evaluator.ValidationError
	require.True(t, errors.As(err, &ve), "a non-string $schema is rejected, got %v", err)
	assert.Equal(t, `["$schema"]`, ve.Path)
}

// TestParseReportsEveryShapeProblem: problems of the document's shape (an
// unknown field, a value of the wrong type, a missing required field) are
// all reported, each at its path (the semantic checks run once the shape
// is right); a syntax error still stops at the first, and is then the one
// problem reported; Load rejects the document whole.
func TestParseReportsEveryShapeProblem(t *testing.T) {
	doc := []byte(`{"schemaVersion": 1, "flags": {
	  "a": {"type": "boolean", "variants": {"on": true}, "colour": "red"},
	  "b": {"type": "boolean", "variants": {"on": true}, "enabled": "yes"},
	  "c": {"type": "boolean", "variants": {"on": true}, "default": {"rollout": {"variants": [{"variant": "on"}]}}},
	  "d": {"type": "boolean", "variants": {"on": true}, "rules": [{"serve": {"variant": "on"}, "conditons": []}]}
	}}`)
	_, err := evaluator.Parse(doc)
	var paths []string
	for _, p := range evaluator.Problems(err) {
		paths = append(paths, p.Path)
	}
	assert.Equal(t, []string{"flags.a.colour", "flags.b.enabled", "flags.c.default.rollout.variants[0]", "flags.d.rules[0].conditons"}, paths, "%v", err)
	assert.Contains(t, err.Error(), `unknown field "colour"`)
	assert.Contains(t, err.Error(), `missing required field "weight"`)
	_, loadErr := evaluator.Load(doc)
	assert.Equal(t, err.Error(), loadErr.Error())

	_, err = evaluator.Parse([]byte(`{"schemaVersion": 1, "flags": {"a": {"colour": "red",}, "b": {"colour": 1}}}`))
	require.Len(t, evaluator.Problems(err), 1, "%v", err) // the syntax error alone: the position after it means nothing
	assert.Contains(t, err.Error(), "malformed JSON")
}
