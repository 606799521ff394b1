package evaluator_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/switchyardhq/switchyard/evaluator"
)

// Known answers, computed outside Go: printf 'c2f1a9\0ada@example.com' | sha256sum
func TestHashValueKnownAnswers(t *testing.T) {
	for _, c := range []struct{ salt, value, want string }{
		{"c2f1a9", "ada@example.com", "5916393cf4508af5ec3852fc3a8eccb1202efc618a867dfd3593f994929577ab"},
		{"c2f1a9", "42", "9cd8c7f7a1aa7936a91a1c11d7601cde7c96be02e2e3b63943141850ddf37d43"},
		{"", "x", "3c7e9bc930dc93f01fa69985ef242d9f9e861f3c5355aa24ce5ef4b4b8a70ccb"},
	} {
		if got := evaluator.HashValue(c.salt, c.value); got != "sha256:"+c.want {
			t.Errorf("HashValue(%q, %q) = %s, want sha256:%s", c.salt, c.value, got, c.want)
		}
	}
}

const testSalt = "c2f1a9d04e"

func hashedDoc(t *testing.T) *evaluator.Evaluator {
	t.Helper()
	h := func(v string) string { return evaluator.HashValue(testSalt, v) }
	doc := fmt.Sprintf(`{
	  "schemaVersion": 1,
	  "valueHashing": {"algorithm": "sha256-v1", "salt": %q},
	  "segments": {
	    "beta": {"included": [%q], "excluded": [%q],
	             "rules": [{"conditions": [{"attribute": "email", "operator": "in", "values": [%q]}]}]}
	  },
	  "flags": {
	    "f": {
	      "type": "string",
	      "variants": {"target": "target", "rule": "rule", "seg": "seg", "num": "num", "def": "def"},
	      "targets": [{"variant": "target", "values": [%q, %q]}],
	      "rules": [
	        {"id": "by-email", "conditions": [{"attribute": "email", "operator": "in", "values": [%q]}], "serve": {"variant": "rule"}},
	        {"id": "by-seats", "conditions": [{"attribute": "seats", "operator": "in", "values": [%q]}], "serve": {"variant": "num"}},
	        {"id": "beta", "conditions": [{"operator": "inSegment", "values": ["beta"]}], "serve": {"variant": "seg"}}
	      ],
	      "default": {"variant": "def"}
	    }
	  }
	}`, testSalt, h("seg-user"), h("excluded-user"), h("seg@example.com"), h("user-1"), h("user-2"), h("ada@example.com"), h("42"))
	ev, err := evaluator.Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestHashedValuesMatchAsPlain(t *testing.T) {
	ev := hashedDoc(t)
	for _, c := range []struct {
		name string
		ctx  map[string]any
		want string
	}{
		{"target", map[string]any{"targetingKey": "user-2"}, "target"},
		{"target key differs", map[string]any{"targetingKey": "user-3"}, "def"},
		{"in string", map[string]any{"targetingKey": "k", "email": "ada@example.com"}, "rule"},
		{"in string case matters", map[string]any{"targetingKey": "k", "email": "Ada@example.com"}, "def"},
		{"in []string", map[string]any{"targetingKey": "k", "email": []string{"x", "ada@example.com"}}, "rule"},
		{"in []any", map[string]any{"targetingKey": "k", "email": []any{true, "ada@example.com"}}, "rule"},
		{"in int", map[string]any{"targetingKey": "k", "seats": 42}, "num"},
		{"in int64", map[string]any{"targetingKey": "k", "seats": int64(42)}, "num"},
		{"in whole float", map[string]any{"targetingKey": "k", "seats": 42.0}, "num"},
		{"in json.Number", map[string]any{"targetingKey": "k", "seats": json.Number("4.2e1")}, "num"},
		{"in []int", map[string]any{"targetingKey": "k", "seats": []int{1, 42}}, "num"},
		{"in fraction", map[string]any{"targetingKey": "k", "seats": 42.5}, "def"},
		{"in bool", map[string]any{"targetingKey": "k", "seats": true}, "def"},
		{"segment included", map[string]any{"targetingKey": "seg-user"}, "seg"},
		{"segment rule", map[string]any{"targetingKey": "k", "email": "seg@example.com"}, "seg"},
		{"segment excluded beats rule", map[string]any{"targetingKey": "excluded-user", "email": "seg@example.com"}, "def"},
		{"no key", map[string]any{"email": "seg@example.com"}, "seg"},
	} {
		res := ev.Evaluate("f", c.ctx)
		if res.Value != c.want {
			t.Errorf("%s: got %v (%s, %v), want %s", c.name, res.Value, res.Reason, res.ErrorCode, c.want)
		}
	}
}

func TestHashedEvaluationDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	ev := hashedDoc(t)
	for _, ctx := range []map[string]any{
		{"targetingKey": "user-2"},
		{"targetingKey": "k", "email": "seg@example.com", "seats": 41},
		{"targetingKey": "k", "email": []any{"x", strings.Repeat("y", 300)}, "seats": json.Number("42")},
		{"targetingKey": "k", "seats": uint64(1 << 63)},
	} {
		if allocs := testing.AllocsPerRun(200, func() { ev.Evaluate("f", ctx) }); allocs != 0 {
			t.Errorf("Evaluate with %v: %v allocations, want 0", ctx, allocs)
		}
	}
}

