package evaluator

import "testing"

func TestSuggest(t *testing.T) {
	names := []string{"startsWith", "endsWith", "in", "semverGreaterThan", "semverLessThan", "flags"}
	for _, tc := range []struct{ got, want string }{
		{"endswith", "endsWith"},    // case differs
		{"ENDSWITH", "endsWith"},    // case differs
		{"startWith", "startsWith"}, // one edit
		{"flag", "flags"},           // one edit, short name
		{"semverG", ""},             // too far
		{"zzz", ""},                 // nothing near
		{"endsWith", ""},            // exact: nothing to suggest
		{"semverLesThan", "semverLessThan"},
	} {
		if got := suggest(tc.got, names); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.got, got, tc.want)
		}
	}
	if got := suggest("ab", []string{"ax", "ay"}); got != "" {
		t.Errorf("suggest(%q) with a tie = %q, want none", "ab", got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"é", "e", 1}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
