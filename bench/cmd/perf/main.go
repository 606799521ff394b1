// Command perf runs the side-by-side benchmarks of bench/ and writes
// docs/PERFORMANCE.md.
//
// Run it from bench/:
//
//	go run ./cmd/perf          # the report (about 10 minutes on 2 cores)
//	go run ./cmd/perf -quick   # a smoke run of every step, few rounds
//
// For every SDK module (switchyard, launchdarkly, flagd, gofeatureflag,
// unleash) it builds the test binary and runs the equivalence check
// (TestEquivalence), stopping if any fails. It then starts every module's
// TestServe, which keeps the SDK loaded and runs one named case for
// -benchtime on request, and alternates short runs case by case:
// Switchyard, LaunchDarkly, Switchyard, flagd, Switchyard, … for -rounds
// rounds, then one last Switchyard run. Every peer run is divided by the
// mean of the two Switchyard runs next to it; the report gives the median
// of those per-round ratios and their range (smallest–largest round), and
// checks SPEC 7's peer targets on the smallest round. The Switchyard
// module's BenchmarkFloor and BenchmarkOpenFeatureRatio alternate their two
// sides inside one process and report the same statistics. It CPU-profiles
// the Switchyard cases that miss a target, includes the fleet simulation's
// docs/fleet.md when it exists, and writes the report. Raw output is kept
// in bench/results/ (ignored by git).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/switchyardhq/switchyard/bench/cases"
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

func peerIDs() []string {
	var ids []string
	for _, s := range sdks[1:] {
		ids = append(ids, s.id)
	}
	return ids
}

type options struct {
	rounds      int
	benchtime   string
	floorRounds int
	quick       bool
	out         string
	fleet       string
	results     string
	history     string
	profile     bool
}