func TestHashedValueProblems(t *testing.T) {
	good := evaluator.HashValue(testSalt, "ada@example.com")
	header := `{"schemaVersion": 1, "valueHashing": {"algorithm": "sha256-v1", "salt": "` + testSalt + `"}, "flags": {"f": `
	noHashing := `{"schemaVersion": 1, "flags": {"f": `
	flag := func(targets, conds string) string {
		return `{"type": "boolean", "variants": {"on": true, "off": false}, "targets": ` + targets +
			`, "rules": [{"conditions": ` + conds + `, "serve": {"variant": "on"}}], "default": {"variant": "off"}}}}`
	}
	okConds := `[{"attribute": "a", "operator": "exists"}]`
	for _, c := range []struct{ name, doc, path, words string }{
		{"mixed target list", header + flag(`[{"variant": "on", "values": ["`+good+`", "bob"]}]`, okConds), "flags.f.targets[0].values[1]", "mixes hashed"},
		{"mixed in list", header + flag(`[]`, `[{"attribute": "e", "operator": "in", "values": [1, "`+good+`"]}]`), "flags.f.rules[0].conditions[0].values[1]", "mixes hashed"},
		{"upper-case hex", header + flag(`[{"variant": "on", "values": ["`+strings.ToUpper(good[:7])+strings.ToUpper(good[7:])+`"]}]`, okConds), "", ""},
		{"upper-case digits", header + flag(`[{"variant": "on", "values": ["sha256:`+strings.ToUpper(good[7:])+`"]}]`, okConds), "flags.f.targets[0].values[0]", "lowercase hex"},
		{"short digest", header + flag(`[{"variant": "on", "values": ["`+good[:70]+`"]}]`, okConds), "flags.f.targets[0].values[0]", "64 lowercase hex"},
		{"plain sha256: value without valueHashing", noHashing + flag(`[{"variant": "on", "values": ["sha256:latest"]}]`, `[{"attribute": "image", "operator": "in", "values": ["sha256:latest", "x"]}]`), "", ""},
		{"short digest without valueHashing", noHashing + flag(`[{"variant": "on", "values": ["`+good[:70]+`"]}]`, okConds), "", ""},
		{"mistyped digest beside good ones", header + flag(`[{"variant": "on", "values": ["`+good+`", "`+good[:70]+`"]}]`, okConds), "flags.f.targets[0].values[1]", "64 lowercase hex"},
		{"no valueHashing", noHashing + flag(`[{"variant": "on", "values": ["`+good+`"]}]`, okConds), "flags.f.targets[0].values[0]", `need "valueHashing"`},
		{"hashed in contains", header + flag(`[]`, `[{"attribute": "e", "operator": "contains", "values": ["`+good+`"]}]`), "flags.f.rules[0].conditions[0].values[0]", "only in"},
		{"plain and hashed under two variants", header + flag(`[{"variant": "on", "values": ["ada@example.com"]}, {"variant": "off", "values": ["`+good+`"]}]`, okConds), "flags.f.targets[1].values[0]", "already targeted"},
		{"bad algorithm", `{"schemaVersion": 1, "valueHashing": {"algorithm": "md5", "salt": "s"}, "flags": {}}`, "valueHashing.algorithm", "sha256-v1"},
		{"empty salt", `{"schemaVersion": 1, "valueHashing": {"algorithm": "sha256-v1", "salt": ""}, "flags": {}}`, "valueHashing.salt", "random salt"},
		{"missing salt", `{"schemaVersion": 1, "valueHashing": {"algorithm": "sha256-v1"}, "flags": {}}`, "valueHashing", `"salt"`},
		{"segment mixed", `{"schemaVersion": 1, "valueHashing": {"algorithm": "sha256-v1", "salt": "s"}, "segments": {"s": {"excluded": ["` + good + `", "x"]}}, "flags": {}}`, "segments.s.excluded[1]", "mixes"},
	} {
		_, err := evaluator.Parse([]byte(c.doc))
		if c.path == "" { // not the hashed form: a plain value
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		var ve *evaluator.ValidationError
		if !errors.As(err, &ve) || ve.Path != c.path || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%s: got %v, want a problem at %s saying %q", c.name, err, c.path, c.words)
		}
		if strings.Contains(err.Error(), "ada@example.com") || strings.Contains(err.Error(), good[7:]) {
			t.Errorf("%s: the error prints a listed value: %v", c.name, err)
		}
	}
}

