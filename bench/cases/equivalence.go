package cases

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// ExpectedFile is the path of the expected results relative to a module
// directory under bench/ (bench/switchyard writes it with -update).
const ExpectedFile = "../cases/expected.json"

//go:embed expected.json
var expectedJSON []byte

// Expected holds the variant Switchyard serves for every generated context
// of every flag that is not a rollout. The Switchyard module writes it
// (go test -run TestEquivalence -update in bench/switchyard) and checks it
// on every run, so it cannot drift from the evaluator.
type Expected struct {
	Note           string            `json:"note"`
	Contexts       int               `json:"contexts"`
	ContextsDigest string            `json:"contextsDigest"`
	Served         map[string]string `json:"served"` // flag key → one character per context: '1' on, '0' off
}

// NotExpressible is returned by an SDK's translation for a case it has no
// way to express; the table says so instead of timing something else.
type NotExpressible struct {
	SDK, Flag, Reason string
}

func (e *NotExpressible) Error() string {
	return fmt.Sprintf("%s cannot express flag %s: %s", e.SDK, e.Flag, e.Reason)
}

// VariantFunc returns the variant an SDK serves for flag and the i-th
// generated context, or an error (a *NotExpressible for a flag the SDK
// cannot express). Check calls it from several goroutines at once.
type VariantFunc func(flag string, i int) (string, error)

// LoadExpected returns the embedded expected results.
func LoadExpected() (*Expected, error) {
	var e Expected
	if err := json.Unmarshal(expectedJSON, &e); err != nil {
		return nil, fmt.Errorf("cases: expected.json: %w (regenerate: cd bench/switchyard && go test -run TestEquivalence -update)", err)
	}
	return &e, nil
}

// Record evaluates every non-rollout flag for every generated context.
func (s *Suite) Record(variant VariantFunc) (*Expected, error) {
	e := &Expected{
		Note:           "Written by `cd bench/switchyard && go test -run TestEquivalence -update`: the variant Switchyard serves per generated context ('1' on, '0' off).",
		Contexts:       s.Equivalence.Contexts,
		ContextsDigest: s.ContextsDigest(),
		Served:         map[string]string{},
	}
	for _, f := range s.Flags {
		if f.IsRollout() {
			continue
		}
		var b strings.Builder
		for i := range e.Contexts {
			v, err := variant(f.Key, i)
			if err != nil {
				return nil, err
			}
			switch v {
			case On:
				b.WriteByte('1')
			case Off:
				b.WriteByte('0')
			default:
				return nil, fmt.Errorf("cases: flag %s, context %d: variant %q is neither on nor off", f.Key, i, v)
			}
		}
		e.Served[f.Key] = b.String()
	}
	return e, nil
}

// WriteFile writes e as JSON to path.
func (e *Expected) WriteFile(path string) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// Check is the equivalence check that runs before timing. For every flag
// that is not a rollout, sdk must serve the variant Switchyard serves
// (expected.json) for each of the generated contexts; for the rollout
// flag, the share of each variant must be within the suite's tolerance
// (±1 percentage point) of its weight. It logs one line per flag starting
// with "EQUIV", which the bench driver copies into docs/PERFORMANCE.md.
func (s *Suite) Check(t testing.TB, sdk string, variant VariantFunc) {
	t.Helper()
	exp, err := LoadExpected()
	if err != nil {
		t.Fatal(err)
	}
	if exp.Contexts != s.Equivalence.Contexts || exp.ContextsDigest != s.ContextsDigest() {
		t.Fatalf("cases: expected.json is stale (contexts %d digest %s, generator gives %d %s); regenerate: cd bench/switchyard && go test -run TestEquivalence -update",
			exp.Contexts, exp.ContextsDigest, s.Equivalence.Contexts, s.ContextsDigest())
	}
	n := s.Equivalence.Contexts
	for _, f := range s.Flags {
		served, err := evaluateAll(n, func(i int) (string, error) { return variant(f.Key, i) })
		var ne *NotExpressible
		switch {
		case errors.As(err, &ne):
			t.Logf("EQUIV sdk=%s flag=%s result=not-expressible detail=%q", sdk, f.Key, ne.Reason)
			continue
		case err != nil:
			t.Errorf("%s: flag %s: %v", sdk, f.Key, err)
			t.Logf("EQUIV sdk=%s flag=%s result=FAIL detail=%q", sdk, f.Key, err.Error())
			continue
		}
		counts := map[string]int{}
		for _, v := range served {
			counts[v]++
		}
		if f.IsRollout() {
			ok := true
			var parts []string
			total := 0
			for _, w := range f.Default.Rollout {
				total += w.Weight
			}
			for _, w := range f.Default.Rollout {
				got := 100 * float64(counts[w.Variant]) / float64(n)
				want := 100 * float64(w.Weight) / float64(total)
				parts = append(parts, fmt.Sprintf("%s %.2f%%", w.Variant, got))
				if math.Abs(got-want) > s.Equivalence.TolerancePercent {
					ok = false
					t.Errorf("%s: flag %s serves %s to %.2f%% of %d contexts, want %.0f%% ± %.0f", sdk, f.Key, w.Variant, got, n, want, s.Equivalence.TolerancePercent)
				}
			}
			t.Logf("EQUIV sdk=%s flag=%s result=%s detail=%q", sdk, f.Key, passFail(ok), "split "+strings.Join(parts, " / ")+fmt.Sprintf(" of %d contexts", n))
			continue
		}
		agree, shown := 0, 0
		for i, v := range served {
			want := Off
			if exp.Served[f.Key][i] == '1' {
				want = On
			}
			if v == want {
				agree++
			} else if shown++; shown <= 5 {
				t.Errorf("%s: flag %s, context %d %v: got %q, want %q (as Switchyard)", sdk, f.Key, i, s.Contexts()[i], v, want)
			}
		}
		t.Logf("EQUIV sdk=%s flag=%s result=%s detail=%q", sdk, f.Key, passFail(agree == n), fmt.Sprintf("%d/%d contexts agree with Switchyard (on for %d)", agree, n, counts[On]))
	}
}

// evaluateAll calls variant for 0..n-1 on GOMAXPROCS goroutines (the
// slowest peers take milliseconds per evaluation) and returns the results
// in order, or the error of the lowest failing index. Index 0 runs first,
// alone, so a NotExpressible flag costs one call.
func evaluateAll(n int, variant func(i int) (string, error)) ([]string, error) {
	out := make([]string, n)
	errs := make([]error, n)
	if n == 0 {
		return out, nil
	}
	if out[0], errs[0] = variant(0); errs[0] != nil {
		return nil, errs[0]
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var failed atomic.Bool
	for w := range workers {
		wg.Go(func() {
			for i := 1 + w; i < n && !failed.Load(); i += workers {
				if out[i], errs[i] = variant(i); errs[i] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}
