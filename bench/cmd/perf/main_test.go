package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchyardhq/switchyard/bench/cases"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
		{nil, 0},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	got := summarize([]float64{9, 8.5, 12, 10, 7})
	if got != (ratioStat{median: 9, min: 7, max: 12, rounds: 5}) {
		t.Errorf("summarize = %+v, want median 9, min 7, max 12 over 5 rounds", got)
	}
	if summarize(nil).ok() {
		t.Error("summarize(nil) must not be ok")
	}
}

// TestSchedule checks the order of the runs: every peer run has a
// Switchyard run on each side, rounds of one case are contiguous, and a
// peer that cannot express a case is left out of it.
func TestSchedule(t *testing.T) {
	expresses := func(c, sdk string) bool { return !(c == "b" && sdk == "q") }
	got := schedule([]string{"a", "b"}, []string{"p", "q"}, 2, expresses)
	var s []string
	for _, st := range got {
		s = append(s, st.c+":"+st.sdk)
	}
	want := []string{
		"a:switchyard", "a:p", "a:switchyard", "a:q", "a:switchyard", "a:p", "a:switchyard", "a:q", "a:switchyard",
		"b:switchyard", "b:p", "b:switchyard", "b:p", "b:switchyard",
	}
	if !slices.Equal(s, want) {
		t.Errorf("schedule =\n%v\nwant\n%v", s, want)
	}
}

func TestPairRounds(t *testing.T) {
	seq := []timedRun{
		{sdk: "switchyard", ns: 10}, {sdk: "p", ns: 110}, {sdk: "switchyard", ns: 12},
		{sdk: "q", ns: 60}, {sdk: "switchyard", ns: 8}, {sdk: "p", ns: 90},
	}
	// p: 110 / mean(10, 12) = 10; 90 / 8 (no Switchyard run after it) = 11.25.
	if got, want := pairRounds(seq, "p"), []float64{10, 11.25}; !slices.Equal(got, want) {
		t.Errorf("pairRounds(p) = %v, want %v", got, want)
	}
	if got, want := pairRounds(seq, "q"), []float64{6}; !slices.Equal(got, want) { // 60 / mean(12, 8)
		t.Errorf("pairRounds(q) = %v, want %v", got, want)
	}
	if got := pairRounds([]timedRun{{sdk: "p", ns: 5}, {sdk: "q", ns: 5}}, "p"); len(got) != 0 {
		t.Errorf("a peer run without a Switchyard neighbour got ratios %v", got)
	}
}

func TestParseServe(t *testing.T) {
	name, r, err := parseServe("SERVE case=three-rules-realistic n=123456 ns=97.25 bytes=0 allocs=0")
	if err != nil || name != "three-rules-realistic" || r.ns != 97.25 || r.bytes != 0 || r.allocs != 0 {
		t.Errorf("parseServe = %q %+v %v", name, r, err)
	}
	if _, r, err := parseServe("SERVE case=segment-100000 n=1 ns=1.5e+08 bytes=85633336 allocs=1000143"); err != nil || r.ns != 1.5e8 || r.allocs != 1000143 {
		t.Errorf("parseServe (exponent) = %+v %v", r, err)
	}
	if _, _, err := parseServe(`SERVE case=nope error="no such case"`); err == nil || !strings.Contains(err.Error(), "no such case") {
		t.Errorf("parseServe(error line) err = %v, want the server's message", err)
	}
	if _, _, err := parseServe("PASS"); err == nil {
		t.Error("parseServe(PASS) = nil error")
	}
}

