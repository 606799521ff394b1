// Command perf runs the side-by-side benchmarks of bench/ in one run and
// writes docs/PERFORMANCE.md.
//
// Run it from bench/:
//
//	go run ./cmd/perf
//
// For every SDK module (switchyard, launchdarkly, flagd, gofeatureflag,
// unleash) it builds the test binary, runs the equivalence check
// (TestEquivalence: same variants as Switchyard over the generated
// contexts, rollout split within ±1 %), and stops if any fails. It then runs
// every benchmark -count times, round-robin across the SDKs so that drift of
// the machine spreads over all of them, takes the median of each metric as
// benchstat does, CPU-profiles every Switchyard case that misses a target
// (or meets it by less than 10 %), and writes the report. Raw `go test -bench` output, readable by benchstat, is
// kept in bench/results/ (ignored by git).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sdk is one module under bench/.
type sdk struct {
	id     string // directory and results name
	name   string // as shown in the report
	module string // the peer's module path, for its version
	how    string // what the benchmark calls
}

var sdks = []sdk{
	{"switchyard", "Switchyard", "github.com/switchyardhq/switchyard",
		"`evaluator.Evaluate(flagKey, map[string]any)`: flag looked up by key, full `Result` (value, variant, reason, rule, metadata)"},
	{"launchdarkly", "LaunchDarkly", "github.com/launchdarkly/go-server-sdk-evaluation/v3",
		"`evaluation.Evaluator.Evaluate(store.GetFeatureFlag(key), ldcontext.Context, nil)`: flags built with `ldbuilders` and `ldmodel.Preprocess*`, looked up by key in a map store; `EvaluationDetail`"},
	{"flagd", "flagd", "github.com/open-feature/flagd/core",
		"in-process `evaluator.JSON.ResolveBooleanValue(ctx, reqID, key, map[string]any)` over JSON flag definitions with JsonLogic targeting (`$evaluators` for the key list, `fractional` for the split), loaded with `SetState`"},
	{"gofeatureflag", "go-feature-flag", "github.com/thomaspoignant/go-feature-flag",
		"**offline**: `ffclient.BoolVariationDetails` on a client reading a local JSON file with the file retriever (no relay proxy, no network; its evaluator is internal); trackEvents off, no exporter"},
	{"unleash", "Unleash", "github.com/Unleash/unleash-client-go/v4",
		"`Client.IsEnabled(name, WithContext(ctx))` (toggles are on/off; no details call): toggles fetched once from a loopback `httptest` server, metrics off; strategies with constraints, a global segment, `flexibleRollout`"},
}

// Targets of issue 6, as ratios of a peer's ns/op to Switchyard's.
var targets = map[string]float64{"launchdarkly": 3, "flagd": 50}

type options struct {
	count     int
	benchtime string
	out       string
	results   string
	history   string
	profile   bool
}

func main() {
	var o options
	flag.IntVar(&o.count, "count", 6, "runs of every benchmark (≥ 6 for benchstat-style medians)")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "go test -benchtime of each run")
	flag.StringVar(&o.out, "out", "../docs/PERFORMANCE.md", "report to write")
	flag.StringVar(&o.results, "results", "results", "directory for test binaries, raw output and profiles")
	flag.StringVar(&o.history, "history", "history.md", "hand-written record of fixes made after a miss (before → after), copied into the report")
	flag.BoolVar(&o.profile, "profile", true, "CPU-profile every Switchyard case that misses a target or meets it by less than 10 %")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.count < 1 {
		return errors.New("-count must be at least 1")
	}
	if _, err := os.Stat("cases/cases.json"); err != nil {
		return errors.New("run me from bench/: cd bench && go run ./cmd/perf")
	}
	started := time.Now()
	command := "cd bench && go run ./cmd/perf"
	if args := os.Args[1:]; len(args) > 0 {
		command += " " + strings.Join(args, " ")
	}
	results, err := filepath.Abs(o.results)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(results, 0o755); err != nil {
		return err
	}
	rep := &report{options: o, command: command, started: started.UTC(), machine: machine(), results: map[string]*sdkResult{}}

	for _, s := range sdks {
		r := &sdkResult{sdk: s, bin: filepath.Join(results, s.id+".test")}
		rep.results[s.id] = r
		logf("build %s", s.id)
		if out, err := command_(s.id, "go", "test", "-c", "-o", r.bin, "."); err != nil {
			return fmt.Errorf("build %s: %v\n%s", s.id, err, out)
		}
		r.version = moduleVersion(s)
		if s.id == "switchyard" {
			rep.goSDK = moduleVersionOf(s.id, "github.com/open-feature/go-sdk")
		}
	}

	for _, s := range sdks {
		r := rep.results[s.id]
		logf("equivalence %s", s.id)
		t0 := time.Now()
		out, err := command_(s.id, r.bin, "-test.run", "^TestEquivalence$", "-test.v", "-test.count", "1")
		r.equivalence = parseEquivalence(out)
		logf("  %s (%s)", summary(r.equivalence), time.Since(t0).Round(time.Second))
		if err != nil {
			return fmt.Errorf("equivalence check of %s failed, so its timings would not compare equal work: %v\n%s", s.id, err, out)
		}
	}

	raw := map[string]*bytes.Buffer{}
	for _, s := range sdks {
		raw[s.id] = &bytes.Buffer{}
	}
	for round := 1; round <= o.count; round++ {
		for _, s := range sdks {
			r := rep.results[s.id]
			logf("bench round %d/%d %s", round, o.count, s.id)
			out, err := command_(s.id, r.bin, "-test.run", "^$", "-test.bench", ".", "-test.benchmem",
				"-test.benchtime", o.benchtime, "-test.count", "1", "-test.v")
			raw[s.id].Write(out)
			if err != nil {
				return fmt.Errorf("benchmarks of %s failed: %v\n%s", s.id, err, out)
			}
			r.parseBench(out)
		}
	}
	for _, s := range sdks {
		if err := os.WriteFile(filepath.Join(results, s.id+".txt"), raw[s.id].Bytes(), 0o644); err != nil {
			return err
		}
	}

	rep.compare()
	if o.profile {
		for _, c := range rep.profiledCases() {
			logf("profile switchyard %s", c)
			p, err := profile(rep.results["switchyard"], results, c)
			if err != nil {
				return err
			}
			rep.profiles = append(rep.profiles, p)
		}
	}
	if o.history != "" {
		data, err := os.ReadFile(o.history)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		rep.history = strings.TrimSpace(string(data))
	}
	rep.elapsed = time.Since(started)
	doc := rep.markdown()
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(o.out, []byte(doc), 0o644); err != nil {
		return err
	}
	logf("wrote %s in %s", o.out, rep.elapsed.Round(time.Second))
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// command_ runs name in the SDK's module directory and returns its combined
// output.
func command_(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

func moduleVersion(s sdk) string {
	if s.id == "switchyard" {
		return "this repository (`replace` → `../..`)"
	}
	return moduleVersionOf(s.id, s.module)
}

func moduleVersionOf(dir, module string) string {
	out, err := command_(dir, "go", "list", "-m", "-f", "{{.Version}}", module)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// ---- machine

type machineInfo struct {
	cpu, memory, goVersion, osArch, kernel string
	cores, procs                           int
}

func machine() machineInfo {
	m := machineInfo{cpu: "unknown", cores: runtime.NumCPU(), procs: runtime.GOMAXPROCS(0), osArch: runtime.GOOS + "/" + runtime.GOARCH}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	m.memory = "unknown"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64); err == nil {
					m.memory = fmt.Sprintf("%.0f GiB", kb/(1<<20))
				}
				break
			}
		}
	}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		m.kernel = strings.TrimSpace(string(out))
	}
	return m
}

