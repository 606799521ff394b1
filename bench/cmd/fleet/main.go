// Command fleet simulates a fleet of Switchyard remote-source providers
// against the flag-service test double (client/clienttest) in one process,
// and measures what SPEC section 7 ("Fleet") sets targets for: how long a
// ruleset change takes to reach every provider over the stream, how their
// reconnections spread when the service restarts and what the first
// minute after it costs, token requests, and memory and goroutines per
// instance.
//
// Run it from this directory (it is a module of its own, so that bench/
// stays free of dependencies):
//
//	go run . [-n 1000] [-outages 5s,0s] [-observe 60s] [-stream-retry 15s]
//
// It writes a markdown fragment (-out, default docs/fleet.md of the
// repository) and an SVG plot of reconnections per 100 ms after each
// restart (-svg, default docs/fleet.svg). It exits non-zero when the run
// fails (a provider that does not initialise, a change that does not reach
// every provider, streams that do not all reopen within -timeout), never
// because a performance target is missed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// A finer heap sampling rate than the default 512 KiB, so that the
// double's share of the heap can be told apart per instance; set before
// anything is allocated.
var _ = func() int { runtime.MemProfileRate = 32 << 10; return 0 }()

type config struct {
	n, flags, changes, parallel int
	outages                     []time.Duration
	observe, timeout            time.Duration
	streamRetry                 time.Duration
	expireTokens                bool
	out, svg, cpuprofile        string
	command                     string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.IntVar(&cfg.n, "n", 1000, "number of providers")
	fs.IntVar(&cfg.flags, "flags", 100, "boolean flags in the ruleset (plus the probe flag each change flips)")
	fs.IntVar(&cfg.changes, "changes", 5, "ruleset changes to time before the restarts")
	fs.IntVar(&cfg.parallel, "parallel", 64, "providers initialised at once")
	outages := fs.String("outages", "5s,0s", "comma-separated outage durations, one restart of the service each")
	fs.DurationVar(&cfg.observe, "observe", time.Minute, "observation window after each restart (the SPEC's first minute)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "how long a change may take to reach every provider, and streams to reopen after the window, before the run fails")
	root := repoRoot()
	fs.StringVar(&cfg.out, "out", filepath.Join(root, "docs", "fleet.md"), "markdown fragment to write")
	fs.StringVar(&cfg.svg, "svg", filepath.Join(root, "docs", "fleet.svg"), "SVG plot to write")
	fs.DurationVar(&cfg.streamRetry, "stream-retry", 15*time.Second, "the reconnection time the service sets on its streams (SSE retry; 0 for none): providers spread their reconnections over it")
	fs.BoolVar(&cfg.expireTokens, "expire-tokens", false, "the restarted service has forgotten every token it issued (clients must fetch new ones)")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run here")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", fs.Arg(0))
	}
	for _, s := range strings.Split(*outages, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return cfg, fmt.Errorf("-outages: %q is not a duration ≥ 0 (such as 5s or 0s)", s)
		}
		cfg.outages = append(cfg.outages, d)
	}
	switch {
	case cfg.n < 1:
		return cfg, fmt.Errorf("-n %d: use at least 1 provider", cfg.n)
	case cfg.flags < 0 || cfg.changes < 0:
		return cfg, errors.New("-flags and -changes must not be negative")
	case cfg.parallel < 1:
		return cfg, fmt.Errorf("-parallel %d: use at least 1", cfg.parallel)
	case cfg.observe <= 0 || cfg.timeout <= 0:
		return cfg, errors.New("-observe and -timeout must be positive durations")
	}
	cfg.command = "go run . " + strings.Join(args, " ")
	return cfg, nil
}

// repoRoot finds the root module's directory above the working directory,
// or returns "." when there is none.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/switchyardhq/switchyard\n") {
			return d
		}
		if filepath.Dir(d) == d {
			return "."
		}
	}
}

// resources is what the process holds at one moment.
type resources struct {
	heapAlloc, heapInuse, stack uint64
	serverHeap                  float64 // the double's part of heapAlloc, estimated from the heap profile
	gServer, gHarness, gOther   int
	fds                         int
	rss                         int64 // bytes; -1 when unknown
}