// TestHashRulesetRoundTrip: a hashed ruleset names no value, survives
// Parse → Marshal, and is not hashed twice.
func TestHashRulesetRoundTrip(t *testing.T) {
	plain := randomHashingRuleset(rand.New(rand.NewPCG(1, 2)))
	hashed, err := evaluator.HashRuleset(plain, testSalt)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(hashed)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"user-`) || strings.Contains(string(data), `@example`) {
		t.Errorf("hashed document still names a value: %.300s", data)
	}
	back, err := evaluator.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(data) {
		t.Errorf("Parse → Marshal changed the hashed document")
	}
	if _, err := evaluator.HashRuleset(hashed, "another-salt"); err == nil {
		t.Error("HashRuleset re-hashed a ruleset hashed with another salt")
	}
	twice, err := evaluator.HashRuleset(hashed, testSalt)
	if err != nil || !reflect.DeepEqual(twice, hashed) {
		t.Errorf("HashRuleset of a hashed ruleset with its own salt changed it (%v)", err)
	}
}

// TestHashedMatchesPlainProperty: for random rulesets and contexts, the
// hashed form of a ruleset serves what the plain form serves.
func TestHashedMatchesPlainProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for round := range rounds {
		plain := randomHashingRuleset(r)
		hashed, err := evaluator.HashRuleset(plain, "salt-"+strconv.Itoa(round))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		pe, err := evaluator.Compile(plain)
		if err != nil {
			t.Fatalf("round %d: plain: %v", round, err)
		}
		he, err := evaluator.Compile(hashed)
		if err != nil {
			t.Fatalf("round %d: hashed: %v", round, err)
		}
		for range 60 {
			ctx := randomHashingContext(r)
			for _, key := range pe.Keys() {
				p, h := pe.Evaluate(key, ctx), he.Evaluate(key, ctx)
				if p.Value != h.Value || p.Variant != h.Variant || p.Reason != h.Reason || p.RuleID != h.RuleID {
					t.Fatalf("round %d flag %s ctx %v: plain %v/%s/%s, hashed %v/%s/%s", round, key, ctx, p.Value, p.Reason, p.RuleID, h.Value, h.Reason, h.RuleID)
				}
			}
		}
	}
}

