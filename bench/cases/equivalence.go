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
	"time"
)

// ExpectedFile is the path of the expected results relative to a module
// directory under bench/ (bench/switchyard writes it with -update).
const ExpectedFile = "../cases/expected.json"

//go:embed expected.json
var expectedJSON []byte

// Expected holds what Switchyard serves for every equivalence context of
// every flag. The Switchyard module writes it (go test -run TestEquivalence
// -update in bench/switchyard) and checks it on every run, so it cannot
// drift from the evaluator.
type Expected struct {
	Note           string            `json:"note"`
	Contexts       int               `json:"contexts"`
	ContextsDigest string            `json:"contextsDigest"`
	Served         map[string]string `json:"served"` // flag key → one character per context: '1' on, '0' off, 'r' bucketed by the flag's rollout
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
// equivalence context (Suite.Contexts), or an error (a *NotExpressible for
// a flag the SDK cannot express). Check calls it from several goroutines at
// once.
type VariantFunc func(flag string, i int) (string, error)

// RecordFunc is what Record needs from Switchyard: the variant, and whether
// it came from bucketing the flag's rollout (reason SPLIT).
type RecordFunc func(flag string, i int) (variant string, split bool, err error)

// checkBudget bounds the time the check spends on one flag of one SDK: an
// SDK slower than that over all contexts (go-feature-flag and flagd re-read
// the segment's key list on every call, up to 0.2 s per evaluation) is
// checked on an evenly spaced sample instead, which its EQUIV line names.
const checkBudget = 30 * time.Second

// LoadExpected returns the embedded expected results.
func LoadExpected() (*Expected, error) {
	var e Expected
	if err := json.Unmarshal(expectedJSON, &e); err != nil {
		return nil, fmt.Errorf("cases: expected.json: %w (regenerate: cd bench/switchyard && go test -run TestEquivalence -update)", err)
	}
	return &e, nil
}

// Record evaluates every flag for every equivalence context.
func (s *Suite) Record(variant RecordFunc) (*Expected, error) {
	ctxs := len(s.Contexts())
	e := &Expected{
		Note:           "Written by `cd bench/switchyard && go test -run TestEquivalence -update`: what Switchyard serves per equivalence context ('1' on, '0' off, 'r' bucketed by the flag's rollout).",
		Contexts:       ctxs,
		ContextsDigest: s.ContextsDigest(),
		Served:         map[string]string{},
	}
	for _, f := range s.Flags {
		var b strings.Builder
		for i := range ctxs {
			v, split, err := variant(f.Key, i)
			if err != nil {
				return nil, err
			}
			switch {
			case split && f.Split() != nil:
				b.WriteByte('r')
			case split:
				return nil, fmt.Errorf("cases: flag %s, context %d: served by a split, but the flag has no rollout", f.Key, i)
			case v == On:
				b.WriteByte('1')
			case v == Off:
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

// Check is the equivalence check that runs before timing. For every
// equivalence context (Suite.Contexts) on which Switchyard serves a fixed
// variant (expected.json), sdk must serve the same variant; over the
// contexts Switchyard buckets by the flag's rollout, the share of each
// variant must be within the larger of the suite's tolerance (±1
// percentage point) and three standard deviations of a binomial share of
// that many contexts (the check cannot demand more of a few thousand
// contexts) of its weight. An SDK that would take longer than checkBudget
// on a flag is checked on an evenly spaced sample of the contexts. Check
// logs one line per flag starting with "EQUIV", which the bench driver
// copies into docs/PERFORMANCE.md.
func (s *Suite) Check(t testing.TB, sdk string, variant VariantFunc) {
	t.Helper()
	exp, err := LoadExpected()
	if err != nil {
		t.Fatal(err)
	}
	ctxs := s.Contexts()
	n := len(ctxs)
	if exp.Contexts != n || exp.ContextsDigest != s.ContextsDigest() {
		t.Fatalf("cases: expected.json is stale (contexts %d digest %s, generators give %d %s); regenerate: cd bench/switchyard && go test -run TestEquivalence -update",
			exp.Contexts, exp.ContextsDigest, n, s.ContextsDigest())
	}
	for _, f := range s.Flags {
		want, ok := exp.Served[f.Key]
		if !ok || len(want) != n {
			t.Fatalf("cases: expected.json has no results for flag %s; regenerate: cd bench/switchyard && go test -run TestEquivalence -update", f.Key)
		}
		idx, served, err := evaluateAll(n, checkBudget, time.Now, func(i int) (string, error) { return variant(f.Key, i) })
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
		ok, detail := s.compare(t, sdk, f, want, idx, served, ctxs)
		if len(idx) < n {
			detail += fmt.Sprintf("; sampled: %d of %d contexts, one in %d (all would take this SDK more than %s)", len(idx), n, idx[1]-idx[0], checkBudget)
		}
		t.Logf("EQUIV sdk=%s flag=%s result=%s detail=%q", sdk, f.Key, passFail(ok), detail)
	}
}

// compare checks the variants served for the contexts idx against
// Switchyard's (want, one character per context) and returns the verdict
// and the EQUIV line's detail.
func (s *Suite) compare(t testing.TB, sdk string, f Flag, want string, idx []int, served []string, ctxs []map[string]any) (bool, string) {
	t.Helper()
	agree, fixed, shown, on, splitOn, splitN := 0, 0, 0, 0, 0, 0
	for j, i := range idx {
		v := served[j]
		if v == On {
			on++
		}
		if want[i] == 'r' {
			splitN++
			if v == On {
				splitOn++
			}
			continue
		}
		fixed++
		w := Off
		if want[i] == '1' {
			w = On
		}
		if v == w {
			agree++
		} else if shown++; shown <= 5 {
			t.Errorf("%s: flag %s, context %d %v: got %q, want %q (as Switchyard)", sdk, f.Key, i, ctxs[i], v, w)
		}
	}
	ok := agree == fixed
	var parts []string
	if fixed > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d contexts agree with Switchyard (on for %d)", agree, fixed, on-splitOn))
	}
	if split := f.Split(); split != nil && splitN > 0 {
		total, onWeight := 0, 0
		for _, w := range split {
			total += w.Weight
			if w.Variant == On {
				onWeight += w.Weight
			}
		}
		got := 100 * float64(splitOn) / float64(splitN)
		wantPct := 100 * float64(onWeight) / float64(total)
		tol := SplitTolerance(s.Equivalence.TolerancePercent, wantPct, splitN)
		if math.Abs(got-wantPct) > tol {
			ok = false
			t.Errorf("%s: flag %s serves on to %.2f%% of the %d contexts its rollout buckets, want %.0f%% ± %.2f", sdk, f.Key, got, splitN, wantPct, tol)
		}
		parts = append(parts, fmt.Sprintf("split on %.2f%% / off %.2f%% of %d contexts (± %.2f)", got, 100-got, splitN, tol))
	}
	return ok, strings.Join(parts, "; ")
}

// SplitTolerance is how far, in percentage points, the share of a variant of
// weight wantPct % may be from it over n bucketed contexts: the larger of
// the suite's tolerance and three binomial standard deviations.
func SplitTolerance(tolerance, wantPct float64, n int) float64 {
	p := wantPct / 100
	return max(tolerance, 300*math.Sqrt(p*(1-p)/float64(n)))
}

// evaluateAll calls variant for the contexts 0..n-1 on GOMAXPROCS
// goroutines (the slowest peers take milliseconds per evaluation) and
// returns the indices evaluated and the results in order, or the error of
// the lowest failing index. Indices 0 and 1 run first, alone and timed, so
// a NotExpressible flag costs one call and an SDK that would take longer
// than budget for all n is given every k-th index instead.
func evaluateAll(n int, budget time.Duration, now func() time.Time, variant func(i int) (string, error)) ([]int, []string, error) {
	if n == 0 {
		return nil, nil, nil
	}
	first := make([]string, min(n, 2))
	var each time.Duration
	for i := range first {
		start := now()
		v, err := variant(i)
		if err != nil {
			return nil, nil, err
		}
		first[i] = v
		if d := now().Sub(start); i == 0 || d < each {
			each = d
		}
	}
	workers := runtime.GOMAXPROCS(0)
	stride := 1
	if estimate := each * time.Duration(n) / time.Duration(workers); estimate > budget {
		stride = int(math.Ceil(float64(estimate) / float64(budget)))
	}
	var idx []int
	for i := 0; i < n; i += stride {
		idx = append(idx, i)
	}
	out := make([]string, len(idx))
	errs := make([]error, len(idx))
	out[0] = first[0]
	if stride == 1 && n > 1 {
		out[1] = first[1]
	}
	done := 1
	if stride == 1 {
		done = len(first)
	}
	var wg sync.WaitGroup
	var failed atomic.Bool
	for w := range workers {
		wg.Go(func() {
			for j := done + w; j < len(idx) && !failed.Load(); j += workers {
				if out[j], errs[j] = variant(idx[j]); errs[j] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return idx, out, nil
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}
