package signing_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/signing"
)

// benchDocument is a 10 000-flag ruleset shaped like the evaluator's
// BenchmarkLoad document: per flag three rules (an `in` over 20 values, an
// endsWith, a greaterThan serving a rollout), a segment rule and metadata.
func benchDocument(tb testing.TB, n int) []byte {
	tb.Helper()
	countries := make([]any, 20)
	for i := range countries {
		countries[i] = fmt.Sprintf("C%02d", i)
	}
	included := make([]string, 100)
	for i := range included {
		included[i] = "user-" + strconv.Itoa(i)
	}
	on := evaluator.Serve{Variant: "on"}
	rs := &evaluator.Ruleset{SchemaVersion: 1, Version: "load", Flags: make(map[string]evaluator.Flag, n),
		Segments: map[string]evaluator.Segment{"beta": {Included: included, Rules: []evaluator.SegmentRule{{Conditions: []evaluator.Condition{{Attribute: "plan", Operator: evaluator.OpIn, Values: []any{"enterprise"}}}}}}}}
	for i := range n {
		rs.Flags["flag-"+strconv.Itoa(i)] = evaluator.Flag{
			Type:     evaluator.TypeBoolean,
			Variants: map[string]any{"on": true, "off": false},
			Rules: []evaluator.Rule{
				{ID: "countries", Conditions: []evaluator.Condition{{Attribute: "country", Operator: evaluator.OpIn, Values: countries}}, Serve: on},
				{ID: "staff", Conditions: []evaluator.Condition{{Attribute: "email", Operator: evaluator.OpEndsWith, Values: []any{"@acme.com"}}}, Serve: on},
				{ID: "big", Conditions: []evaluator.Condition{{Attribute: "seats", Operator: evaluator.OpGreaterThan, Values: []any{100}}},
					Serve: evaluator.Serve{Rollout: &evaluator.Rollout{Seed: new("seed-" + strconv.Itoa(i)), Variants: []evaluator.WeightedVariant{{Variant: "on", Weight: 20}, {Variant: "off", Weight: 80}}}}},
				{ID: "beta", Conditions: []evaluator.Condition{{Operator: evaluator.OpInSegment, Values: []any{"beta"}}}, Serve: on},
			},
			Default:  &evaluator.Serve{Variant: "off"},
			Metadata: map[string]any{"owner": "team-" + strconv.Itoa(i%50), "ticket": i},
		}
	}
	data, err := json.Marshal(rs)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

type benchFixture struct {
	doc, env []byte
	keys     *signing.Keys
}

func newBenchFixture(tb testing.TB) benchFixture {
	doc := benchDocument(tb, 10000)
	k := testKey(tb, "2026-12", 1)
	return benchFixture{doc: doc, env: sign(tb, string(doc), k), keys: keys(tb, k)}
}

// BenchmarkVerify10000 is the signature check of a 10 000-flag envelope
// (parsing the envelope and Ed25519 over the document); BenchmarkLoad10000
// is evaluator.Load of the same document, the work that follows it.
func BenchmarkVerify10000(b *testing.B) {
	f := newBenchFixture(b)
	b.SetBytes(int64(len(f.env)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := signing.Verify(f.env, f.keys); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad10000(b *testing.B) {
	f := newBenchFixture(b)
	b.SetBytes(int64(len(f.doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := evaluator.Load(f.doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenPlain10000 is what a plain document costs without keys:
// IsEnvelope looks at its first bytes only.
func BenchmarkOpenPlain10000(b *testing.B) {
	f := newBenchFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := signing.Open(f.doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyCostRatio alternates Verify and evaluator.Load of the same
// 10 000-flag document in short rounds and prints the median ratio and
// its spread. It runs only with SWITCHYARD_RATIO=1 (it takes seconds):
//
//	SWITCHYARD_RATIO=1 go test -run VerifyCostRatio -v ./signing
func TestVerifyCostRatio(t *testing.T) {
	if os.Getenv("SWITCHYARD_RATIO") == "" {
		t.Skip("set SWITCHYARD_RATIO=1 to measure")
	}
	f := newBenchFixture(t)
	timeIt := func(n int, fn func()) time.Duration {
		start := time.Now()
		for range n {
			fn()
		}
		return time.Since(start) / time.Duration(n)
	}
	verify := func() {
		if _, _, err := signing.Verify(f.env, f.keys); err != nil {
			t.Fatal(err)
		}
	}
	load := func() {
		if _, err := evaluator.Load(f.doc); err != nil {
			t.Fatal(err)
		}
	}
	var ratios []float64
	var vs, ls []time.Duration
	for range 21 {
		v := timeIt(10, verify)
		l := timeIt(3, load)
		vs, ls = append(vs, v), append(ls, l)
		ratios = append(ratios, float64(v)/float64(l))
	}
	slices.Sort(ratios)
	slices.Sort(vs)
	slices.Sort(ls)
	t.Logf("document %d bytes; Verify median %v, Load median %v; Verify/Load median %.4f (min %.4f, max %.4f, 21 alternated rounds)",
		len(f.doc), vs[10], ls[10], ratios[10], ratios[0], ratios[20])
}
