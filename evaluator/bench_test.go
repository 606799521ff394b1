package evaluator_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/switchyardhq/switchyard/evaluator"
)

// The benchmark cases of SPEC section 7 and issue 2, shared with the
// zero-allocation tests in alloc_test.go.

var boolVariants = map[string]any{"on": true, "off": false}

func benchVariant(name string) *evaluator.Serve { return &evaluator.Serve{Variant: name} }

// benchThreeRules is the "3 rules" case: a string `in` over 20 values, an
// endsWith, and a numeric greaterThan; the context matches only the last
// rule, which serves a 20/80 rollout.
func benchThreeRules() evaluator.Flag {
	countries := make([]any, 20)
	for i := range countries {
		countries[i] = fmt.Sprintf("C%02d", i)
	}
	return evaluator.Flag{
		Type:     evaluator.TypeBoolean,
		Variants: boolVariants,
		Rules: []evaluator.Rule{
			{ID: "countries", Conditions: []evaluator.Condition{{Attribute: "country", Operator: evaluator.OpIn, Values: countries}}, Serve: *benchVariant("on")},
			{ID: "staff", Conditions: []evaluator.Condition{{Attribute: "email", Operator: evaluator.OpEndsWith, Values: []any{"@acme.com"}}}, Serve: *benchVariant("on")},
			{ID: "big", Conditions: []evaluator.Condition{{Attribute: "seats", Operator: evaluator.OpGreaterThan, Values: []any{100}}},
				Serve: evaluator.Serve{Rollout: &evaluator.Rollout{Variants: []evaluator.WeightedVariant{{Variant: "on", Weight: 20}, {Variant: "off", Weight: 80}}}}},
		},
		Default: benchVariant("off"),
	}
}

func benchRuleset(extraFlags int) *evaluator.Ruleset {
	rs := &evaluator.Ruleset{
		SchemaVersion: 1,
		Version:       "bench",
		Flags: map[string]evaluator.Flag{
			"static":      {Type: evaluator.TypeBoolean, Variants: boolVariants, Default: benchVariant("on")},
			"string":      {Type: evaluator.TypeString, Variants: map[string]any{"a": "alpha", "b": "beta"}, Default: benchVariant("b")},
			"integer":     {Type: evaluator.TypeInteger, Variants: map[string]any{"small": 10, "large": 100}, Default: benchVariant("large")},
			"float":       {Type: evaluator.TypeFloat, Variants: map[string]any{"low": 0.1, "high": 0.9}, Default: benchVariant("low")},
			"three-rules": benchThreeRules(),
			"rollout": {Type: evaluator.TypeBoolean, Variants: boolVariants,
				Default: &evaluator.Serve{Rollout: &evaluator.Rollout{Variants: []evaluator.WeightedVariant{{Variant: "on", Weight: 20}, {Variant: "off", Weight: 80}}}}},
			"rollout-flagd": {Type: evaluator.TypeBoolean, Variants: boolVariants,
				Default: &evaluator.Serve{Rollout: &evaluator.Rollout{Algorithm: evaluator.BucketAlgorithmFlagd,
					Variants: []evaluator.WeightedVariant{{Variant: "on", Weight: 20}, {Variant: "off", Weight: 80}}}}},
			"segment": {Type: evaluator.TypeBoolean, Variants: boolVariants,
				Rules:   []evaluator.Rule{{Conditions: []evaluator.Condition{{Operator: evaluator.OpInSegment, Values: []any{"big"}}}, Serve: *benchVariant("on")}},
				Default: benchVariant("off")},
		},
		Segments: map[string]evaluator.Segment{"big": {Included: benchKeys(10000)}},
	}
	nonMatching := evaluator.Flag{Type: evaluator.TypeBoolean, Variants: boolVariants, Default: benchVariant("off")}
	for i := range 100 {
		nonMatching.Rules = append(nonMatching.Rules, evaluator.Rule{
			Conditions: []evaluator.Condition{{Attribute: "plan", Operator: evaluator.OpIn, Values: []any{"plan-" + strconv.Itoa(i)}}},
			Serve:      *benchVariant("on"),
		})
	}
	rs.Flags["hundred-rules"] = nonMatching
	for i := range extraFlags {
		rs.Flags["extra-"+strconv.Itoa(i)] = benchThreeRules()
	}
	return rs
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "user-" + strconv.Itoa(i)
	}
	return keys
}

