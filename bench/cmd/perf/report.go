package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/switchyardhq/switchyard/bench/cases"
)

type sdkResult struct {
	sdk
	bin         string
	version     string
	equivalence []equivalenceLine
}

type report struct {
	options
	suite   *cases.Suite
	command string
	started time.Time
	elapsed time.Duration
	machine machineInfo
	goSDK   string
	results map[string]*sdkResult
	runs    map[string][]timedRun         // case → the alternated runs, in time order
	metrics map[string]map[string]float64 // benchmark → unit → value: BenchmarkFloor, BenchmarkOpenFeature*
	skipped map[string]string             // benchmark → skip reason

	// compare fills these.
	stats    map[string]map[string]sampleStat // case → SDK → medians of its runs
	ratios   map[string]map[string]ratioStat  // case → peer → peer ÷ Switchyard per round
	floors   map[string]alternatedResult      // case → Switchyard ÷ floor
	ofRatios map[string]alternatedResult      // case → Switchyard provider ÷ in-memory provider
	verdicts []verdict

	profiles  []profileResult
	history   string // bench/history.md: fixes made after earlier misses
	fleet     string // docs/fleet.md, "" when the fleet simulation has not been run
	fleetPlot bool   // docs/fleet.svg exists
}

type alternatedResult struct {
	ratioStat
	syNs, otherNs float64
}

// verdict is one SPEC 7 target checked on one case.
type verdict struct {
	target, caseName, measured string
	met                        bool
	miss                       string // by how much, when missed
	evaluator                  bool   // about the evaluator's time on the case: a miss is profiled
}

type profileResult struct {
	caseName, file, top string
}

func newReport(o options, s *cases.Suite) *report {
	r := &report{options: o, suite: s, results: map[string]*sdkResult{}, runs: map[string][]timedRun{},
		metrics: map[string]map[string]float64{}, skipped: map[string]string{}}
	for _, sd := range sdks {
		r.results[sd.id] = &sdkResult{sdk: sd}
	}
	return r
}

// Peer targets of SPEC 7, on realistic contexts, in every round: ≥ 8×
// LaunchDarkly on every rule case and ≥ 50× flagd on every case.
var peerTargets = []struct {
	sdk   string
	ratio float64
	cases []string // base case names; nil: every case
}{
	{"launchdarkly", 8, []string{"three-rules", "three-rules-rollout", "rollout-20-80", "hundred-rules", "parallel-three-rules"}},
	{"flagd", 50, nil},
}

// Floor targets of SPEC 7 (Switchyard ÷ floor, median of the rounds), on
// realistic contexts (random keys for the segment).
var floorTargets = []struct {
	caseName string
	max      float64
	what     string
}{
	{"static", 1.2, "a map lookup"},
	{"three-rules", 1.4, "the context lookups and comparisons"},
	{"rollout-20-80", 1.3, "xxhash of the real input"},
	{"segment-100000", 1.25, "a Go map probe with random keys"},
	{"hundred-rules", 3, "a value-index lookup"},
}

// ofTarget is SPEC 7's bound on Switchyard's provider ÷ go-sdk's in-memory
// provider through the OpenFeature client (median of the rounds).
const ofTarget = 1.10

func floorName(c string) string   { return "BenchmarkFloor/case=" + c }
func ofRatioName(c string) string { return "BenchmarkOpenFeatureRatio/case=" + c }
func ofName(provider, c string) string {
	return "BenchmarkOpenFeature/provider=" + provider + "/case=" + c
}

func (r *report) benchmark(name string) *cases.Benchmark {
	for i := range r.suite.Benchmarks {
		if r.suite.Benchmarks[i].Name == name {
			return &r.suite.Benchmarks[i]
		}
	}
	return nil
}

// expresses reports whether an SDK expresses a case's flag (its
// equivalence check did not call it not expressible).
func (r *report) expresses(c, sdk string) bool {
	b := r.benchmark(c)
	if b == nil {
		return false
	}
	return r.notExpressible(b.Flag, sdk) == ""
}

