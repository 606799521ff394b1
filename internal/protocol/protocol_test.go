package protocol

import (
	"strings"
	"testing"
)

func TestValidServiceString(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{`"abc"`, true},
		{`W/"v1"`, true},
		{"42", true},
		{strings.Repeat("a", MaxServiceString), true},
		{strings.Repeat("a", MaxServiceString+1), false},
		{"", false},
		{"2\x01", false},
		{"a b", false},
		{"line\nbreak", false},
		{"caf\u00e9", false},
		{"\x7f", false},
	} {
		if got := ValidServiceString(c.in); got != c.want {
			t.Errorf("ValidServiceString(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