// ---- parsing

type sample struct{ ns, bytes, allocs float64 }

type stat struct {
	ns, bytes, allocs float64 // medians
	spread            float64 // largest |run − median| / median, in percent
	runs              int
}

type sdkResult struct {
	sdk
	bin         string
	version     string
	equivalence []equivalenceLine
	samples     map[string][]sample // benchmark name (without -GOMAXPROCS) → runs
	skipped     map[string]string   // benchmark name → reason
	order       []string
	stats       map[string]stat
}

type equivalenceLine struct{ flag, result, detail string }

var (
	equivRE = regexp.MustCompile(`EQUIV sdk=(\S+) flag=(\S+) result=(\S+) detail=("(?:[^"\\]|\\.)*")`)
	benchRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)
	skipRE  = regexp.MustCompile(`^\s*--- SKIP: (Benchmark\S+)`)
	logRE   = regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)
)

func parseEquivalence(out []byte) []equivalenceLine {
	var lines []equivalenceLine
	for _, m := range equivRE.FindAllStringSubmatch(string(out), -1) {
		detail, err := strconv.Unquote(m[4])
		if err != nil {
			detail = m[4]
		}
		lines = append(lines, equivalenceLine{flag: m[2], result: m[3], detail: detail})
	}
	return lines
}

func summary(lines []equivalenceLine) string {
	var parts []string
	for _, l := range lines {
		parts = append(parts, l.flag+" "+l.result)
	}
	return strings.Join(parts, ", ")
}

func (r *sdkResult) parseBench(out []byte) {
	if r.samples == nil {
		r.samples = map[string][]sample{}
		r.skipped = map[string]string{}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	lastLog := "" // go test -v prints a skip's message before its --- SKIP line
	for sc.Scan() {
		line := sc.Text()
		if m := skipRE.FindStringSubmatch(line); m != nil {
			r.note(m[1])
			r.skipped[m[1]] = lastLog
			continue
		}
		if m := logRE.FindStringSubmatch(line); m != nil {
			lastLog = m[1]
			continue
		}
		lastLog = ""
		m := benchRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var s sample
		s.ns, _ = strconv.ParseFloat(m[2], 64)
		s.bytes, _ = strconv.ParseFloat(m[3], 64)
		s.allocs, _ = strconv.ParseFloat(m[4], 64)
		r.note(m[1])
		r.samples[m[1]] = append(r.samples[m[1]], s)
	}
}

func (r *sdkResult) note(name string) {
	if !slices.Contains(r.order, name) {
		r.order = append(r.order, name)
	}
}

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

func (r *sdkResult) computeStats() {
	r.stats = map[string]stat{}
	for name, ss := range r.samples {
		var ns, bs, as []float64
		for _, s := range ss {
			ns = append(ns, s.ns)
			bs = append(bs, s.bytes)
			as = append(as, s.allocs)
		}
		st := stat{ns: median(ns), bytes: median(bs), allocs: median(as), runs: len(ss)}
		for _, x := range ns {
			if st.ns > 0 {
				st.spread = max(st.spread, 100*abs(x-st.ns)/st.ns)
			}
		}
		r.stats[name] = st
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
