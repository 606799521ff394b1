package evaluator

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestRuleIndexMatchesScan: for random flags mixing indexable "in" rules
// with rules of other shapes on the same and other attributes, and random
// contexts (strings, lists, numbers, missing), the index serves exactly
// what scanning the rules in order serves.
func TestRuleIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "cyberdyne", "soylent"}
	pick := func() string { return pool[rng.IntN(len(pool))] }
	indexedFlags := 0
	for round := range 300 {
		var rules []Rule
		n := 8 + rng.IntN(40)
		for i := range n {
			var c Condition
			switch k := rng.IntN(10); {
			case k < 6: // indexable: plain in of strings on "org"
				vals := []any{pick()}
				for rng.IntN(3) == 0 {
					vals = append(vals, pick())
				}
				c = Condition{Attribute: "org", Operator: OpIn, Values: vals}
			case k == 6:
				c = Condition{Attribute: "org", Operator: OpIn, Values: []any{pick()}, Negate: true}
			case k == 7:
				c = Condition{Attribute: "org", Operator: OpEndsWith, Values: []any{pick()[2:]}}
			case k == 8:
				c = Condition{Attribute: "plan", Operator: OpIn, Values: []any{"pro"}}
			default:
				c = Condition{Attribute: "org", Operator: OpIn, Values: []any{pick(), 7}}
			}
			conds := []Condition{c}
			if rng.IntN(8) == 0 {
				conds = append(conds, Condition{Attribute: "plan", Operator: OpExists})
			}
			rules = append(rules, Rule{ID: fmt.Sprintf("r%d", i), Conditions: conds, Serve: Serve{Variant: fmt.Sprintf("v%d", i%3)}})
		}
		f := Flag{Type: TypeString, Variants: map[string]any{"v0": "0", "v1": "1", "v2": "2", "d": "d"}, Rules: rules, Default: &Serve{Variant: "d"}}
		rs := &Ruleset{SchemaVersion: SchemaVersion, Flags: map[string]Flag{"f": f}}
		indexed, err := Compile(rs)
		if err != nil {
			t.Fatal(err)
		}
		scanned, _ := Compile(rs)
		scanned.list[0].ruleIndex = nil
		if indexed.list[0].ruleIndex != nil {
			indexedFlags++
		}
		for range 50 {
			ctx := map[string]any{}
			switch rng.IntN(6) {
			case 0:
			case 1:
				ctx["org"] = []string{pick(), pick()}
			case 2:
				ctx["org"] = []any{7, pick(), true}
			case 3:
				ctx["org"] = 7
			default:
				ctx["org"] = pick()
			}
			if rng.IntN(2) == 0 {
				ctx["plan"] = "pro"
			}
			got, want := indexed.Evaluate("f", ctx), scanned.Evaluate("f", ctx)
			if got.Variant != want.Variant || got.RuleID != want.RuleID || got.Reason != want.Reason {
				t.Fatalf("round %d, context %v: indexed %s/%s, scan %s/%s", round, ctx, got.RuleID, got.Variant, want.RuleID, want.Variant)
			}
		}
	}
	if indexedFlags < 200 {
		t.Fatalf("only %d of 300 flags were indexed: the test does not exercise the index", indexedFlags)
	}
}