func TestParseMetrics(t *testing.T) {
	out := `BenchmarkFloor/case=static-2         	      31	        11.18 floor-ns/op	         8.384 switchyard-ns/op	         0.7768 x-floor	        0.81 x-floor-max	         0.6754 x-floor-min
BenchmarkOpenFeature/provider=inmemory/case=static-2  	  175669	      1378 ns/op	    1264 B/op	      12 allocs/op
--- SKIP: BenchmarkOpenFeature/provider=inmemory/case=three-rules
`
	m := parseMetrics(out)
	st, sy, fl, ok := alternatedStat(m["BenchmarkFloor/case=static"], "floor", 31)
	if !ok || st != (ratioStat{median: 0.7768, min: 0.6754, max: 0.81, rounds: 31}) || sy != 8.384 || fl != 11.18 {
		t.Errorf("floor = %+v %v %v %v", st, sy, fl, ok)
	}
	if of := m["BenchmarkOpenFeature/provider=inmemory/case=static"]; of["ns/op"] != 1378 || of["allocs/op"] != 12 {
		t.Errorf("openfeature metrics = %v", of)
	}
	if _, _, _, ok := alternatedStat(m["BenchmarkFloor/case=none"], "floor", 31); ok {
		t.Error("alternatedStat of a missing benchmark is ok")
	}
}

func TestParseEquivalence(t *testing.T) {
	out := []byte(`    bench_test.go:27: EQUIV sdk=flagd flag=rollout result=pass detail="split on 20.00% / off 80.00% of 11000 contexts (± 1.14)"` + "\n")
	lines := parseEquivalence(out)
	if len(lines) != 1 || lines[0].flag != "rollout" || lines[0].result != "pass" || lines[0].detail != "split on 20.00% / off 80.00% of 11000 contexts (± 1.14)" {
		t.Errorf("parseEquivalence = %+v", lines)
	}
}

// fakeReport builds a report from made-up rounds: every peer is ratio ×
// Switchyard's 10 ns in every round, except LaunchDarkly, whose rounds on
// the realistic three-rules case are 9×, 7.5× and 9×.
func fakeReport(t *testing.T) *report {
	t.Helper()
	s := cases.MustLoad()
	rep := newReport(options{rounds: 3, benchtime: "50ms", floorRounds: 31}, s)
	rep.command = "cd bench && go run ./cmd/perf"
	ratio := map[string]float64{"launchdarkly": 9, "flagd": 60, "gofeatureflag": 100, "unleash": 8}
	for _, sd := range sdks {
		rep.results[sd.id].name = sd.name
	}
	rep.results["unleash"].equivalence = []equivalenceLine{{flag: "hundred-rules", result: "not-expressible", detail: "made up"}}
	for _, bc := range s.Benchmarks {
		steps := schedule([]string{bc.Name}, peerIDs(), 3, rep.expresses)
		nth := map[string]int{}
		for _, st := range steps {
			r := timedRun{sdk: st.sdk, ns: 10}
			if st.sdk != baseSDK {
				r.ns = 10 * ratio[st.sdk]
				if st.sdk == "launchdarkly" && bc.Name == "three-rules-realistic" && nth[st.sdk] == 1 {
					r.ns = 75
				}
				nth[st.sdk]++
			}
			rep.runs[bc.Name] = append(rep.runs[bc.Name], r)
		}
		if !bc.Parallel {
			rep.metrics[floorName(bc.Name)] = map[string]float64{"x-floor": 1.1, "x-floor-min": 1.0, "x-floor-max": 1.3, "switchyard-ns/op": 10, "floor-ns/op": 9}
		}
	}
	rep.metrics[floorName("three-rules-realistic")]["x-floor"] = 1.6
	rep.metrics[ofRatioName("static")] = map[string]float64{"x-inmemory": 1.2, "x-inmemory-min": 0.97, "x-inmemory-max": 1.12, "switchyard-ns/op": 1300, "inmemory-ns/op": 1250}
	rep.compare()
	return rep
}

