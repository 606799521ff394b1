package evaluator

import (
	"testing"
	"testing/quick"
)

// TestLocJoinsLikePathHelpers checks that a loc renders exactly the path
// pathKey and pathIndex build eagerly, for chains of members (plain and
// quoted names) and indexes; error paths are part of the API.
func TestLocJoinsLikePathHelpers(t *testing.T) {
	names := []string{"rules", "a.b", "", "x y", `q"t`, "variants", "ünï", "flag-1"}
	check := func(steps []uint8) bool {
		base := "flags.f"
		want := base
		var chain []loc
		chain = append(chain, root(base))
		for _, s := range steps {
			last := &chain[len(chain)-1]
			var next loc
			if s%3 == 0 {
				next = last.at(int(s))
				want = pathIndex(want, int(s))
			} else {
				name := names[int(s)%len(names)]
				next = last.member(name)
				want = pathKey(want, name)
			}
			chain = append(chain, next)
			// chain may have moved: re-link every element to its predecessor.
			for i := 1; i < len(chain); i++ {
				chain[i].up = &chain[i-1]
			}
			if got := chain[len(chain)-1].String(); got != want {
				t.Logf("steps %v: got %q, want %q", steps, got, want)
				return false
			}
		}
		return true
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 2000}); err != nil {
		t.Fatal(err)
	}
	empty := root("")
	if got := empty.String(); got != "" {
		t.Errorf("empty root = %q", got)
	}
	k := empty.member("k")
	if got, want := k.String(), pathKey("", "k"); got != want {
		t.Errorf("member of empty root = %q, want %q", got, want)
	}
}