func (r *report) notExpressible(flag, sdk string) string {
	for _, l := range r.results[sdk].equivalence {
		if l.flag == flag && l.result == "not-expressible" {
			return l.detail
		}
	}
	return ""
}

// compare computes the medians and ratios and checks SPEC 7's targets.
func (r *report) compare() {
	r.stats, r.ratios = map[string]map[string]sampleStat{}, map[string]map[string]ratioStat{}
	r.floors, r.ofRatios = map[string]alternatedResult{}, map[string]alternatedResult{}
	r.verdicts = nil
	for _, b := range r.suite.Benchmarks {
		runs := r.runs[b.Name]
		r.stats[b.Name], r.ratios[b.Name] = map[string]sampleStat{}, map[string]ratioStat{}
		for _, s := range sdks {
			if st := medians(runs, s.id); st.runs > 0 {
				r.stats[b.Name][s.id] = st
			}
			if s.id != baseSDK {
				if rs := summarize(pairRounds(runs, s.id)); rs.ok() {
					r.ratios[b.Name][s.id] = rs
				}
			}
		}
		if st, sy, fl, ok := alternatedStat(r.metrics[floorName(b.Name)], "floor", r.floorRounds); ok {
			r.floors[b.Name] = alternatedResult{st, sy, fl}
		}
		if st, sy, mem, ok := alternatedStat(r.metrics[ofRatioName(b.Name)], "inmemory", r.floorRounds); ok {
			r.ofRatios[b.Name] = alternatedResult{st, sy, mem}
		}
	}

	for _, pt := range peerTargets {
		name := r.results[pt.sdk].name
		for _, b := range r.suite.Benchmarks {
			if !b.Realistic || (pt.cases != nil && !slices.Contains(pt.cases, b.Base)) {
				continue
			}
			v := verdict{target: fmt.Sprintf("≥ %.0f× %s in every round", pt.ratio, name), caseName: b.Name, evaluator: true}
			rs, ok := r.ratios[b.Name][pt.sdk]
			switch {
			case !r.expresses(b.Name, pt.sdk):
				v.measured, v.met = "n/a: "+name+" cannot express it", true
			case !ok:
				v.measured = "not measured"
			default:
				v.measured = fmt.Sprintf("smallest round %s (median %s)", fmtRatio(rs.min), fmtRatio(rs.median))
				v.met = rs.min >= pt.ratio
				if !v.met {
					v.miss = fmt.Sprintf("%.0f %% short", 100*(1-rs.min/pt.ratio))
				}
			}
			r.verdicts = append(r.verdicts, v)
		}
	}
	for _, ft := range floorTargets {
		c := ft.caseName + cases.RealisticSuffix
		v := verdict{target: fmt.Sprintf("≤ %.2f× the floor (%s)", ft.max, ft.what), caseName: c, evaluator: true}
		if f, ok := r.floors[c]; ok {
			v.measured = fmt.Sprintf("median %s (rounds %s–%s)", fmtRatio(f.median), fmtRatio(f.min), fmtRatio(f.max))
			v.met = f.median <= ft.max
			if !v.met {
				v.miss = fmt.Sprintf("%.0f %% over", 100*(f.median/ft.max-1))
			}
		} else {
			v.measured = "not measured"
		}
		r.verdicts = append(r.verdicts, v)
	}
	{
		v := verdict{target: fmt.Sprintf("OpenFeature: ≤ %.2f× go-sdk's in-memory provider", ofTarget), caseName: "static"}
		if f, ok := r.ofRatios["static"]; ok {
			v.measured = fmt.Sprintf("median %s (rounds %s–%s)", fmtRatio(f.median), fmtRatio(f.min), fmtRatio(f.max))
			v.met = f.median <= ofTarget
			if !v.met {
				v.miss = fmt.Sprintf("%.0f %% over", 100*(f.median/ofTarget-1))
			}
		} else {
			v.measured = "not measured"
		}
		r.verdicts = append(r.verdicts, v)
	}
	for _, abs := range []struct {
		c   string
		max float64
	}{{"static", 30}, {"three-rules-rollout", 150}} {
		v := verdict{target: fmt.Sprintf("v1: ≤ %.0f ns", abs.max), caseName: abs.c, evaluator: true}
		if st, ok := r.stats[abs.c][baseSDK]; ok {
			v.measured, v.met = fmtNs(st.ns)+" (median of the runs)", st.ns <= abs.max
			if !v.met {
				v.miss = fmt.Sprintf("%.0f %% over", 100*(st.ns/abs.max-1))
			}
		} else {
			v.measured = "not measured"
		}
		r.verdicts = append(r.verdicts, v)
	}
	var allocating []string
	for _, b := range r.suite.Benchmarks {
		if st, ok := r.stats[b.Name][baseSDK]; ok && st.allocs > 0 {
			allocating = append(allocating, fmt.Sprintf("%s (%s)", b.Name, fmtCount(st.allocs)))
		}
	}
	v := verdict{target: "v1: 0 allocations per evaluation", caseName: "every case", met: len(allocating) == 0, measured: "0 allocs/op"}
	if !v.met {
		v.measured, v.miss = "allocates on "+strings.Join(allocating, ", "), "allocates"
	}
	r.verdicts = append(r.verdicts, v)
}

