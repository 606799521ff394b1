package evaluator

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestCachedResultsMatchFill: whatever served (a rule with or without an
// id, a rollout rule, an indexed rule, the default, a default rollout,
// targets, a failed prerequisite, an error), Evaluate returns exactly the
// Result fill builds for the decision, on the first evaluation (which
// builds the cache) and on later ones.
func TestCachedResultsMatchFill(t *testing.T) {
	onOff := map[string]any{"on": true, "off": false}
	rollout := &Rollout{Variants: []WeightedVariant{{Variant: "on", Weight: 30}, {Variant: "off", Weight: 70}}}
	rules := []Rule{
		{ID: "countries", Conditions: []Condition{{Attribute: "country", Operator: OpIn, Values: []any{"C1", "C2"}}}, Serve: Serve{Variant: "on"}, TrackEvents: true},
		{Conditions: []Condition{{Attribute: "email", Operator: OpEndsWith, Values: []any{"@acme.com"}}}, Serve: Serve{Variant: "off"}},
		{ID: "big", Conditions: []Condition{{Attribute: "seats", Operator: OpGreaterThan, Values: []any{100}}}, Serve: Serve{Rollout: rollout}},
	}
	var indexed []Rule
	for i := range 12 {
		indexed = append(indexed, Rule{ID: fmt.Sprintf("plan-%d", i), Conditions: []Condition{{Attribute: "plan", Operator: OpIn, Values: []any{fmt.Sprintf("plan-%d", i)}}}, Serve: Serve{Variant: []string{"on", "off"}[i%2]}})
	}
	rs := &Ruleset{SchemaVersion: 1, Version: "v7", TenantID: "t", Flags: map[string]Flag{
		"rules":   {Type: TypeBoolean, Variants: onOff, Rules: rules, Default: &Serve{Variant: "off"}, Metadata: map[string]any{"team": "x"}},
		"nodef":   {Type: TypeBoolean, Variants: onOff, Rules: rules},
		"split":   {Type: TypeBoolean, Variants: onOff, Rules: rules[:1], Default: &Serve{Rollout: rollout}, TrackEvents: true},
		"indexed": {Type: TypeBoolean, Variants: onOff, Rules: indexed, Default: &Serve{Variant: "on"}},
		"strings": {Type: TypeString, Variants: map[string]any{"a": "alpha", "b": "beta"}, Default: &Serve{Variant: "b"},
			Rules:   []Rule{{ID: "c", Conditions: rules[0].Conditions, Serve: Serve{Variant: "a"}}, {Conditions: rules[1].Conditions, Serve: Serve{Variant: "b"}}},
			Targets: []Target{{Variant: "a", Values: []string{"user-1"}}}},
		"ints": {Type: TypeInteger, Variants: map[string]any{"small": 1, "large": 100}, OffVariant: "small",
			Prerequisites: []Prerequisite{{Flag: "rules", Variants: []string{"on"}}},
			Rules:         []Rule{{ID: "r", Conditions: rules[0].Conditions, Serve: Serve{Variant: "large"}}}, Default: &Serve{Rollout: &Rollout{Variants: []WeightedVariant{{Variant: "small", Weight: 1}, {Variant: "large", Weight: 1}}}}},
		"objects": {Type: TypeObject, Variants: map[string]any{"x": map[string]any{"k": "v"}, "y": []any{1.5}}, Rules: []Rule{{Conditions: rules[0].Conditions, Serve: Serve{Variant: "x"}}}, Default: &Serve{Variant: "y"}},
	}}
	ev, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 5))
	for range 400 {
		ctx := map[string]any{
			"country": []string{"C1", "C2", "C3"}[r.IntN(3)],
			"email":   []string{"a@acme.com", "b@example.com"}[r.IntN(2)],
			"seats":   r.IntN(200),
			"plan":    fmt.Sprintf("plan-%d", r.IntN(20)),
		}
		if r.IntN(8) != 0 {
			ctx[targetingKey] = fmt.Sprintf("user-%d", r.IntN(5))
		}
		for _, key := range ev.Keys() {
			f := ev.flags.get(key)
			for _, want := range []FlagType{0, TypeFloat} {
				var ref Result
				switch {
				case want == TypeFloat && f.typ != TypeInteger:
					continue
				case f.fixed != nil:
					ref = *f.fixed
				default:
					f.fill(&ref, f.decide(ctx, nil), want == TypeFloat)
				}
				for i := range 2 {
					if got := ev.EvaluateAs(key, want, ctx); !reflect.DeepEqual(got, ref) {
						t.Fatalf("EvaluateAs(%q, %v, %v) #%d = %+v, fill gives %+v", key, want, ctx, i+1, got, ref)
					}
				}
			}
		}
	}
}

// TestCachedResultsShareMetadata: a rule's (or flag's) metadata map is
// built once and shared by all its results, cached or filled (an integer
// read as a float is filled every time).
func TestCachedResultsShareMetadata(t *testing.T) {
	rs := &Ruleset{SchemaVersion: 1, Version: "v1", Flags: map[string]Flag{
		"n": {Type: TypeInteger, Variants: map[string]any{"a": 1, "b": 2}, Metadata: map[string]any{"m": 1},
			Rules:   []Rule{{ID: "r", Conditions: []Condition{{Attribute: "k", Operator: OpIn, Values: []any{"x"}}}, Serve: Serve{Variant: "a"}}},
			Default: &Serve{Variant: "b"}},
	}}
	ev, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, ctx := range []map[string]any{{"k": "x"}, {"k": "y"}} {
		var maps []map[string]any
		for _, want := range []FlagType{0, TypeFloat, 0, TypeFloat} {
			maps = append(maps, ev.EvaluateAs("n", want, ctx).Metadata)
		}
		for i, m := range maps {
			if reflect.ValueOf(m).Pointer() != reflect.ValueOf(maps[0]).Pointer() {
				t.Errorf("context %v: result %d carries another metadata map than result 0", ctx, i)
			}
		}
	}
}

// TestCachedResultsConcurrentFirstUse: goroutines that race to build a
// flag's result cache all get the right Result (run with -race).
func TestCachedResultsConcurrentFirstUse(t *testing.T) {
	onOff := map[string]any{"on": true, "off": false}
	rs := &Ruleset{SchemaVersion: 1, Version: "v1", Flags: map[string]Flag{
		"f": {Type: TypeBoolean, Variants: onOff, Metadata: map[string]any{"m": 1},
			Rules:   []Rule{{ID: "r", Conditions: []Condition{{Attribute: "n", Operator: OpLessThan, Values: []any{5}}}, Serve: Serve{Variant: "on"}}},
			Default: &Serve{Variant: "off"}},
	}}
	for range 20 {
		ev, err := Compile(rs)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan string)
		for g := range 8 {
			go func() {
				ctx := map[string]any{"n": g}
				want := Result{Value: g < 5, Variant: "off", Reason: ReasonDefault, FlagType: TypeBoolean, Metadata: map[string]any{"m": int64(1), "rulesetVersion": "v1"}}
				if g < 5 {
					want.Variant, want.Reason, want.RuleID = "on", ReasonTargetingMatch, "r"
					want.Metadata = map[string]any{"m": int64(1), "rulesetVersion": "v1", "ruleId": "r"}
				}
				msg := ""
				if got := ev.Evaluate("f", ctx); !reflect.DeepEqual(got, want) {
					msg = fmt.Sprintf("n=%d: got %+v, want %+v", g, got, want)
				}
				done <- msg
			}()
		}
		for range 8 {
			if msg := <-done; msg != "" {
				t.Error(msg)
			}
		}
	}
}