func benchContext() map[string]any {
	return map[string]any{
		"targetingKey": "user-5000",
		"country":      "ZZ",
		"email":        "someone@example.com",
		"seats":        250,
		"plan":         "free",
	}
}

// benchCases maps benchmark names to flag keys; every case evaluates to a
// variant (never an error) for benchContext.
var benchCases = []struct{ name, flag string }{
	{"static", "static"},
	{"string", "string"},
	{"integer", "integer"},
	{"float", "float"},
	{"three-rules-rollout", "three-rules"},
	{"rollout-20-80", "rollout"},
	{"rollout-20-80-murmur3-flagd", "rollout-flagd"},
	{"segment-10000-included", "segment"},
	{"hundred-nonmatching-rules", "hundred-rules"},
}

func benchCompile(tb testing.TB, rs *evaluator.Ruleset) *evaluator.Evaluator {
	tb.Helper()
	ev, err := evaluator.Compile(rs)
	if err != nil {
		tb.Fatalf("Compile: %v", err)
	}
	return ev
}

func BenchmarkEvaluate(b *testing.B) {
	ev := benchCompile(b, benchRuleset(0))
	ctx := benchContext()
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			if r := ev.Evaluate(c.flag, ctx); r.Variant == "" {
				b.Fatalf("Evaluate(%q) = %+v, want a variant", c.flag, r)
			}
			b.ReportAllocs()
			for b.Loop() {
				ev.Evaluate(c.flag, ctx)
			}
		})
	}
}

// BenchmarkEvaluateFlagCount shows that evaluation cost does not depend on
// how many flags the ruleset holds.
func BenchmarkEvaluateFlagCount(b *testing.B) {
	ctx := benchContext()
	for _, n := range []int{10, 1000, 10000} {
		ev := benchCompile(b, benchRuleset(n))
		b.Run(fmt.Sprintf("flags=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ev.Evaluate("three-rules", ctx)
			}
		})
	}
}

func BenchmarkEvaluateParallel(b *testing.B) {
	ev := benchCompile(b, benchRuleset(0))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := benchContext()
		for pb.Next() {
			ev.Evaluate("three-rules", ctx)
		}
	})
}

// benchDocument is a generated ruleset document with n flags of the
// three-rules shape, each with its own seed, plus a few segments.
func benchDocument(tb testing.TB, n int) []byte {
	rs := &evaluator.Ruleset{SchemaVersion: 1, Version: "load", Flags: make(map[string]evaluator.Flag, n),
		Segments: map[string]evaluator.Segment{"beta": {Included: benchKeys(100), Rules: []evaluator.SegmentRule{{Conditions: []evaluator.Condition{{Attribute: "plan", Operator: evaluator.OpIn, Values: []any{"enterprise"}}}}}}}}
	for i := range n {
		f := benchThreeRules()
		f.Rules[2].Serve.Rollout.Seed = new("seed-" + strconv.Itoa(i))
		f.Rules = append(f.Rules, evaluator.Rule{ID: "beta", Conditions: []evaluator.Condition{{Operator: evaluator.OpInSegment, Values: []any{"beta"}}}, Serve: *benchVariant("on")})
		f.Metadata = map[string]any{"owner": "team-" + strconv.Itoa(i%50), "ticket": i}
		rs.Flags["flag-"+strconv.Itoa(i)] = f
	}
	data, err := json.Marshal(rs)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// BenchmarkLoad measures Load of a generated 10 000-flag document and
// reports the live heap the resulting Evaluator holds (live-MiB).
func BenchmarkLoad(b *testing.B) {
	data := benchDocument(b, 10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ev *evaluator.Evaluator
	for b.Loop() {
		var err error
		if ev, err = evaluator.Load(data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(liveHeapMiB(func() any {
		ev, _ := evaluator.Load(data)
		return ev
	}), "live-MiB")
	// Metadata maps are built when a flag (or a rule with an id) first
	// serves: after every flag has been evaluated once the Evaluator holds
	// more, reported apart.
	b.ReportMetric(liveHeapMiB(func() any {
		ev, _ := evaluator.Load(data)
		ctx := benchContext()
		for _, key := range ev.Keys() {
			ev.Evaluate(key, ctx)
		}
		return ev
	}), "live-MiB-evaluated")
	// Both stay reachable until here: a document freed between the two
	// heap readings would be subtracted from the Evaluator's size.
	runtime.KeepAlive(ev)
	runtime.KeepAlive(data)
}

// liveHeapMiB returns how much the heap grows, after garbage collection,
// while the value built by build is kept alive.
func liveHeapMiB(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
}

// realisticContexts returns n distinct contexts of a targeting key and ten
// attributes: random user keys (half of them in the 10 000-key segment), a
// country that is in the three-rules list a fifth of the time, e-mail
// domains of which a fifth are @acme.com, 0-300 seats, a tenth of plans
// matching one of the hundred rules, and five attributes no rule reads.
func realisticContexts(n int) []map[string]any {
	state := uint64(0x9E3779B97F4A7C15)
	next := func() uint64 { // splitmix64: a fixed, portable sequence
		state += 0x9E3779B97F4A7C15
		z := state
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		return z ^ (z >> 31)
	}
	out := make([]map[string]any, n)
	for i := range out {
		key := fmt.Sprintf("user-%d", next()%20000) // user-0..9999 are in the segment
		country := fmt.Sprintf("X%02d", next()%80)
		if next()%5 == 0 {
			country = fmt.Sprintf("C%02d", next()%20)
		}
		domain := fmt.Sprintf("@corp%d.example", next()%50)
		if next()%5 == 0 {
			domain = "@acme.com"
		}
		plan := "free"
		if next()%10 == 0 {
			plan = "plan-" + strconv.Itoa(int(next()%100))
		}
		out[i] = map[string]any{
			"targetingKey": key,
			"country":      country,
			"email":        fmt.Sprintf("u%d%s", next()%100000, domain),
			"seats":        int(next() % 300),
			"plan":         plan,
			"locale":       "de-DE",
			"appVersion":   fmt.Sprintf("3.%d.%d", next()%10, next()%10),
			"beta":         next()%2 == 0,
			"score":        float64(next()%1000) / 10,
			"device":       map[string]any{"os": "ios", "model": "x"},
		}
	}
	return out
}

// BenchmarkEvaluateRealistic is BenchmarkEvaluate over 1 000 distinct
// realistic contexts cycled, instead of one cache-hot context.
func BenchmarkEvaluateRealistic(b *testing.B) {
	ev := benchCompile(b, benchRuleset(0))
	ctxs := realisticContexts(1000)
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ev.Evaluate(c.flag, ctxs[i])
				if i++; i == len(ctxs) {
					i = 0
				}
			}
		})
	}
}