func measure() resources {
	runtime.GC()
	runtime.GC() // the heap profile describes the heap as of the last completed GC
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r := resources{heapAlloc: ms.HeapAlloc, heapInuse: ms.HeapInuse, stack: ms.StackInuse, serverHeap: serverHeapBytes(), rss: -1}
	r.gServer, r.gHarness, r.gOther = goroutineCounts()
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		r.fds = len(ents)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
				r.rss = kb << 10
			}
		}
	}
	return r
}

// results is everything the report shows.
type results struct {
	cfg                   config
	started               time.Time
	docBytes              int
	initTime              time.Duration
	before, after         resources
	changes               []change
	restarts              []restart
	afterRestart          []change // one change after each restart
	tokenMean             float64
	tokenMax              int
	goVersion, platform   string
	loadBefore, loadAfter string // /proc/loadavg: the machine is shared
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func run(cfg config) error {
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res := &results{cfg: cfg, started: time.Now().UTC(), goVersion: runtime.Version(),
		platform: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU()),
		docBytes: len(document(tenantOf(0), "v0", cfg.flags, false)), loadBefore: loadavg()}
	logf("fleet: %d providers, ruleset of %d flags (%d bytes)", cfg.n, cfg.flags+1, res.docBytes)

	res.before = measure()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout+time.Duration(cfg.n)*20*time.Millisecond)
	f, err := newFleet(ctx, cfg.n, cfg.flags, cfg.parallel, cfg.streamRetry)
	cancel()
	if f != nil {
		defer f.shutdown()
	}
	if err != nil {
		return err
	}
	res.initTime = time.Since(start)
	logf("fleet: all %d initialised and streaming after %v", cfg.n, res.initTime.Round(time.Millisecond))

	readers, stopReaders := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopReaders()
	f.readEvents(readers, &wg)
	res.after = measure()

	var failures []string
	version := 0
	next := func() (string, bool) { version++; return fmt.Sprintf("v%d", version), version%2 == 1 }
	for range cfg.changes {
		v, probe := next()
		c := f.propagate(v, probe, cfg.timeout)
		res.changes = append(res.changes, c)
		s := summarize(c.latencies)
		logf("fleet: change %s: p50 %v p99 %v max %v, all reached after %v, %d missing", v, s.p50, s.p99, s.max, c.all, c.missing)
		if c.missing > 0 {
			failures = append(failures, fmt.Sprintf("change %s reached only %d of %d providers within %v", v, cfg.n-c.missing, cfg.n, cfg.timeout))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, outage := range cfg.outages {
		logf("fleet: restarting the service with a %v outage, observing %v", outage, cfg.observe)
		r, err := f.restartService(outage, cfg.observe, cfg.timeout, cfg.expireTokens)
		if err != nil {
			return err
		}
		res.restarts = append(res.restarts, r)
		count, _ := maxWindow(r.streamOpens, time.Second)
		logf("fleet: outage %v: %d reconnections, at most %d (%.1f %%) in a 1 s window; all streams open %v after the restart",
			outage, len(r.streamOpens), count, 100*float64(count)/float64(cfg.n), r.reconnected.Round(time.Millisecond))
		if r.reconnectErr != nil {
			failures = append(failures, fmt.Sprintf("after the %v outage: %v", outage, r.reconnectErr))
			continue
		}
		v, probe := next()
		c := f.propagate(v, probe, cfg.timeout)
		res.afterRestart = append(res.afterRestart, c)
		if c.missing > 0 {
			failures = append(failures, fmt.Sprintf("change %s after the %v outage reached only %d of %d providers", v, outage, cfg.n-c.missing, cfg.n))
		}
	}
	res.tokenMean, res.tokenMax = f.tokenRequests()
	res.loadAfter = loadavg()

	if err := writeOutputs(res); err != nil {
		return err
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "; "))
	}
	return nil
}

func writeOutputs(res *results) error {
	for _, p := range []string{res.cfg.out, res.cfg.svg} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(res.cfg.svg, reconnectPlot(res).svg(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(res.cfg.out, []byte(report(res)), 0o644); err != nil {
		return err
	}
	logf("fleet: wrote %s and %s", res.cfg.out, res.cfg.svg)
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