// quickOptions is -quick: every step once more than nothing, in a few
// minutes (mostly the equivalence checks), for trying the driver out.
func quickOptions(o options) options {
	o.rounds, o.benchtime, o.floorRounds, o.profile = 2, "10ms", 3, false
	return o
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 20, "alternated rounds of every peer against Switchyard per case")
	flag.StringVar(&o.benchtime, "benchtime", "100ms", "-benchtime of each short run of a round")
	flag.IntVar(&o.floorRounds, "floor-rounds", 31, "rounds of BenchmarkFloor and BenchmarkOpenFeatureRatio (in one process)")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: -rounds 2 -benchtime 10ms -floor-rounds 3 -profile=false (figures not worth reading)")
	flag.StringVar(&o.out, "out", "../docs/PERFORMANCE.md", "report to write")
	flag.StringVar(&o.fleet, "fleet", "../docs/fleet.md", "fleet simulation fragment (from cmd/fleet) to include, if it exists; its plot is fleet.svg next to it")
	flag.StringVar(&o.results, "results", "results", "directory for test binaries, raw output and profiles")
	flag.StringVar(&o.history, "history", "history.md", "hand-written record of fixes made after a miss (before → after), copied into the report")
	flag.BoolVar(&o.profile, "profile", true, "CPU-profile every Switchyard case that misses a target")
	flag.Parse()
	if o.quick {
		o = quickOptions(o)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.rounds < 1 || o.floorRounds < 1 {
		return errors.New("-rounds and -floor-rounds must be at least 1")
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
	suite := cases.MustLoad()
	rep := newReport(o, suite)
	rep.command, rep.started, rep.machine = command, started.UTC(), machine()

	for _, s := range sdks {
		r := rep.results[s.id]
		r.bin = filepath.Join(results, s.id+".test")
		logf("build %s", s.id)
		if out, err := command_(s.id, "go", "test", "-c", "-o", r.bin, "."); err != nil {
			return fmt.Errorf("build %s: %v\n%s", s.id, err, out)
		}
		r.version = moduleVersion(s)
		if s.id == baseSDK {
			rep.goSDK = moduleVersionOf(s.id, "github.com/open-feature/go-sdk")
		}
	}

	for _, s := range sdks {
		r := rep.results[s.id]
		logf("equivalence %s", s.id)
		t0 := time.Now()
		out, err := command_(s.id, r.bin, "-test.run", "^TestEquivalence$", "-test.v", "-test.count", "1", "-test.timeout", "0")
		r.equivalence = parseEquivalence(out)
		logf("  %s (%s)", summary(r.equivalence), time.Since(t0).Round(time.Second))
		if err != nil {
			return fmt.Errorf("equivalence check of %s failed, so its timings would not compare equal work: %v\n%s", s.id, err, out)
		}
	}

	servers := map[string]*server{}
	defer func() {
		for _, sv := range servers {
			sv.close()
		}
	}()
	for _, s := range sdks {
		logf("start %s", s.id)
		sv, err := startServer(s.id, rep.results[s.id].bin, o.benchtime, filepath.Join(results, s.id+".serve.log"))
		if err != nil {
			return err
		}
		servers[s.id] = sv
	}
	var names []string
	for _, b := range suite.Benchmarks {
		names = append(names, b.Name)
	}
	steps := schedule(names, peerIDs(), o.rounds, rep.expresses)
	var raw bytes.Buffer
	last := ""
	for i, st := range steps {
		if st.c != last {
			logf("alternate %s (%d/%d runs done)", st.c, i, len(steps))
			last = st.c
		}
		r, line, err := servers[st.sdk].run(st.c)
		fmt.Fprintf(&raw, "%s %s\n", st.sdk, line)
		if err != nil {
			return fmt.Errorf("%s: %v", st.sdk, err)
		}
		r.sdk = st.sdk
		rep.runs[st.c] = append(rep.runs[st.c], r)
	}
	if err := os.WriteFile(filepath.Join(results, "rounds.txt"), raw.Bytes(), 0o644); err != nil {
		return err
	}
	for _, sv := range servers {
		sv.close()
	}
	clear(servers)

	sy := rep.results[baseSDK]
	for _, b := range []struct{ name, bench, benchtime string }{
		{"floor", "^BenchmarkFloor$", fmt.Sprintf("%dx", o.floorRounds)},
		{"openfeature-ratio", "^BenchmarkOpenFeatureRatio$", fmt.Sprintf("%dx", o.floorRounds)},
		{"openfeature", "^BenchmarkOpenFeature$", o.benchtime},
	} {
		logf("switchyard %s", b.name)
		out, err := command_(baseSDK, sy.bin, "-test.run", "^$", "-test.bench", b.bench, "-test.benchmem", "-test.benchtime", b.benchtime, "-test.v")
		if werr := os.WriteFile(filepath.Join(results, "switchyard-"+b.name+".txt"), out, 0o644); werr != nil {
			return werr
		}
		if err != nil {
			return fmt.Errorf("switchyard %s: %v\n%s", b.name, err, out)
		}
		for name, m := range parseMetrics(string(out)) {
			rep.metrics[name] = m
		}
		rep.parseSkips(string(out))
	}

	rep.compare()
	if o.profile {
		for _, c := range rep.profiledCases() {
			logf("profile switchyard %s", c)
			p, err := profile(sy, results, c)
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
	if rep.fleet, rep.fleetPlot, err = readFleet(o.fleet); err != nil {
		return err
	}
	rep.elapsed = time.Since(started)
	rep.machine.loadEnd = loadAverage()
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

// readFleet returns the fleet simulation's fragment and whether its plot
// (fleet.svg next to it) exists; "" if the simulation has not been run.
func readFleet(path string) (string, bool, error) {
	if path == "" {
		return "", false, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	_, err = os.Stat(filepath.Join(filepath.Dir(path), "fleet.svg"))
	return strings.TrimSpace(string(data)), err == nil, nil
}

// server is one SDK's TestServe, kept running for the alternated rounds.
type server struct {
	id  string
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	log *os.File
}

func startServer(id, bin, benchtime, logPath string) (*server, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-test.run", "^TestServe$", "-test.benchtime", benchtime, "-test.timeout", "0", "-test.count", "1")
	cmd.Dir = id
	cmd.Env = append(os.Environ(), cases.ServeEnv+"=1")
	cmd.Stderr = log
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %v", id, err)
	}
	sv := &server{id: id, cmd: cmd, in: in, out: bufio.NewScanner(stdout), log: log}
	for sv.out.Scan() {
		line := sv.out.Text()
		fmt.Fprintln(log, line)
		if line == "SERVE ready" {
			return sv, nil
		}
	}
	sv.close()
	return nil, fmt.Errorf("%s: TestServe ended before it was ready (see %s)", id, logPath)
}

// run times one case and returns the result and the raw line.
func (s *server) run(c string) (timedRun, string, error) {
	if _, err := fmt.Fprintln(s.in, c); err != nil {
		return timedRun{}, "", err
	}
	for s.out.Scan() {
		line := s.out.Text()
		if !strings.HasPrefix(line, "SERVE ") {
			fmt.Fprintln(s.log, line) // the test's own output
			continue
		}
		_, r, err := parseServe(line)
		return r, line, err
	}
	return timedRun{}, "", fmt.Errorf("%s stopped while timing %s (see %s)", s.id, c, s.log.Name())
}

func (s *server) close() {
	if s.in != nil {
		_, _ = fmt.Fprintln(s.in)
		_ = s.in.Close()
		s.in = nil
		_ = s.cmd.Wait()
		_ = s.log.Close()
	}
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
	if s.id == baseSDK {
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
	loadStart, loadEnd                     string // /proc/loadavg's 1-minute figure: other work on the machine
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
	m.loadStart = loadAverage()
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		m.kernel = strings.TrimSpace(string(out))
	}
	return m
}

// loadAverage is the 1-minute load average, "?" where unknown.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// ---- equivalence

type equivalenceLine struct{ flag, result, detail string }

var (
	equivRE = regexp.MustCompile(`EQUIV sdk=(\S+) flag=(\S+) result=(\S+) detail=("(?:[^"\\]|\\.)*")`)
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

// parseSkips records the reasons of skipped benchmarks (go test -v prints
// a skip's message before its --- SKIP line).
func (r *report) parseSkips(out string) {
	lastLog := ""
	for line := range strings.SplitSeq(out, "\n") {
		if m := skipRE.FindStringSubmatch(line); m != nil {
			r.skipped[m[1]] = lastLog
			continue
		}
		if m := logRE.FindStringSubmatch(line); m != nil {
			lastLog = m[1]
			continue
		}
		lastLog = ""
	}
}