// BenchmarkHashed evaluates flags of the benchmark ruleset in their plain
// and their hashed form (HashRuleset: the country list, the segment's
// 10 000 keys and the hundred rules' plans hashed). The context matches
// only the last rule of three-rules, is in the segment, and matches none
// of the hundred rules, so every hashed list is probed.
func BenchmarkHashed(b *testing.B) {
	plain := benchCompile(b, benchRuleset(0))
	hrs, err := evaluator.HashRuleset(benchRuleset(0), "bench-salt-5f1c9e")
	if err != nil {
		b.Fatal(err)
	}
	hashed := benchCompile(b, hrs)
	ctx := benchContext()
	for _, flag := range []string{"three-rules", "segment", "hundred-rules"} {
		for _, side := range []struct {
			name string
			ev   *evaluator.Evaluator
		}{{"plain", plain}, {"hashed", hashed}} {
			b.Run(side.name+"/"+flag, func(b *testing.B) {
				if p, h := plain.Evaluate(flag, ctx), hashed.Evaluate(flag, ctx); p.Variant != h.Variant || p.Reason != h.Reason {
					b.Fatalf("%s: plain %s/%s, hashed %s/%s", flag, p.Variant, p.Reason, h.Variant, h.Reason)
				}
				b.ReportAllocs()
				for b.Loop() {
					side.ev.Evaluate(flag, ctx)
				}
			})
		}
	}
}

var (
	writeLoadDoc = flag.String("write-load-doc", "", "TestWriteLoadDocument writes BenchmarkLoad's document to this file")
	loadDocFlags = flag.Int("load-doc-flags", 10000, "how many flags TestWriteLoadDocument's document has")
)

// TestWriteLoadDocument writes the document BenchmarkLoad loads, for
// measuring Load in a fresh process (bench/cmd/loadmem):
//
//	go test ./evaluator -run TestWriteLoadDocument -args -write-load-doc /tmp/doc.json [-load-doc-flags 100000]
func TestWriteLoadDocument(t *testing.T) {
	if *writeLoadDoc == "" {
		t.Skip("no -write-load-doc")
	}
	if err := os.WriteFile(*writeLoadDoc, benchDocument(t, *loadDocFlags), 0o644); err != nil {
		t.Fatal(err)
	}
}