// profiledCases lists the Switchyard cases behind a missed target of the
// evaluator (the OpenFeature ratio is go-sdk's time, mostly).
func (r *report) profiledCases() []string {
	var out []string
	for _, v := range r.verdicts {
		if !v.met && v.evaluator && r.benchmark(v.caseName) != nil && !slices.Contains(out, v.caseName) {
			out = append(out, v.caseName)
		}
	}
	return out
}

// profile CPU-profiles one Switchyard case and returns pprof's top table.
func profile(sy *sdkResult, results, caseName string) (profileResult, error) {
	file := filepath.Join(results, "switchyard-"+caseName+".cpu.prof")
	out, err := command_(baseSDK, sy.bin, "-test.run", "^$", "-test.bench", "^BenchmarkEvaluate$/^case="+caseName+"$",
		"-test.benchtime", "2s", "-test.cpuprofile", file)
	if err != nil {
		return profileResult{}, fmt.Errorf("profile %s: %v\n%s", caseName, err, out)
	}
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=12", sy.bin, file).CombinedOutput()
	if err != nil {
		return profileResult{}, fmt.Errorf("pprof %s: %v\n%s", file, err, top)
	}
	var lines []string
	keep := false
	for line := range strings.SplitSeq(strings.TrimRight(string(top), "\n"), "\n") {
		if strings.HasPrefix(line, "Showing nodes") {
			keep = true
		}
		if keep {
			lines = append(lines, line)
		}
	}
	return profileResult{caseName: caseName, file: "bench/results/" + filepath.Base(file), top: strings.Join(lines, "\n")}, nil
}

// ---- formatting

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e4:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns >= 100:
		return fmt.Sprintf("%.0f ns", ns)
	default:
		return fmt.Sprintf("%.1f ns", ns)
	}
}

func fmtCount(x float64) string {
	if x == float64(int64(x)) || x >= 10 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func fmtRatio(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f×", x)
	case x >= 10:
		return fmt.Sprintf("%.1f×", x)
	default:
		return fmt.Sprintf("%.2f×", x)
	}
}

// fmtStat is "median (smallest–largest round)".
func fmtStat(s ratioStat) string {
	return fmt.Sprintf("%s (%s–%s)", fmtRatio(s.median), strings.TrimSuffix(fmtRatio(s.min), "×"), fmtRatio(s.max))
}

