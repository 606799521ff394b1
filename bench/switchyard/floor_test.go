package switchyardbench

import (
	"math"
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
	big := map[string]struct{}{}
	for _, sg := range s.Segments {
		for _, k := range sg.Included {
			big[k] = struct{}{}
		}
	}
	plans := map[string]int{}
	for i := range 100 {
		plans["plan-"+strconv.Itoa(i)] = i
	}
	return map[string]floorFlag{
		"static": func(map[string]any) string { return "on" },
		"three-rules": func(ctx map[string]any) string {
			if c, ok := ctx["country"].(string); ok {
				if _, in := countries[c]; in {
					return "on"
				}
			}
			if e, ok := ctx["email"].(string); ok && strings.HasSuffix(e, "@acme.com") {
				return "on"
			}
			if n, ok := ctx["seats"].(int); ok && n > 100 {
				return "on"
			}
			return "off"
		},
		"rollout": func(ctx map[string]any) string {
			key, _ := ctx["targetingKey"].(string)
			var buf [128]byte
			b := append(append(buf[:0], "rollout."...), key...)
			if xxhash.Sum64(b)%100000 < 20000 {
				return "on"
			}
			return "off"
		},
		"segment": func(ctx map[string]any) string {
			if k, ok := ctx["targetingKey"].(string); ok {
				if _, in := big[k]; in {
					return "on"
				}
			}
			return "off"
		},
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
// Evaluate and the floor alternate in rounds of 20 000 calls in one
// process; each b.Loop iteration is one round of both. It reports the
// median ratio, its spread (largest |ratio − median| / median, percent)
// and the median ns of each side.
//
//	go test -run '^$' -bench Floor -benchtime 21x
func BenchmarkFloor(b *testing.B) {
	s := cases.MustLoad()
	ev, err := Evaluator(s)
	if err != nil {
		b.Fatal(err)
	}
	ctx := s.BenchContext
	fl := floors(s)
	for _, bc := range s.Benchmarks {
		floor, ok := fl[bc.Flag]
		if !ok || bc.Parallel {
			continue
		}
		b.Run("case="+bc.Name, func(b *testing.B) {
			if got, want := floor(ctx), ev.Evaluate(bc.Flag, ctx).Variant; got != want {
				b.Fatalf("floor of %q serves %q, Switchyard %q", bc.Flag, got, want)
			}
			key := bc.Flag
			const perRound = 20000
			sink := 0
			round := func(f func()) float64 {
				start := time.Now()
				for range perRound {
					f()
				}
				return float64(time.Since(start).Nanoseconds()) / perRound
			}
			var ratios, nsSY, nsFloor []float64
			for b.Loop() {
				sy := round(func() { sink += len(ev.Evaluate(key, ctx).Variant) })
				fo := round(func() { sink += len(fl[key](ctx)) }) // the flag found by key, as every SDK must
				nsSY, nsFloor, ratios = append(nsSY, sy), append(nsFloor, fo), append(ratios, sy/fo)
			}
			med := medianOf(ratios)
			spread := 0.0
			for _, r := range ratios {
				spread = max(spread, math.Abs(r-med)/med*100)
			}
			b.ReportMetric(med, "x-floor")
			b.ReportMetric(spread, "spread-%")
			b.ReportMetric(medianOf(nsSY), "switchyard-ns/op")
			b.ReportMetric(medianOf(nsFloor), "floor-ns/op")
			b.ReportMetric(0, "ns/op")
			_ = sink
		})
	}
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
