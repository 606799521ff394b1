package main

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// run is one short timed run of one case by one SDK, in the order the
// runs happened.
type timedRun struct {
	sdk               string
	ns, bytes, allocs float64
}

// step is one entry of the schedule: run case c on SDK sdk.
type step struct{ c, sdk string }

// schedule returns the order of the timed runs: per case, rounds rounds in
// which every peer that expresses the case runs right after a Switchyard
// run, and one more Switchyard run at the end, so every peer run has a
// Switchyard run on each side of it:
//
//	S P1 S P2 S P3 S P4 | S P1 S P2 … S
//
// Cases run one after another, so the two sides of a ratio are never more
// than one short run apart.
func schedule(caseNames []string, peers []string, rounds int, expresses func(c, sdk string) bool) []step {
	var out []step
	for _, c := range caseNames {
		for range rounds {
			for _, p := range peers {
				if expresses(c, p) {
					out = append(out, step{c, baseSDK}, step{c, p})
				}
			}
		}
		out = append(out, step{c, baseSDK})
	}
	return out
}

// baseSDK is the side every ratio divides by.
const baseSDK = "switchyard"

// pairRounds returns, for every run of peer in seq (one case's runs in
// time order), the peer's ns/op divided by the mean of the Switchyard runs
// adjacent to it (the one before and the one after; one of them at the
// ends), so that drift of the machine during a round cancels to first
// order. A peer run with no Switchyard run on either side has no ratio.
func pairRounds(seq []timedRun, peer string) []float64 {
	var out []float64
	for i, r := range seq {
		if r.sdk != peer {
			continue
		}
		var sum float64
		n := 0
		if i > 0 && seq[i-1].sdk == baseSDK {
			sum += seq[i-1].ns
			n++
		}
		if i+1 < len(seq) && seq[i+1].sdk == baseSDK {
			sum += seq[i+1].ns
			n++
		}
		if n > 0 && sum > 0 {
			out = append(out, r.ns/(sum/float64(n)))
		}
	}
	return out
}

// ratioStat summarizes the per-round ratios of a comparison: the median
// and the spread as the smallest and largest round (min–max, not an IQR:
// the SPEC's peer targets hold "in every round").
type ratioStat struct {
	median, min, max float64
	rounds           int
}

func summarize(xs []float64) ratioStat {
	if len(xs) == 0 {
		return ratioStat{}
	}
	return ratioStat{median: median(xs), min: slices.Min(xs), max: slices.Max(xs), rounds: len(xs)}
}

func (s ratioStat) ok() bool { return s.rounds > 0 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// sampleStat is the median of each metric over one SDK's runs of a case.
type sampleStat struct {
	ns, bytes, allocs float64
	runs              int
}

func medians(runs []timedRun, sdk string) sampleStat {
	var ns, bs, as []float64
	for _, r := range runs {
		if r.sdk == sdk {
			ns, bs, as = append(ns, r.ns), append(bs, r.bytes), append(as, r.allocs)
		}
	}
	return sampleStat{ns: median(ns), bytes: median(bs), allocs: median(as), runs: len(ns)}
}

var serveRE = regexp.MustCompile(`^SERVE case=(\S+) (?:n=\d+ ns=(\S+) bytes=(\d+) allocs=(\d+)|error=("(?:[^"\\]|\\.)*"))$`)

// parseServe reads one result line of an SDK's TestServe.
func parseServe(line string) (name string, r timedRun, err error) {
	m := serveRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", timedRun{}, fmt.Errorf("not a SERVE result line: %q", line)
	}
	if m[5] != "" {
		msg, _ := strconv.Unquote(m[5])
		return m[1], timedRun{}, fmt.Errorf("case %s: %s", m[1], msg)
	}
	r.ns, err = strconv.ParseFloat(m[2], 64)
	if err != nil {
		return "", timedRun{}, fmt.Errorf("case %s: ns %q: %v", m[1], m[2], err)
	}
	r.bytes, _ = strconv.ParseFloat(m[3], 64)
	r.allocs, _ = strconv.ParseFloat(m[4], 64)
	return m[1], r, nil
}

var benchLineRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseMetrics reads `go test -bench` output into benchmark name (without
// the -GOMAXPROCS suffix) → unit → value, the last line of a name winning.
func parseMetrics(out string) map[string]map[string]float64 {
	res := map[string]map[string]float64{}
	for line := range strings.SplitSeq(out, "\n") {
		m := benchLineRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			metrics[f[i+1]] = v
		}
		res[m[1]] = metrics
	}
	return res
}

// alternatedStat reads the metrics BenchmarkFloor and
// BenchmarkOpenFeatureRatio report for Switchyard ÷ other.
func alternatedStat(metrics map[string]float64, other string, rounds int) (ratioStat, float64, float64, bool) {
	med, ok := metrics["x-"+other]
	if !ok {
		return ratioStat{}, 0, 0, false
	}
	return ratioStat{median: med, min: metrics["x-"+other+"-min"], max: metrics["x-"+other+"-max"], rounds: rounds},
		metrics["switchyard-ns/op"], metrics[other+"-ns/op"], true
}
