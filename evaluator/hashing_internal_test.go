package evaluator

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHashedValueHashedOncePerEvaluation: the targeting key is tested by
// the flag's targets, a prerequisite's targets and a segment; the e-mail by
// a rule, the prerequisite's rule and a segment rule. Each is hashed once.
func TestHashedValueHashedOncePerEvaluation(t *testing.T) {
	h := func(v string) string { return HashValue("salt", v) }
	onOff := map[string]any{"on": true, "off": false}
	email := func(v string) Condition {
		return Condition{Attribute: "email", Operator: OpIn, Values: []any{h(v)}}
	}
	rs := &Ruleset{
		SchemaVersion: 1,
		ValueHashing:  &ValueHashing{Algorithm: HashAlgorithm, Salt: "salt"},
		Segments: map[string]Segment{"s": {
			Included: []string{h("u-9")},
			Rules:    []SegmentRule{{Conditions: []Condition{email("no-1@example.com")}}},
		}},
		Flags: map[string]Flag{
			"pre": {Type: TypeBoolean, Variants: onOff,
				Targets: []Target{{Variant: "off", Values: []string{h("u-8")}}},
				Rules:   []Rule{{Conditions: []Condition{email("no-2@example.com")}, Serve: Serve{Variant: "off"}}},
				Default: &Serve{Variant: "on"}},
			"f": {Type: TypeBoolean, Variants: onOff,
				Prerequisites: []Prerequisite{{Flag: "pre", Variants: []string{"on"}}},
				Targets:       []Target{{Variant: "on", Values: []string{h("u-7")}}},
				Rules: []Rule{
					{Conditions: []Condition{email("no-3@example.com")}, Serve: Serve{Variant: "on"}},
					{Conditions: []Condition{{Operator: OpInSegment, Values: []any{"s"}}}, Serve: Serve{Variant: "on"}},
					{Conditions: []Condition{email("ada@example.com")}, Serve: Serve{Variant: "on"}},
				},
				Default: &Serve{Variant: "off"}},
		},
	}
	ev, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	f := ev.flags.get("f")
	if !f.hashing {
		t.Fatal("flag f is not marked as hashing")
	}
	var m hashMemo
	d := f.decide(map[string]any{"targetingKey": "u-1", "email": "ada@example.com"}, &m)
	if d.rule != 2 {
		t.Fatalf("served rule %d, want 2", d.rule)
	}
	if m.computed != 2 {
		t.Errorf("computed %d digests for two attribute values, want 2", m.computed)
	}
	if plain := ev.flags.get("pre"); !plain.hashing {
		t.Error("flag pre is not marked as hashing")
	}
}

// TestPlainFlagsCarryNoMemo: a flag of a hashed ruleset that tests no
// hashed value, directly or through segments and prerequisites, keeps the
// plain path.
func TestPlainFlagsCarryNoMemo(t *testing.T) {
	rs := &Ruleset{
		SchemaVersion: 1,
		ValueHashing:  &ValueHashing{Algorithm: HashAlgorithm, Salt: "salt"},
		Segments: map[string]Segment{"hashed": {Included: []string{HashValue("salt", "k")}}, "plain": {Rules: []SegmentRule{{Conditions: []Condition{{Attribute: "a", Operator: OpExists}}}}},
			"hashed-rule": {Rules: []SegmentRule{{Conditions: []Condition{{Attribute: "a", Operator: OpIn, Values: []any{HashValue("salt", "x")}}}}}}},
		Flags: map[string]Flag{
			"plain": {Type: TypeBoolean, Variants: map[string]any{"on": true},
				Rules: []Rule{{Conditions: []Condition{{Operator: OpInSegment, Values: []any{"plain"}}}, Serve: Serve{Variant: "on"}}}},
			"via-segment": {Type: TypeBoolean, Variants: map[string]any{"on": true},
				Rules: []Rule{{Conditions: []Condition{{Operator: OpInSegment, Values: []any{"hashed"}}}, Serve: Serve{Variant: "on"}}}},
			"via-segment-rule": {Type: TypeBoolean, Variants: map[string]any{"on": true},
				Rules: []Rule{{Conditions: []Condition{{Operator: OpInSegment, Values: []any{"plain", "hashed-rule"}}}, Serve: Serve{Variant: "on"}}}},
			"via-prerequisite": {Type: TypeBoolean, Variants: map[string]any{"on": true},
				Prerequisites: []Prerequisite{{Flag: "via-segment", Variants: []string{"on"}}}, Default: &Serve{Variant: "on"}},
		},
	}
	ev, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"plain": false, "via-segment": true, "via-segment-rule": true, "via-prerequisite": true} {
		if got := ev.flags.get(key).hashing; got != want {
			t.Errorf("flag %s: hashing = %v, want %v", key, got, want)
		}
	}
}

