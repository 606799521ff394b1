package evaluator

import (
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// indexKeys returns key sets that exercise every branch of hashString and
// of the in-line comparison in flagIndex.get: every length from 0 to 40,
// keys that differ only in their first, middle or last byte, and a large
// set shaped like real flag keys and targeting keys.
func indexKeys() map[string][]string {
	sets := map[string][]string{}
	var lengths []string
	for n := range 41 {
		lengths = append(lengths, strings.Repeat("k", n))
	}
	sets["every length"] = lengths
	for _, n := range []int{1, 3, 4, 7, 8, 9, 15, 16, 17, 33} {
		var near []string
		for _, pos := range []int{0, n / 2, n - 1} {
			for c := byte('a'); c <= 'z'; c++ {
				b := []byte(strings.Repeat("x", n))
				b[pos] = c
				near = append(near, string(b))
			}
		}
		sets["length "+strconv.Itoa(n)+", one byte differs"] = dedupe(near)
	}
	var many []string
	for i := range 10000 {
		many = append(many, "user-"+strconv.Itoa(i))
	}
	sets["10000 targeting keys"] = many
	for _, n := range []int{254, 255} { // either side of one-byte slots
		var list []string
		for i := range n {
			list = append(list, "w-"+strconv.Itoa(i))
		}
		sets[strconv.Itoa(n)+" keys"] = list
	}
	return sets
}

func dedupe(keys []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// absentKeys returns keys close to, but not in, keys.
func absentKeys(keys []string) []string {
	in := map[string]bool{}
	for _, k := range keys {
		in[k] = true
	}
	var out []string
	for _, k := range keys {
		for _, cand := range []string{k + "!", "!" + k, strings.ToUpper(k), k + k} {
			if !in[cand] {
				out = append(out, cand)
			}
		}
		if k != "" {
			b := []byte(k)
			b[len(b)-1]++
			if !in[string(b)] {
				out = append(out, string(b))
			}
		}
	}
	return out
}

// TestIndexFindsEveryKey checks both tables over keys of every shape. It
// also guards the copies of hashString written out in flagIndex.get and
// stringIndex.find (were a copy to disagree, keys placed by one would not
// be found by the other) and find's in-line key comparison (the "one byte
// differs" sets).
func TestIndexFindsEveryKey(t *testing.T) {
	for name, keys := range indexKeys() {
		t.Run(name, func(t *testing.T) {
			flags := make([]*flag, len(keys))
			for i, k := range keys {
				flags[i] = &flag{key: k}
			}
			fx := newFlagIndex(flags)
			sx := newStringIndex(keys)
			for i, k := range keys {
				if got := fx.get(k); got != flags[i] {
					t.Fatalf("flagIndex.get(%q) = %v, want the flag with that key", k, got)
				}
				if got := sx.find(k); got != i {
					t.Fatalf("stringIndex.find(%q) = %d, want %d", k, got, i)
				}
			}
			for _, k := range absentKeys(keys) {
				if got := fx.get(k); got != nil {
					t.Fatalf("flagIndex.get(%q) = flag %q, want nil", k, got.key)
				}
				if got := sx.find(k); got != -1 {
					t.Fatalf("stringIndex.find(%q) = %d, want -1", k, got)
				}
			}
		})
	}
}

func TestIndexEmpty(t *testing.T) {
	var fx flagIndex
	if got := fx.get("a"); got != nil {
		t.Errorf("empty flagIndex.get = %v, want nil", got)
	}
	fx = newFlagIndex(nil)
	if got := fx.get(""); got != nil {
		t.Errorf("empty flagIndex.get = %v, want nil", got)
	}
	sx := newStringIndex(nil)
	if sx.has("a") || sx.has("") {
		t.Error("empty stringIndex has a key")
	}
}

// TestIndexProbeBound checks the guarantee lookups rely on: no key needs
// more than maxProbe steps past its home slot, and the load factor stays
// at or below one half.
func TestIndexProbeBound(t *testing.T) {
	for name, keys := range indexKeys() {
		sx := newStringIndex(keys)
		slot := sx.slot
		if size := len(sx.slots) + len(sx.small); 2*len(keys) > size {
			t.Errorf("%s: %d keys in %d slots, want at most half full", name, len(keys), size)
		}
		if (sx.small != nil) != (len(keys) <= 254) {
			t.Errorf("%s: %d keys, one-byte slots %v", name, len(keys), sx.small != nil)
		}
		for i, k := range keys {
			h := hashString(k, sx.seed) & sx.mask
			for probe := 0; slot(h)-1 != i; probe++ {
				if probe >= maxProbe {
					t.Fatalf("%s: key %q is more than %d slots from home", name, k, maxProbe)
				}
				h = (h + 1) & sx.mask
			}
		}
	}
}

// TestStringSetRepeatedKeys: a list that repeats a key (a segment that
// includes the same user twice) must build, which it could not if repeats
// reached the table, since equal keys always collide.
func TestStringSetRepeatedKeys(t *testing.T) {
	list := make([]string, 1000)
	for i := range list {
		list[i] = "same"
	}
	list = append(list, "other")
	s := stringSet(list)
	if !s.has("same") || !s.has("other") || s.has("none") {
		t.Errorf("stringSet of repeated keys: has(same)=%v has(other)=%v has(none)=%v, want true true false",
			s.has("same"), s.has("other"), s.has("none"))
	}
	if len(s.keys) != 2 {
		t.Errorf("stringSet kept %d keys, want 2 distinct", len(s.keys))
	}
}

// TestResultSize pins the size that keeps returning a Result cheap: at 72
// bytes the copy stalled on store forwarding and a static flag took twice
// as long (see the Result doc comment).
func TestResultSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the size is pinned on 64-bit platforms")
	}
	if got := unsafe.Sizeof(Result{}); got != 64 {
		t.Errorf("unsafe.Sizeof(Result{}) = %d, want 64: keep the small fields together at the end", got)
	}
}

// TestIndexFilterRulesOutMostAbsentKeys: the filter of a 20-key list
// (one-byte slots) rules out most values that are not listed, without
// looking at the table (about six in seven; at least seven in ten here).
func TestIndexFilterRulesOutMostAbsentKeys(t *testing.T) {
	var keys []string
	for i := range 20 {
		keys = append(keys, "C"+strconv.Itoa(i))
	}
	x := newStringIndex(keys)
	out := 0
	for i := range 1000 {
		b := hashString("X"+strconv.Itoa(i), x.seed) >> 57
		if x.filter[b>>6]&(1<<(b&63)) == 0 {
			out++
		}
	}
	if out < 700 {
		t.Errorf("the filter rules out %d of 1000 absent keys, want at least 700", out)
	}
}