func contextsOf(b cases.Benchmark) string {
	if b.Realistic {
		return "realistic"
	}
	return "fixed"
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := r.machine
	names := map[string]string{}
	for _, s := range sdks {
		names[s.id] = r.results[s.id].name
	}

	p("# Performance: Switchyard side by side with peer SDKs\n\n")
	p("<!-- Generated by `%s`; do not edit by hand. -->\n\n", r.command)
	p("Every SDK evaluates the same flags (`bench/cases/cases.json`) after an equivalence check showed they serve the same variants. ")
	p("Each case runs twice: on one fixed, cache-hot context of 4 attributes (**fixed**), and cycling through %d distinct contexts of a targeting key and 10 attributes, ", r.suite.Realistic.Contexts)
	p("random keys, half of them in the 100 000-key segment (**realistic**; SPEC 7's peer and floor targets are on these).\n\n")
	p("Every ratio comes from alternated short rounds, and is given as the **median of the rounds (smallest–largest round)**. ")
	p("Peers live in their own modules, so each SDK's test binary stays running (`TestServe`) and the driver alternates them case by case: ")
	p("Switchyard, LaunchDarkly, Switchyard, flagd, Switchyard, go-feature-flag, Switchyard, Unleash, … for %d rounds of `-benchtime %s` each; ", r.rounds, r.benchtime)
	p("each peer run is divided by the mean of the two Switchyard runs beside it. ")
	p("“× Switchyard” is that ratio, so 10× means Switchyard is ten times faster. ")
	p("Switchyard ÷ floor and the OpenFeature ratio alternate their two sides inside one process (%d rounds). ", r.floorRounds)
	p("Absolute times are medians of the runs and only informative on this shared machine.\n\n")

	p("| | |\n|---|---|\n")
	p("| command | `%s` |\n", r.command)
	p("| date | %s (run took %s) |\n", r.started.Format("2006-01-02 15:04 MST"), r.elapsed.Round(time.Second))
	p("| machine | %s, %d cores (GOMAXPROCS %d), %s RAM, %s, %s |\n", m.cpu, m.cores, m.procs, m.memory, m.osArch, m.kernel)
	p("| load average (1 min) | %s at the start, %s at the end, on %d cores: other work shares the machine when it exceeds about 1, and shows as wide ranges |\n", m.loadStart, m.loadEnd, m.cores)
	p("| Go | %s |\n", m.goVersion)
	p("| settings | `-rounds %d -benchtime %s -floor-rounds %d`; raw rounds in `bench/results/rounds.txt` |\n\n", r.rounds, r.benchtime, r.floorRounds)

	// SPEC 7 targets.
	p("## SPEC 7 targets\n\n")
	p("| target | case | measured | met |\n|---|---|---|---|\n")
	for _, v := range r.verdicts {
		met := "yes"
		if !v.met {
			met = "**no**, " + v.miss
		}
		p("| %s | %s | %s | %s |\n", v.target, v.caseName, v.measured, met)
	}
	p("\nPeer targets are checked on the smallest round, as SPEC 7 asks (“in every round, not only the median”); floor and OpenFeature targets on the median.\n\n")

	// Headline.
	p("## Headline\n\n")
	p("Median ratio per case, smallest and largest over the cases each peer can express:\n\n")
	p("| peer | version | fixed contexts | realistic contexts |\n|---|---|---|---|\n")
	for _, s := range sdks[1:] {
		p("| %s | %s | %s | %s |\n", names[s.id], r.results[s.id].version, r.ratioRange(s.id, false), r.ratioRange(s.id, true))
	}
	p("\nThe largest ratios are on the segment cases, where flagd and go-feature-flag evaluate the segment as a JsonLogic or query `in` over a literal list of 10 000 or 100 000 keys that they re-read on every call ")
	p("(go-feature-flag re-parses its query each time); Switchyard and LaunchDarkly hash the key into a set built at load. Those ratios measure that design, not like-for-like code; ")
	p("the smallest ratio of each row, and the rule cases, compare like with like.\n\n")

	// Per case: ns/op.
	peerCols := func(header string) {
		p("| case | contexts | %s |", header)
		for _, s := range sdks[1:] {
			p(" %s |", names[s.id])
		}
		p("\n|---|---|---:|")
		for range sdks[1:] {
			p("---:|")
		}
		p("\n")
	}
	p("## Per case: time per evaluation\n\n")
	p("Medians of the runs (ns/op); parallel cases: `b.RunParallel` with GOMAXPROCS goroutines, wall time per evaluation across them.\n\n")
	p("| case | contexts | Switchyard | floor |")
	for _, s := range sdks[1:] {
		p(" %s |", names[s.id])
	}
	p("\n|---|---|---:|---:|")
	for range sdks[1:] {
		p("---:|")
	}
	p("\n")
	for _, bc := range r.suite.Benchmarks {
		p("| %s | %s | %s | %s |", r.caseLabel(bc), contextsOf(bc), r.nsCell(bc, baseSDK), r.floorNsCell(bc))
		for _, s := range sdks[1:] {
			p(" %s |", r.nsCell(bc, s.id))
		}
		p("\n")
	}
	p("\n")

	p("## Per case: ratios\n\n")
	p("Median of the alternated rounds (smallest–largest round). Switchyard ÷ floor: below 1 means Switchyard beats the least Go code for the case; × peer: how many times faster Switchyard is.\n\n")
	peerCols("Switchyard ÷ floor")
	for _, bc := range r.suite.Benchmarks {
		floor := "—"
		if f, ok := r.floors[bc.Name]; ok {
			floor = fmtStat(f.ratioStat)
		}
		p("| %s | %s | %s |", r.caseLabel(bc), contextsOf(bc), floor)
		for _, s := range sdks[1:] {
			cell := "n/a"
			if rs, ok := r.ratios[bc.Name][s.id]; ok {
				cell = fmtStat(rs)
			} else if r.expresses(bc.Name, s.id) {
				cell = "not measured"
			}
			p(" %s |", cell)
		}
		p("\n")
	}
	p("\nn/a: the peer cannot express the case (see below). —: no floor (parallel cases).\n\n")

	p("## Per case: allocations\n\n")
	p("B/op and allocs/op, medians of the runs.\n\n")
	peerCols("Switchyard")
	for _, bc := range r.suite.Benchmarks {
		p("| %s | %s | %s |", r.caseLabel(bc), contextsOf(bc), r.allocCell(bc, baseSDK))
		for _, s := range sdks[1:] {
			p(" %s |", r.allocCell(bc, s.id))
		}
		p("\n")
	}
	p("\n")

	// Fleet.
	if r.fleet != "" {
		p("%s\n\n", r.fleet)
		if r.fleetPlot && !strings.Contains(r.fleet, "fleet.svg") {
			p("![Fleet simulation: reconnections after a restart](fleet.svg)\n\n")
		}
	} else {
		p("## Fleet simulation\n\nnot run: `docs/fleet.md` does not exist (the fleet simulation, `bench/cmd/fleet`, writes it and `docs/fleet.svg`; run it, then this command again).\n\n")
	}

	// Equivalence.
	p("## Equivalence check (before timing)\n\n")
	p("Over %d contexts: %d generated ones (`cases.Suite.Contexts`, a fixed splitmix64 sequence: distinct targeting keys, half in the 10 000-key segment; a third of countries in the list; ", r.suite.Equivalence.Contexts+r.suite.Realistic.Contexts, r.suite.Equivalence.Contexts)
	p("a fifth of emails at @acme.com, others at look-alike domains; seats 0–200; a tenth of plans matching one of the hundred rules), followed by the %d realistic contexts the benchmarks cycle through. ", r.suite.Realistic.Contexts)
	p("Where Switchyard serves a fixed variant (`bench/cases/expected.json`, written and checked by bench/switchyard) every SDK must serve the same; ")
	p("over the contexts Switchyard buckets by the flag's rollout, the share of on must be within the larger of ±%.0f point and three binomial standard deviations of the weight. ", r.suite.Equivalence.TolerancePercent)
	p("An SDK too slow to check every context within 30 s on a flag is checked on an evenly spaced sample, which the cell says. This run's results:\n\n")
	p("| SDK |")
	for _, f := range r.suite.Flags {
		p(" %s |", f.Key)
	}
	p("\n|---|")
	for range r.suite.Flags {
		p("---|")
	}
	p("\n")
	for _, s := range sdks {
		p("| %s |", names[s.id])
		for _, f := range r.suite.Flags {
			cell := "not run"
			for _, l := range r.results[s.id].equivalence {
				if l.flag == f.Key {
					mark := "✓"
					if l.result != "pass" {
						mark = "✗ " + l.result
					}
					cell = mark + " " + shortDetail(l.detail)
				}
			}
			p(" %s |", cell)
		}
		p("\n")
	}
	p("\n")

	// OpenFeature.
	p("## Through the OpenFeature client\n\n")
	p("`client.BooleanValueDetails` through go-sdk %s (isolated API, evaluation contexts built once). ", r.goSDK)
	p("`BenchmarkOpenFeatureRatio` alternates Switchyard's provider and go-sdk's in-memory provider on the static flag in rounds of 20 000 calls in one process (%d rounds). Target: ≤ %.2f×.\n\n", r.floorRounds, ofTarget)
	p("| case | Switchyard provider | in-memory provider | Switchyard ÷ in-memory |\n|---|---:|---:|---:|\n")
	for _, bc := range r.suite.Benchmarks {
		if f, ok := r.ofRatios[bc.Name]; ok {
			p("| %s | %s | %s | %s |\n", bc.Name, fmtNs(f.syNs), fmtNs(f.otherNs), fmtStat(f.ratioStat))
		}
	}
	p("\nEvery case through Switchyard's provider, one `-benchtime %s` run each (go-sdk's in-memory provider has no rule model: targeting only through a custom Go `ContextEvaluator`, so it serves the static flag only):\n\n", r.benchtime)
	p("| case | provider | ns/op | B/op | allocs/op |\n|---|---|---:|---:|---:|\n")
	for _, bc := range r.suite.Benchmarks {
		for _, prov := range []string{"switchyard", "inmemory"} {
			mt, ok := r.metrics[ofName(prov, bc.Name)]
			if !ok {
				continue
			}
			pname := map[string]string{"switchyard": "Switchyard", "inmemory": "go-sdk in-memory"}[prov]
			p("| %s | %s | %s | %s | %s |\n", bc.Name, pname, fmtNs(mt["ns/op"]), fmtCount(mt["B/op"]), fmtCount(mt["allocs/op"]))
		}
	}
	p("\nPeer providers: none could be measured at this level. The module proxy serving this machine refuses (403, “not available”) ")
	p("`github.com/open-feature/go-sdk-contrib/providers/flagd`, `…/providers/go-feature-flag`, `…/providers/go-feature-flag-in-process`, ")
	p("`…/providers/launchdarkly`, `…/providers/unleash` and `github.com/launchdarkly/openfeature-go-server` (checked 2026-11-23 with `go get …@latest`); ")
	p("the peer modules above ship no OpenFeature provider of their own.\n\n")

	// Method.
	p("## What each SDK runs\n\n")
	p("Each peer has its own module under `bench/` (their dependency graphs conflict); all share `bench/cases`. ")
	p("Contexts are built once, outside the timed loop, in each SDK's own type (realistic ones as a slice cycled by index); every SDK looks the flag up by key inside the loop.\n\n")
	p("| SDK | module | version | timed call |\n|---|---|---|---|\n")
	for _, s := range sdks {
		p("| %s | `bench/%s` | %s | %s |\n", names[s.id], s.id, r.results[s.id].version, s.how)
	}
	p("\nTranslations of the neutral cases (see each module's `flags.go`/`features.go`/`ruleset.go`): ")
	p("a segment is a Switchyard segment and a LaunchDarkly segment (both hash sets), a flagd `$evaluators` entry `{\"in\": [targetingKey, [keys]]}`, ")
	p("a go-feature-flag query `key in [...]` (go-feature-flag has no segments), and an Unleash global segment `userId IN [...]`; ")
	p("each SDK buckets a rollout with its own hash, so only the proportions are compared. ")
	p("Floors (`bench/switchyard/floor_test.go`): for each case the least Go code that gives the same answer for every context it is timed on: the flag found by key in a Go map, then the case's context lookups and comparisons, xxhash of the real input, a Go map probe of the segment, a value index for the hundred rules.\n\n")

	p("## Cases a peer cannot express\n\n")
	var ne []string
	for _, s := range sdks {
		for _, l := range r.results[s.id].equivalence {
			if l.result == "not-expressible" {
				ne = append(ne, fmt.Sprintf("- %s, %s: %s", names[s.id], l.flag, l.detail))
			}
		}
	}
	if len(ne) == 0 {
		p("Every peer expresses every case. At the OpenFeature level, go-sdk's in-memory provider has no rule model, so it is measured on the static flag only.\n\n")
	} else {
		p("%s\n\n", strings.Join(ne, "\n"))
	}

	if len(r.profiles) > 0 {
		p("## Where Switchyard's time goes in the cases that miss a target\n\n")
		for _, pr := range r.profiles {
			p("### Profile: %s\n\n`%s` (`-benchtime 2s -cpuprofile`), `go tool pprof -top`:\n\n```\n%s\n```\n\n", pr.caseName, pr.file, pr.top)
		}
	}

	if r.history != "" {
		p("## Fixes made after a miss (before → after)\n\n")
		p("Copied from `bench/history.md`, which is written by hand when a miss is fixed; the figures in it come from the commands it shows, not from this run.\n\n")
		p("%s\n\n", r.history)
	}

	p("## Reproduce\n\n")
	p("```sh\ncd bench && go run ./cmd/perf          # everything: build, equivalence, alternated rounds, this file\n")
	p("cd bench && go run ./cmd/perf -quick   # every step with few rounds, to try the driver (figures not worth reading)\n")
	p("cd bench && ./ci.sh                    # CI: build every module, equivalence checks, every benchmark once, driver tests\n```\n")
	return b.String()
}