// The generator's string values are never decimal integers: a hashed list
// cannot tell "42" from 42 (documented), every other value must agree.
var (
	hashKeysPool   = []string{"user-1", "user-2", "user-3", "user-4", "user-5", "user-6", "u-x", ""}
	hashEmailsPool = []string{"ada@example.com", "bob@example.com", "eve@example.org", "x"}
)

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func randomHashingRuleset(r *rand.Rand) *evaluator.Ruleset {
	someKeys := func() []string {
		var out []string
		for range 1 + r.IntN(3) {
			if k := pick(r, hashKeysPool[:7]); !contains(out, k) {
				out = append(out, k)
			}
		}
		return out
	}
	cond := func(allowSegment bool) evaluator.Condition {
		switch n := r.IntN(5); {
		case n == 0 && allowSegment:
			return evaluator.Condition{Operator: evaluator.OpInSegment, Values: []any{pick(r, []string{"s0", "s1"})}, Negate: r.IntN(4) == 0}
		case n <= 1:
			var vals []any
			for range 1 + r.IntN(3) {
				vals = append(vals, r.IntN(6)) // ints, hashed as base 10
			}
			return evaluator.Condition{Attribute: "seats", Operator: evaluator.OpIn, Values: vals, Negate: r.IntN(4) == 0}
		case n == 2:
			return evaluator.Condition{Attribute: "/org/id", Operator: evaluator.OpIn, Values: []any{pick(r, hashKeysPool[:7]), json.Number(strconv.Itoa(r.IntN(3)))}}
		default:
			var vals []any
			for range 1 + r.IntN(3) {
				vals = append(vals, pick(r, hashEmailsPool))
			}
			return evaluator.Condition{Attribute: "email", Operator: evaluator.OpIn, Values: vals, Negate: r.IntN(4) == 0}
		}
	}
	rs := &evaluator.Ruleset{SchemaVersion: 1, Flags: map[string]evaluator.Flag{}, Segments: map[string]evaluator.Segment{}}
	for i := range 2 {
		s := evaluator.Segment{}
		if r.IntN(3) > 0 {
			s.Included = someKeys()
		}
		if r.IntN(2) == 0 {
			s.Excluded = someKeys()
		}
		if r.IntN(2) == 0 {
			s.Rules = []evaluator.SegmentRule{{Conditions: []evaluator.Condition{cond(false)}}}
		}
		rs.Segments["s"+strconv.Itoa(i)] = s
	}
	variants := map[string]any{"a": "a", "b": "b", "c": "c"}
	for i := range 3 {
		f := evaluator.Flag{Type: evaluator.TypeString, Variants: variants, Default: &evaluator.Serve{Variant: "c"}}
		if r.IntN(2) == 0 {
			f.Targets = []evaluator.Target{{Variant: "a", Values: someKeys()}}
		}
		for j := range r.IntN(4) {
			var conds []evaluator.Condition
			for range 1 + r.IntN(2) {
				conds = append(conds, cond(true))
			}
			f.Rules = append(f.Rules, evaluator.Rule{ID: "r" + strconv.Itoa(j), Conditions: conds, Serve: evaluator.Serve{Variant: pick(r, []string{"a", "b"})}})
		}
		if i > 0 && r.IntN(2) == 0 {
			f.Prerequisites = []evaluator.Prerequisite{{Flag: "f" + strconv.Itoa(i-1), Variants: []string{pick(r, []string{"a", "b", "c"})}}}
		}
		rs.Flags["f"+strconv.Itoa(i)] = f
	}
	// Enough single-condition rules for a rule index, plain and hashed.
	many := evaluator.Flag{Type: evaluator.TypeString, Variants: variants}
	for j := range 8 + r.IntN(8) {
		c := cond(r.IntN(6) == 0)
		if r.IntN(3) > 0 {
			c.Negate = false
		}
		many.Rules = append(many.Rules, evaluator.Rule{ID: "m" + strconv.Itoa(j), Conditions: []evaluator.Condition{c}, Serve: evaluator.Serve{Variant: pick(r, []string{"a", "b", "c"})}})
	}
	rs.Flags["many"] = many
	return rs
}

