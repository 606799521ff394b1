package flagd_test

import (
	"errors"
	"testing"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
)

// FuzzTranslate: Translate never panics; it returns a ruleset that
// compiles, or an error that matches evaluator.ErrInvalidRuleset; and
// evaluating every translated flag for a few contexts does not panic.
func FuzzTranslate(f *testing.F) {
	for _, doc := range []string{
		`{"flags": {"f": {"state": "ENABLED", "defaultVariant": "a", "variants": {"a": 1, "b": 2}}}}`,
		`{"$evaluators": {"e": {"in": [{"var": "c"}, ["x", "y"]]}}, "flags": {"f": {"state": "ENABLED", "defaultVariant": "a", "variants": {"a": "a", "b": "b"}, "targeting": {"if": [{"$ref": "e"}, "b", {"or": [{"<": [1, {"var": "n"}, 9]}, {"!": {"starts_with": [{"var": "s"}, "q"]}}]}, "a", null]}}}}`,
		`{"flags": {"f": {"state": "ENABLED", "defaultVariant": "a", "variants": {"a": true, "b": false}, "targeting": {"fractional": [{"cat": ["seed", {"var": "user.id"}]}, ["a", 10], [{"if": [{"==": [{"var": "t"}, 1]}, "b", "a"]}, 90]]}}}}`,
		`{"flags": {"f": {"state": "DISABLED", "variants": {"a": {"k": [1]}}, "targeting": {"sem_ver": [{"var": "v"}, "^", "1.2"]}}}}`,
		`{"flags": {"f": {"state": "ENABLED", "defaultVariant": "big", "variants": {"big": 1, "small": 0}, "targeting": {"if": [{"fractional": [[true, 5], [false, 5]]}, "big", "small"]}}}}`,
	} {
		f.Add([]byte(doc))
	}
	contexts := []map[string]any{
		nil,
		{"targetingKey": "k", "c": "x", "n": 3, "s": "qq", "user": map[string]any{"id": "u"}, "t": 1, "v": "1.2.3"},
		{"targetingKey": "other", "n": "3", "v": 7},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := flagd.Translate(data, flagd.Options{SkipUntranslatable: len(data)%2 == 0})
		if err != nil {
			if !errors.Is(err, evaluator.ErrInvalidRuleset) {
				t.Fatalf("error %v does not match ErrInvalidRuleset", err)
			}
			return
		}
		ev, err := evaluator.Compile(res.Ruleset)
		if err != nil {
			t.Fatalf("translated ruleset does not compile: %v", err)
		}
		for key := range res.Ruleset.Flags {
			for _, ctx := range contexts {
				ev.Evaluate(key, ctx)
			}
		}
	})
}
