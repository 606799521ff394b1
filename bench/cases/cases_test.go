package cases

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Segment("big").Included); got != 10000 {
		t.Errorf("segment big has %d keys, want 10000", got)
	}
	if got := len(s.Segment("huge").Included); got != 100000 {
		t.Errorf("segment huge has %d keys, want 100000", got)
	}
	if got := len(s.Flag("hundred-rules").Rules); got != 100 {
		t.Errorf("hundred-rules has %d rules, want 100", got)
	}
	if v, ok := s.BenchContext["seats"].(int); !ok || v != 250 {
		t.Errorf("BenchContext[seats] = %#v, want int 250", s.BenchContext["seats"])
	}
	if sp := s.Flag("three-rules-rollout").Split(); len(sp) != 2 || sp[0].Weight != 20 {
		t.Errorf("three-rules-rollout's split = %v, want the 20/80 of its third rule", sp)
	}
	if f := s.Flag("three-rules-rollout"); f.IsRollout() || !s.Flag("rollout").IsRollout() {
		t.Error("IsRollout must hold for the rollout flag only")
	}
}

// TestRealisticTwins checks that every benchmark of cases.json is followed
// by its realistic twin.
func TestRealisticTwins(t *testing.T) {
	s := MustLoad()
	if len(s.Benchmarks)%2 != 0 {
		t.Fatalf("%d benchmarks, want pairs", len(s.Benchmarks))
	}
	for i := 0; i < len(s.Benchmarks); i += 2 {
		fixed, twin := s.Benchmarks[i], s.Benchmarks[i+1]
		if fixed.Realistic || !twin.Realistic || twin.Name != fixed.Name+RealisticSuffix ||
			twin.Base != fixed.Name || fixed.Base != fixed.Name || twin.Flag != fixed.Flag || twin.Parallel != fixed.Parallel || twin.Want != "" {
			t.Errorf("benchmarks %d, %d = %+v, %+v; want a fixed one and its realistic twin", i, i+1, fixed, twin)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	for name, edit := range map[string]func(*Suite){
		"rule with variant and rollout": func(s *Suite) {
			s.Flag("three-rules").Rules[0].Rollout = []Weight{{On, 50}, {Off, 50}}
		},
		"rule with neither": func(s *Suite) { s.Flag("three-rules").Rules[0].Variant = "" },
		"two rollouts": func(s *Suite) {
			f := s.Flag("three-rules-rollout")
			f.Default = Serve{Rollout: []Weight{{On, 50}, {Off, 50}}}
		},
		"no realistic contexts": func(s *Suite) { s.Realistic.Contexts = 0 },
	} {
		s := MustLoad()
		edit(s)
		if err := s.validate(); err == nil {
			t.Errorf("%s: validate() = nil, want an error", name)
		}
	}
}

func TestContextsAreStable(t *testing.T) {
	s := MustLoad()
	a, b := s.Contexts(), s.Contexts()
	if want := s.Equivalence.Contexts + s.Realistic.Contexts; len(a) != want {
		t.Fatalf("Contexts() has %d contexts, want %d generated + realistic", len(a), want)
	}
	for i := range a {
		if a[i][TargetingKey] != b[i][TargetingKey] || a[i]["email"] != b[i]["email"] {
			t.Fatalf("context %d differs between calls", i)
		}
	}
	gen := a[:s.Equivalence.Contexts]
	if got := distinctKeys(t, gen); got != len(gen) {
		t.Fatalf("generated contexts repeat targeting keys")
	}
	if in := share(gen, s.Segment("big")); in < 0.45 || in > 0.55 {
		t.Errorf("%.2f of generated contexts are in segment big, want about half", in)
	}
}

func TestRealisticContexts(t *testing.T) {
	s := MustLoad()
	rc := s.RealisticContexts()
	if len(rc) < 1000 {
		t.Fatalf("%d realistic contexts, want at least 1 000", len(rc))
	}
	if got := distinctKeys(t, rc); got != len(rc) {
		t.Errorf("realistic contexts have %d distinct targeting keys of %d", got, len(rc))
	}
	for i, c := range rc {
		if len(c) != 11 {
			t.Fatalf("realistic context %d has %d entries, want a targeting key and 10 attributes: %v", i, len(c), c)
		}
	}
	if in := share(rc, s.Segment("huge")); in < 0.45 || in > 0.55 {
		t.Errorf("%.2f of realistic contexts are in segment huge, want about half", in)
	}
	if got := fmt.Sprint(s.RealisticContexts()[7]); got != fmt.Sprint(rc[7]) {
		t.Errorf("realistic context 7 differs between calls")
	}
}

func distinctKeys(t *testing.T, cs []map[string]any) int {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c[TargetingKey].(string)] = true
	}
	return len(seen)
}

func share(cs []map[string]any, sg *Segment) float64 {
	in := map[string]bool{}
	for _, k := range sg.Included {
		in[k] = true
	}
	n := 0
	for _, c := range cs {
		if in[c[TargetingKey].(string)] {
			n++
		}
	}
	return float64(n) / float64(len(cs))
}

func TestSplitTolerance(t *testing.T) {
	if got := SplitTolerance(1, 20, 100000); got != 1 {
		t.Errorf("SplitTolerance over 100 000 contexts = %v, want the suite's 1 point", got)
	}
	if got, want := SplitTolerance(1, 20, 2500), 300*math.Sqrt(0.2*0.8/2500); math.Abs(got-want) > 1e-9 || got <= 1 {
		t.Errorf("SplitTolerance over 2 500 contexts = %v, want 3 sigma = %v", got, want)
	}
}

// TestEvaluateAllSamplesSlowSDKs checks that a slow variant function is
// given an evenly spaced sample and a fast one every context.
func TestEvaluateAllSamplesSlowSDKs(t *testing.T) {
	calls := func(d time.Duration) (int, []int) {
		n := 0
		var mu sync.Mutex
		clock := time.Unix(0, 0)
		now := func() time.Time { // each call of the SDK takes d of this clock
			mu.Lock()
			defer mu.Unlock()
			return clock
		}
		idx, out, err := evaluateAll(1000, 50*time.Millisecond, now, func(i int) (string, error) {
			mu.Lock()
			clock = clock.Add(d)
			mu.Unlock()
			return fmt.Sprint(i), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for j, i := range idx {
			if out[j] != fmt.Sprint(i) {
				t.Fatalf("result %d is %q, want context %d's", j, out[j], i)
			}
			n++
		}
		return n, idx
	}
	if n, _ := calls(0); n != 1000 {
		t.Errorf("fast SDK: %d contexts checked, want all 1000", n)
	}
	n, idx := calls(2 * time.Millisecond) // 1000 × 2 ms ≫ 50 ms
	if n >= 1000 || n < 10 || idx[0] != 0 || idx[1]-idx[0] != idx[2]-idx[1] {
		t.Errorf("slow SDK: checked %d contexts %v…, want an evenly spaced sample from 0", n, idx[:min(3, len(idx))])
	}
}
