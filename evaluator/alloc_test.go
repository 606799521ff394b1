package evaluator_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchyardhq/switchyard/evaluator"
)

// TestEvaluateDoesNotAllocate enforces SPEC section 7: evaluating a boolean,
// string, integer or float flag allocates nothing, whatever path serves it.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	ev := benchCompile(t, benchRuleset(0))
	contexts := map[string]map[string]any{
		"no-match":    benchContext(),
		"targeted":    {"targetingKey": "user-1", "country": "C19", "email": "a@acme.com", "seats": 1},
		"empty":       {},
		"json-num":    {"targetingKey": "k", "seats": json.Number("300")},
		"list-attr":   {"targetingKey": "k", "country": []any{"XX", "C07"}},
		"string-list": {"targetingKey": "k", "country": []string{"XX", "C07"}, "seats": 250},
		// Longer than hashJoined's stack buffer: the rollouts stream it.
		"long-key": {"targetingKey": strings.Repeat("k", 300), "seats": 250},
		"int-key":  {"targetingKey": 123456789, "seats": 250},
	}
	for name, ctx := range contexts {
		for _, c := range benchCases {
			allocs := testing.AllocsPerRun(200, func() { ev.Evaluate(c.flag, ctx) })
			if allocs != 0 {
				t.Errorf("Evaluate(%q) with %s context: %v allocations per run, want 0", c.flag, name, allocs)
			}
		}
		for _, want := range []evaluator.FlagType{evaluator.TypeFloat, evaluator.TypeString} {
			allocs := testing.AllocsPerRun(200, func() { ev.EvaluateAs("integer", want, ctx) })
			if allocs != 0 {
				t.Errorf("EvaluateAs(%q, %s) with %s context: %v allocations per run, want 0", "integer", want, name, allocs)
			}
		}
		for _, missing := range []string{"no-such-flag"} {
			if allocs := testing.AllocsPerRun(200, func() { ev.Evaluate(missing, ctx) }); allocs != 0 {
				t.Errorf("Evaluate(%q): %v allocations per run, want 0", missing, allocs)
			}
		}
	}
}
