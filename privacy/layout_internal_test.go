package privacy

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

// laidOutKeys returns the keys of the layout m's slot holds, or nil.
func laidOutKeys(c *layouts, m map[string]any) []string {
	l := c.lookup(m)
	if l == nil {
		return nil
	}
	keys := make([]string, len(l.members))
	for i, lm := range l.members {
		keys[i] = lm.key
	}
	return keys
}

// TestLayoutsAreMadeAndKept checks when AppendJSON makes a layout: for
// the first context of a size class, for the maps below a private
// pointer, not for contexts whose privateAttributes or _meta change the
// redaction or that are too large; and a context of another key set in
// the same size class replaces it only after RelayoutEvery misses.
func TestLayoutsAreMadeAndKept(t *testing.T) {
	r := NewRedactor(Policy{PrivateAttributes: []string{"email", "/address/street"}})
	a := map[string]any{"targetingKey": "u1", "email": "a@x.io", "address": map[string]any{"street": "s", "city": "Oslo"}}
	if _, err := r.AppendJSON(nil, a); err != nil {
		t.Fatal(err)
	}
	if got, want := laidOutKeys(&r.layouts, a), []string{"address", "email", "targetingKey"}; !slices.Equal(got, want) {
		t.Fatalf("after one context, its slot's layout has keys %q, want %q", got, want)
	}
	nested := a["address"].(map[string]any)
	if got, want := laidOutKeys(r.root.kids["address"].layouts, nested), []string{"city", "street"}; !slices.Equal(got, want) {
		t.Fatalf("the address node's layout has keys %q, want %q", got, want)
	}

	b := map[string]any{"targetingKey": "u1", "email": "a@x.io", "plan": "pro"} // same size, other keys
	for i := 1; i < RelayoutEvery; i++ {
		_, _ = r.AppendJSON(nil, b)
		if got := laidOutKeys(&r.layouts, b); got[0] != "address" {
			t.Fatalf("after %d misses the layout is %q, want a's kept until %d", i, got, RelayoutEvery)
		}
	}
	_, _ = r.AppendJSON(nil, b)
	if got, want := laidOutKeys(&r.layouts, b), []string{"email", "plan", "targetingKey"}; !slices.Equal(got, want) {
		t.Fatalf("after %d misses the layout has keys %q, want b's %q", RelayoutEvery, got, want)
	}

	// Other size classes have slots of their own; some contexts get none.
	for _, c := range []map[string]any{
		{"targetingKey": "u1", "plan": "pro", "privateAttributes": []string{"plan"}, "x": 1, "y": 2},
		{"targetingKey": "u1", "plan": "pro", "_meta": map[string]any{}, "x": 1, "y": 2},
		func() map[string]any {
			c := map[string]any{}
			for i := range maxLayoutMembers + 1 {
				c[fmt.Sprint(i)] = i
			}
			return c
		}(),
	} {
		_, _ = r.AppendJSON(nil, c)
		if got := laidOutKeys(&r.layouts, c); got != nil {
			t.Errorf("context with keys %q made a layout %q, want none", slices.Sorted(maps.Keys(c)), got)
		}
	}
	one := map[string]any{"targetingKey": "u1"}
	_, _ = r.AppendJSON(nil, one)
	if got := laidOutKeys(&r.layouts, one); !slices.Equal(got, []string{"targetingKey"}) {
		t.Errorf("a one-key context's slot has layout %q, want its own", got)
	}
	if got := laidOutKeys(&r.layouts, b); got[0] != "email" {
		t.Errorf("a one-key context replaced the three-key slot's layout with %q", got)
	}
}