func TestVerdicts(t *testing.T) {
	rep := fakeReport(t)
	find := func(target, c string) verdict {
		for _, v := range rep.verdicts {
			if strings.Contains(v.target, target) && v.caseName == c {
				return v
			}
		}
		t.Fatalf("no verdict %q on %s in %+v", target, c, rep.verdicts)
		return verdict{}
	}
	// The median (9×) meets ≥ 8×, the smallest round (7.5×) does not.
	if v := find("LaunchDarkly", "three-rules-realistic"); v.met || !strings.Contains(v.measured, "smallest round 7.50×") || v.miss != "6 % short" {
		t.Errorf("LaunchDarkly three-rules-realistic = %+v, want missed on its 7.5× round", v)
	}
	if v := find("LaunchDarkly", "rollout-20-80-realistic"); !v.met {
		t.Errorf("LaunchDarkly rollout = %+v, want met", v)
	}
	for _, v := range rep.verdicts {
		if strings.Contains(v.target, "LaunchDarkly") && (v.caseName == "static-realistic" || !strings.HasSuffix(v.caseName, cases.RealisticSuffix)) {
			t.Errorf("LaunchDarkly target checked on %s: only realistic rule cases count", v.caseName)
		}
	}
	if v := find("flagd", "static-realistic"); !v.met {
		t.Errorf("flagd static = %+v, want met at 60×", v)
	}
	if v := find("the floor", "three-rules-realistic"); v.met || v.miss != "14 % over" {
		t.Errorf("floor three-rules = %+v, want missed by 14 %%", v)
	}
	if v := find("the floor", "static-realistic"); !v.met {
		t.Errorf("floor static = %+v, want met", v)
	}
	if v := find("OpenFeature", "static"); v.met || !strings.Contains(v.measured, "median 1.20×") || v.miss != "9 % over" {
		t.Errorf("OpenFeature = %+v, want missed at 1.20×", v)
	}
	if got := rep.profiledCases(); !slices.Equal(got, []string{"three-rules-realistic"}) {
		t.Errorf("profiledCases = %v, want the evaluator case that missed (not the OpenFeature miss on static)", got)
	}
}

func TestMarkdown(t *testing.T) {
	rep := fakeReport(t)
	doc := rep.markdown()
	for _, want := range []string{
		"| ≥ 8× LaunchDarkly in every round | three-rules-realistic | smallest round 7.50× (median 9.00×) | **no**, 6 % short |",
		"| ≤ 1.40× the floor (the context lookups and comparisons) | three-rules-realistic | median 1.60× (rounds 1.00×–1.30×) | **no**, 14 % over |",
		"| **three-rules** | fixed | 1.10× (1.00–1.30×) | 9.00× (9.00–9.00×) | 60.0× (60.0–60.0×) |",
		"| three-rules | realistic | 1.60× (1.00–1.30×) | 9.00× (7.50–9.00×) |",
		"| **hundred-rules** | fixed | 10.0 ns | 9.0 ns | 90.0 ns | 600 ns | 1000 ns | n/a |",
		"| static | 1300 ns | 1250 ns | 1.20× (0.97–1.12×) |",
		"| Unleash |  | 8.00× (static) – 8.00× (static) | 8.00× (static) – 8.00× (static) |",
		"- Unleash, hundred-rules: made up",
		"## Fleet simulation\n\nnot run:",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestMarkdownIncludesFleet(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fleet.md")
	if _, _, err := readFleet(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("## Fleet simulation\n\n| instances | p99 |\n|---|---|\n| 1000 | 0.4 s |\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := fakeReport(t)
	var err error
	if rep.fleet, rep.fleetPlot, err = readFleet(path); err != nil || rep.fleetPlot {
		t.Fatalf("readFleet = plot %v, %v; want the fragment without a plot", rep.fleetPlot, err)
	}
	doc := rep.markdown()
	if !strings.Contains(doc, "## Fleet simulation\n\n| instances | p99 |\n|---|---|\n| 1000 | 0.4 s |\n\n## Equivalence") || strings.Contains(doc, "not run: `docs/fleet.md`") || strings.Contains(doc, "fleet.svg)") {
		t.Errorf("report does not carry the fleet fragment as it is:\n%s", doc[strings.Index(doc, "## Fleet"):][:300])
	}
	if err := os.WriteFile(filepath.Join(dir, "fleet.svg"), []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep.fleet, rep.fleetPlot, err = readFleet(path); err != nil || !rep.fleetPlot {
		t.Fatalf("readFleet = plot %v, %v; want the plot found", rep.fleetPlot, err)
	}
	if doc := rep.markdown(); !strings.Contains(doc, "](fleet.svg)") {
		t.Error("report does not show fleet.svg when it exists")
	}
}
