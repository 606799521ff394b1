package main

import (
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
BenchmarkEvaluate/case=static-2         	16462506	        14.49 ns/op	       0 B/op	       0 allocs/op
BenchmarkEvaluate/case=parallel-three-rules-2         	 5294985	        43.82 ns/op	       0 B/op	       0 allocs/op
BenchmarkOpenFeature/provider=inmemory/case=three-rules
    bench_test.go:123: not expressible: no rule model
--- SKIP: BenchmarkOpenFeature/provider=inmemory/case=three-rules
BenchmarkOpenFeature/provider=inmemory/case=static-2                         	  175669	      1378 ns/op	    1264 B/op	      12 allocs/op
PASS
`

func TestParseBench(t *testing.T) {
	r := &sdkResult{}
	r.parseBench([]byte(sampleOutput))
	r.parseBench([]byte(sampleOutput))
	r.computeStats()
	st := r.stats["BenchmarkEvaluate/case=static"]
	if st.runs != 2 || st.ns != 14.49 || st.allocs != 0 {
		t.Errorf("stats[static] = %+v, want 2 runs of 14.49 ns, 0 allocs", st)
	}
	if st := r.stats["BenchmarkOpenFeature/provider=inmemory/case=static"]; st.bytes != 1264 || st.allocs != 12 {
		t.Errorf("stats[inmemory static] = %+v, want 1264 B, 12 allocs", st)
	}
	if got := r.skipped["BenchmarkOpenFeature/provider=inmemory/case=three-rules"]; got != "not expressible: no rule model" {
		t.Errorf("skip reason = %q", got)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseEquivalence(t *testing.T) {
	out := []byte(`    bench_test.go:27: EQUIV sdk=flagd flag=rollout result=pass detail="split on 20.00% / off 80.00% of 10000 contexts"` + "\n")
	lines := parseEquivalence(out)
	if len(lines) != 1 || lines[0].flag != "rollout" || lines[0].result != "pass" || lines[0].detail != "split on 20.00% / off 80.00% of 10000 contexts" {
		t.Errorf("parseEquivalence = %+v", lines)
	}
}

// TestReport builds a report from made-up results and checks the verdicts.
func TestReport(t *testing.T) {
	rep := &report{options: options{count: 6, benchtime: "1s"}, command: "cd bench && go run ./cmd/perf", results: map[string]*sdkResult{}}
	ns := map[string]float64{"switchyard": 10, "launchdarkly": 31, "flagd": 400, "gofeatureflag": 500, "unleash": 200}
	for _, s := range sdks {
		r := &sdkResult{sdk: s, samples: map[string][]sample{}, skipped: map[string]string{}}
		for _, c := range []string{"static", "three-rules", "rollout-20-80", "segment-10000", "hundred-rules", "parallel-three-rules"} {
			r.samples[evalName(c)] = []sample{{ns: ns[s.id]}}
		}
		rep.results[s.id] = r
	}
	rep.results["switchyard"].samples[ofName("switchyard", "static")] = []sample{{ns: 110}}
	rep.results["switchyard"].samples[ofName("inmemory", "static")] = []sample{{ns: 100}}
	rep.results["switchyard"].skipped[ofName("inmemory", "three-rules")] = "not expressible: no rule model"
	rep.compare()
	if len(rep.misses) != 6 { // flagd: 40× < 50× on every case
		t.Errorf("misses = %v, want flagd on all 6 cases", rep.misses)
	}
	if len(rep.atRisk) != 6 { // LaunchDarkly: 3.1× is within 10 % of 3×
		t.Errorf("atRisk = %v, want LaunchDarkly on all 6 cases", rep.atRisk)
	}
	doc := rep.markdown()
	for _, want := range []string{"| flagd |  | 40.0× (static) – 40.0× (static) | ≥ 50× on every case | **no**", "yes, narrowly on", "+10.0% (≤ 15 %: met)", "n/a (no rule model)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