func randomHashingContext(r *rand.Rand) map[string]any {
	ctx := map[string]any{}
	if k := pick(r, hashKeysPool); k != "" || r.IntN(2) == 0 {
		ctx["targetingKey"] = k
	}
	switch r.IntN(5) {
	case 0:
		ctx["email"] = pick(r, hashEmailsPool)
	case 1:
		ctx["email"] = []string{pick(r, hashEmailsPool), pick(r, hashEmailsPool)}
	case 2:
		ctx["email"] = []any{true, pick(r, hashEmailsPool), 3}
	case 3:
		ctx["email"] = 7
	}
	switch r.IntN(8) {
	case 0:
		ctx["seats"] = r.IntN(6)
	case 1:
		ctx["seats"] = float64(r.IntN(6))
	case 2:
		ctx["seats"] = float64(r.IntN(6)) + 0.5
	case 3:
		ctx["seats"] = json.Number(strconv.Itoa(r.IntN(6)))
	case 4:
		ctx["seats"] = []int{r.IntN(6), r.IntN(6)}
	case 5:
		ctx["seats"] = true
	case 6:
		ctx["seats"] = uint8(r.IntN(6))
	}
	if r.IntN(2) == 0 {
		ctx["org"] = map[string]any{"id": pick(r, []any{pick(r, hashKeysPool[:7]), r.IntN(3), float64(r.IntN(3))})}
	}
	return ctx
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestExplainHashed: Explain follows hashed targets, rules and segments and
// prints no hashed list, even with ShowValues.
func TestExplainHashed(t *testing.T) {
	ev := hashedDoc(t)
	for ctx, want := range map[string]string{"user-1": "target", "seg-user": "seg"} {
		x := ev.ExplainWith("f", map[string]any{"targetingKey": ctx, "email": "nobody@example.com"}, evaluator.ExplainOptions{ShowValues: true})
		if x.Variant != want {
			t.Errorf("%s: explained %s, want %s", ctx, x.Variant, want)
		}
		data, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "sha256") || strings.Contains(string(data), testSalt) {
			t.Errorf("explanation prints a hashed value or the salt: %s", data)
		}
	}
}

func TestEnvelopeNamesItself(t *testing.T) {
	_, err := evaluator.Load([]byte(`{"signed": {"algorithm": "ed25519", "keyId": "k", "signature": "x", "document": {"schemaVersion": 1}}}`))
	if err == nil || !strings.Contains(err.Error(), "signed envelope") {
		t.Errorf("Load(envelope) = %v, want an error that says it is a signed envelope", err)
	}
}

// TestHashedEdgesMatchPlain: shapes a review found where the hashed form
// once differed from the plain one, or allocated.
func TestHashedEdgesMatchPlain(t *testing.T) {
	plainDoc := `{"schemaVersion": 1, "flags": {
	  "f": {"type": "string", "variants": {"a": "a", "b": "b", "c": "c"},
	    "rules": [
	      {"conditions": [{"attribute": "a", "operator": "in", "values": ["ada", 42, -7]}], "serve": {"variant": "a"}},
	      {"conditions": [{"attribute": "big", "operator": "in", "values": [12345678901234567]}], "serve": {"variant": "b"}}
	    ], "default": {"variant": "c"}}}}`
	plain, err := evaluator.Parse([]byte(plainDoc))
	if err != nil {
		t.Fatal(err)
	}
	hrs, err := evaluator.HashRuleset(plain, "edge-salt")
	if err != nil {
		t.Fatal(err)
	}
	if v := hrs.Flags["f"].Rules[1].Conditions[0].Values[0]; isHashedString(v) {
		t.Errorf("an integer beyond 2^53 was hashed: a float attribute would no longer match it")
	}
	pe, he := mustCompile(t, plain), mustCompile(t, hrs)
	var fromJSON map[string]any
	if err := json.Unmarshal([]byte(`{"big": 12345678901234567}`), &fromJSON); err != nil {
		t.Fatal(err)
	}
	contexts := []map[string]any{
		{"a": []any{[]string{"ada"}}}, // a list inside a list matches nothing
		{"a": []any{[]any{42}}},
		{"a": []float64{1, 42}},
		{"a": []float64{42.5}},
		{"a": json.Number("4.2e1")},
		{"a": json.Number("42.0")},
		{"a": json.Number("42.5")},
		{"a": json.Number("42.0000000000000001")},
		{"a": float32(-7)},
		{"a": uint64(42)},
		{"a": []any{"x", json.Number("42")}},
		fromJSON,
	}
	for _, ctx := range contexts {
		p, h := pe.Evaluate("f", ctx), he.Evaluate("f", ctx)
		if p.Variant != h.Variant {
			t.Errorf("context %v: plain %s, hashed %s", ctx, p.Variant, h.Variant)
		}
		if !raceEnabled {
			if allocs := testing.AllocsPerRun(50, func() { he.Evaluate("f", ctx) }); allocs != 0 {
				t.Errorf("context %v: %v allocations", ctx, allocs)
			}
		}
	}
}

func isHashedString(v any) bool {
	s, ok := v.(string)
	return ok && strings.HasPrefix(s, evaluator.HashedPrefix)
}

func mustCompile(t *testing.T, rs *evaluator.Ruleset) *evaluator.Evaluator {
	t.Helper()
	ev, err := evaluator.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
