package cases

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// ServeEnv is the environment variable that turns an SDK module's
// TestServe into a benchmark server for cmd/perf.
const ServeEnv = "BENCH_SERVE"

// ServeBenchmarks is TestServe of every SDK module: when ServeEnv is "1", it builds
// the module's benchmark bodies once (setup builds them: name → the body
// BenchmarkEvaluate runs as case=name) and then, for every line read from
// standard input, runs the named body with testing.Benchmark (for the
// binary's -test.benchtime) and writes one line "SERVE case=… n=… ns=…
// bytes=… allocs=…" to standard output; an empty line or end of input ends
// it. cmd/perf keeps one such process per SDK alive, so that it can
// alternate short rounds of two SDKs without paying a process start and the
// SDK's setup for every round. Without ServeEnv the test is skipped.
func ServeBenchmarks(t *testing.T, setup func() map[string]func(*testing.B)) {
	if os.Getenv(ServeEnv) != "1" {
		t.Skip("benchmark server for cmd/perf; runs with " + ServeEnv + "=1")
	}
	if err := serve(os.Stdin, os.Stdout, setup()); err != nil {
		t.Fatal(err)
	}
}

func serve(in io.Reader, out io.Writer, bodies map[string]func(*testing.B)) error {
	if _, err := fmt.Fprintln(out, "SERVE ready"); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if name == "" {
			return nil
		}
		body, ok := bodies[name]
		var line string
		switch r := testing.Benchmark(runBody(body, ok)); {
		case !ok:
			line = fmt.Sprintf("SERVE case=%s error=%q", name, "no such case")
		case r.N == 0:
			line = fmt.Sprintf("SERVE case=%s error=%q", name, "the benchmark failed or skipped; run it with go test -bench to see why")
		default:
			line = fmt.Sprintf("SERVE case=%s n=%d ns=%g bytes=%d allocs=%d", name, r.N, float64(r.T.Nanoseconds())/float64(r.N), r.AllocedBytesPerOp(), r.AllocsPerOp())
		}
		if _, err := fmt.Fprintln(out, line); err != nil {
			return err
		}
	}
	return sc.Err()
}

func runBody(body func(*testing.B), ok bool) func(*testing.B) {
	if !ok {
		return func(b *testing.B) { b.Skip() }
	}
	return func(b *testing.B) {
		b.ReportAllocs()
		body(b)
	}
}
