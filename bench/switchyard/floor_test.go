package switchyardbench

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/switchyardhq/switchyard/bench/cases"
)

// The floors: for each case, the least Go code that gives the same answer
// for the benchmark context; BenchmarkFloor finds it by flag key in a map,
// as every SDK must find its flag. They know the case's shape in advance (no ruleset, no
// validation, no result metadata), so a ratio to them is what Switchyard's
// generality costs.
type floorFlag func(ctx map[string]any) string

func floors(s *cases.Suite) map[string]floorFlag {
	countries := map[string]struct{}{}
	for i := range 20 {
		countries["C"+pad2(i)] = struct{}{}
	}
	segments := map[string]map[string]struct{}{}
	for _, sg := range s.Segments {
		m := make(map[string]struct{}, len(sg.Included))
		for _, k := range sg.Included {
			m[k] = struct{}{}
		}
		segments[sg.Key] = m
	}
	big, huge := segments["big"], segments["huge"]
	plans := map[string]int{}
	for i := range 100 {
		plans["plan-"+strconv.Itoa(i)] = i
	}
	threeRules := func(ctx map[string]any) bool { // the first two rules
		if c, ok := ctx["country"].(string); ok {
			if _, in := countries[c]; in {
				return true
			}
		}
		e, ok := ctx["email"].(string)
		return ok && strings.HasSuffix(e, "@acme.com")
	}
	bigAccount := func(ctx map[string]any) bool {
		n, ok := ctx["seats"].(int)
		return ok && n > 100
	}
	rollout := func(seed string, ctx map[string]any) string { // xxhash of seed "." key, 20 % of 100 000 buckets
		key, _ := ctx["targetingKey"].(string)
		var buf [128]byte
		b := append(append(buf[:0], seed...), key...)
		if xxhash.Sum64(b)%100000 < 20000 {
			return "on"
		}
		return "off"
	}
	member := func(set map[string]struct{}, ctx map[string]any) string {
		if k, ok := ctx["targetingKey"].(string); ok {
			if _, in := set[k]; in {
				return "on"
			}
		}
		return "off"
	}
	return map[string]floorFlag{
		"static": func(map[string]any) string { return "on" },
		"three-rules": func(ctx map[string]any) string {
			if threeRules(ctx) || bigAccount(ctx) {
				return "on"
			}
			return "off"
		},
		"three-rules-rollout": func(ctx map[string]any) string {
			switch {
			case threeRules(ctx):
				return "on"
			case bigAccount(ctx):
				return rollout("three-rules-rollout.", ctx)
			}
			return "off"
		},
		"rollout":        func(ctx map[string]any) string { return rollout("rollout.", ctx) },
		"segment":        func(ctx map[string]any) string { return member(big, ctx) },
		"segment-100000": func(ctx map[string]any) string { return member(huge, ctx) },
		"hundred-rules": func(ctx map[string]any) string { // a value index
			if p, ok := ctx["plan"].(string); ok {
				if _, in := plans[p]; in {
					return "on"
				}
			}
			return "off"
		},
	}
}

func pad2(i int) string {
	if i < 10 {
		return "0" + strconv.Itoa(i)
	}
	return strconv.Itoa(i)
}

// BenchmarkFloor reports each case as a ratio to its floor: Switchyard's
// Evaluate and the floor alternate in rounds of 100 000 calls in one
// process (fixed cases on the benchmark context, realistic ones on the
// realistic contexts cycled); each b.Loop iteration is one round of both.
// It reports the median ratio, the smallest and largest round's ratio, and
// the median ns of each side.
//
//	go test -run '^$' -bench Floor -benchtime 21x
func BenchmarkFloor(b *testing.B) {
	s := cases.MustLoad()
	ev, err := Evaluator(s)
	if err != nil {
		b.Fatal(err)
	}
	fixed := []map[string]any{s.BenchContext}
	realistic := s.RealisticContexts()
	fl := floors(s)
	for _, bc := range s.Benchmarks {
		if _, ok := fl[bc.Flag]; !ok || bc.Parallel {
			continue
		}
		b.Run("case="+bc.Name, func(b *testing.B) {
			ctxs := fixed
			if bc.Realistic {
				ctxs = realistic
			}
			for i, ctx := range ctxs {
				if got, want := fl[bc.Flag](ctx), ev.Evaluate(bc.Flag, ctx).Variant; got != want {
					b.Fatalf("context %d: floor of %q serves %q, Switchyard %q", i, bc.Flag, got, want)
				}
			}
			key := bc.Flag
			sink := 0
			sy := func(n int) {
				i := 0
				for range n {
					sink += len(ev.Evaluate(key, ctxs[i]).Variant)
					if i++; i == len(ctxs) {
						i = 0
					}
				}
			}
			floor := func(n int) {
				i := 0
				for range n {
					sink += len(fl[key](ctxs[i])) // the flag found by key, as every SDK must
					if i++; i == len(ctxs) {
						i = 0
					}
				}
			}
			reportAlternated(b, "floor", alternate(b, 100000, sy, floor))
			_ = sink
		})
	}
}

// alternated holds the rounds of two sides timed alternately.
type alternated struct{ ratios, nsA, nsB []float64 }

// alternate times a and b (each runs n calls) in rounds of perRound calls,
// one round of each per b.Loop iteration, a first in even rounds and b
// first in odd ones.
func alternate(tb *testing.B, perRound int, a, b func(n int)) alternated {
	var r alternated
	round := func(f func(int)) float64 {
		start := time.Now()
		f(perRound)
		return float64(time.Since(start).Nanoseconds()) / float64(perRound)
	}
	a(perRound / 10) // warm both up untimed: the first round would carry page faults and cold caches
	b(perRound / 10)
	for i := 0; tb.Loop(); i++ {
		var x, y float64
		if i%2 == 0 { // a b, b a, a b, …: neither side always runs right after the other's garbage
			x, y = round(a), round(b)
		} else {
			y, x = round(b), round(a)
		}
		r.nsA, r.nsB, r.ratios = append(r.nsA, x), append(r.nsB, y), append(r.ratios, x/y)
	}
	return r
}

// reportAlternated reports Switchyard ÷ other as x-<other> (median of the
// rounds' ratios), x-<other>-min, x-<other>-max, and the median ns of
// each side; ns/op is 0 so that nobody reads the loop's time as either.
func reportAlternated(b *testing.B, other string, r alternated) {
	b.ReportMetric(medianOf(r.ratios), "x-"+other)
	b.ReportMetric(slices.Min(r.ratios), "x-"+other+"-min")
	b.ReportMetric(slices.Max(r.ratios), "x-"+other+"-max")
	b.ReportMetric(medianOf(r.nsA), "switchyard-ns/op")
	b.ReportMetric(medianOf(r.nsB), other+"-ns/op")
	b.ReportMetric(0, "ns/op")
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
