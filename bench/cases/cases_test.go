package cases

import (
	"testing"
)

func TestLoad(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Segment("big").Included); got != 10000 {
		t.Errorf("segment big has %d keys, want 10000", got)
	}
	if got := len(s.Flag("hundred-rules").Rules); got != 100 {
		t.Errorf("hundred-rules has %d rules, want 100", got)
	}
	if v, ok := s.BenchContext["seats"].(int); !ok || v != 250 {
		t.Errorf("BenchContext[seats] = %#v, want int 250", s.BenchContext["seats"])
	}
}

func TestContextsAreStable(t *testing.T) {
	s := MustLoad()
	a, b := s.Contexts(), s.Contexts()
	if len(a) != s.Equivalence.Contexts {
		t.Fatalf("Contexts() has %d contexts, want %d", len(a), s.Equivalence.Contexts)
	}
	seen := map[any]bool{}
	inSegment := 0
	big := map[string]bool{}
	for _, k := range s.Segment("big").Included {
		big[k] = true
	}
	for i := range a {
		if a[i][TargetingKey] != b[i][TargetingKey] || a[i]["email"] != b[i]["email"] {
			t.Fatalf("context %d differs between calls", i)
		}
		if seen[a[i][TargetingKey]] {
			t.Fatalf("context %d repeats targeting key %v", i, a[i][TargetingKey])
		}
		seen[a[i][TargetingKey]] = true
		if big[a[i][TargetingKey].(string)] {
			inSegment++
		}
	}
	if inSegment < 4500 || inSegment > 5500 {
		t.Errorf("%d of %d contexts are in segment big, want about half", inSegment, len(a))
	}
}