func (r *report) caseLabel(bc cases.Benchmark) string {
	if bc.Realistic {
		return bc.Base
	}
	return "**" + bc.Name + "**"
}

func (r *report) nsCell(bc cases.Benchmark, sdk string) string {
	if st, ok := r.stats[bc.Name][sdk]; ok {
		return fmtNs(st.ns)
	}
	if !r.expresses(bc.Name, sdk) {
		return "n/a"
	}
	return "not measured"
}

func (r *report) floorNsCell(bc cases.Benchmark) string {
	if f, ok := r.floors[bc.Name]; ok {
		return fmtNs(f.otherNs)
	}
	return "—"
}

func (r *report) allocCell(bc cases.Benchmark, sdk string) string {
	if st, ok := r.stats[bc.Name][sdk]; ok {
		return fmt.Sprintf("%s B, %s", fmtCount(st.bytes), fmtCount(st.allocs))
	}
	return "n/a"
}

// ratioRange is a peer's smallest and largest median ratio over the cases
// of one kind of context.
func (r *report) ratioRange(sdk string, realistic bool) string {
	lo, hi, loCase, hiCase := 0.0, 0.0, "", ""
	for _, bc := range r.suite.Benchmarks {
		rs, ok := r.ratios[bc.Name][sdk]
		if bc.Realistic != realistic || !ok {
			continue
		}
		if loCase == "" || rs.median < lo {
			lo, loCase = rs.median, bc.Base
		}
		if hiCase == "" || rs.median > hi {
			hi, hiCase = rs.median, bc.Base
		}
	}
	if loCase == "" {
		return "not measured"
	}
	return fmt.Sprintf("%s (%s) – %s (%s)", fmtRatio(lo), loCase, fmtRatio(hi), hiCase)
}

func shortDetail(d string) string {
	return strings.Replace(d, " contexts agree with Switchyard", " agree", 1)
}