func TestHashedRulesAreIndexed(t *testing.T) {
	f := Flag{Type: TypeBoolean, Variants: map[string]any{"on": true, "off": false}}
	for i := range 10 {
		f.Rules = append(f.Rules, Rule{Conditions: []Condition{{Attribute: "email", Operator: OpIn, Values: []any{"u" + string(rune('a'+i))}}}, Serve: Serve{Variant: "on"}})
	}
	rs, err := HashRuleset(&Ruleset{SchemaVersion: 1, Flags: map[string]Flag{"f": f}}, "salt")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	if ix := ev.flags.get("f").ruleIndex; ix == nil || ix.hashed == nil || len(ix.hashed.m) != 10 {
		t.Fatalf("ten hashed in rules are not indexed: %+v", ix)
	}
	if got := ev.Evaluate("f", map[string]any{"email": "uc"}); got.Variant != "on" {
		t.Errorf("indexed hashed rule: %+v", got)
	}
}

// TestUsesHashingOfSharedPrerequisitesIsLinear: each flag needs the two
// before it; deciding whether a flag hashes must not walk every path of
// the chain (2^n), which Compile did for every flag.
func TestUsesHashingOfSharedPrerequisitesIsLinear(t *testing.T) {
	const n = 60
	flags := make([]*flag, n)
	for i := range flags {
		flags[i] = &flag{}
		for _, j := range []int{i - 1, i - 2} {
			if j >= 0 {
				flags[i].prereqs = append(flags[i].prereqs, prereq{flag: flags[j]})
			}
		}
	}
	done := make(chan bool, 1)
	go func() { done <- flags[n-1].usesHashing(map[*flag]bool{}) }()
	select {
	case v := <-done:
		if v {
			t.Error("a chain without hashed values uses hashing")
		}
	case <-time.After(20 * time.Second): // a watchdog, not a wait: the walk takes microseconds
		t.Fatal("usesHashing of a 60-flag chain of shared prerequisites did not finish in 20 s")
	}
}

// TestPrerequisiteCostIsBounded: evaluation walks prerequisites in full,
// so a chain of shared prerequisites is refused before it multiplies.
func TestPrerequisiteCostIsBounded(t *testing.T) {
	chain := func(n int) *Ruleset {
		rs := &Ruleset{SchemaVersion: 1, Flags: map[string]Flag{}}
		for i := range n {
			f := Flag{Type: TypeBoolean, Variants: map[string]any{"on": true}, Default: &Serve{Variant: "on"}}
			for _, j := range []int{i - 1, i - 2} {
				if j >= 0 {
					f.Prerequisites = append(f.Prerequisites, Prerequisite{Flag: fmt.Sprintf("f%02d", j), Variants: []string{"on"}})
				}
			}
			rs.Flags[fmt.Sprintf("f%02d", i)] = f
		}
		return rs
	}
	ev, err := Compile(chain(12)) // f11 costs 376 evaluations
	if err != nil {
		t.Fatalf("a 12-flag chain: %v", err)
	}
	if got := ev.Evaluate("f11", nil); got.Variant != "on" {
		t.Errorf("f11: %+v", got)
	}
	_, err = Compile(chain(20)) // f14 costs 1596: the first refused
	if err == nil || !strings.Contains(err.Error(), "flags.f14.prerequisites: evaluating this flag would evaluate more than 1000 flags") {
		t.Errorf("a 20-flag chain: %v, want flags.f14 refused", err)
	}
}

// TestUsesHashingScansASharedPrerequisiteOnce: a flag without
// prerequisites of its own that many flags need is decided once, not once
// per flag that needs it (each time scanning all its rules: Load of a
// flag with 20 000 rules needed by 20 000 flags took 2.5 s, 0.1 s before
// the memo left such flags out).
func TestUsesHashingScansASharedPrerequisiteOnce(t *testing.T) {
	leaf := &flag{rules: make([]rule, 100)}
	done := map[*flag]bool{}
	for range 3 {
		parent := &flag{prereqs: []prereq{{flag: leaf}}}
		if parent.usesHashing(done) {
			t.Fatal("a flag needing a flag without hashed values uses hashing")
		}
	}
	if v, ok := done[leaf]; !ok || v {
		t.Fatalf("the shared prerequisite is not remembered as not hashing (memo %v, %v): each flag that needs it scans its rules again", v, ok)
	}
	hashedLeaf := &flag{hashedTargets: &digestSet{}}
	parent := &flag{prereqs: []prereq{{flag: leaf}, {flag: hashedLeaf}}}
	if !parent.usesHashing(done) || !done[hashedLeaf] {
		t.Fatal("a flag needing a flag with hashed targets does not use hashing")
	}
}
