package evaluator

import (
	"encoding/json"
	"math"
	"testing"
)

// TestIntegerRule pins the one integer rule of number.go: exactly whole,
// within int64, JSON numbers read exactly, Go floats only up to 2^53.
func TestIntegerRule(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{42, 42, true},
		{int8(-3), -3, true},
		{uint32(7), 7, true},
		{uint64(math.MaxInt64), math.MaxInt64, true},
		{uint64(math.MaxInt64) + 1, 0, false},
		{42.0, 42, true},
		{float32(8), 8, true},
		{1.5, 0, false},
		{float64(1 << 53), 1 << 53, true},
		{float64(1 << 54), 0, false}, // a float64 this large names no single integer
		{-float64(1 << 53), -(1 << 53), true},
		{math.NaN(), 0, false},
		{math.Inf(1), 0, false},
		{json.Number("42"), 42, true},
		{json.Number("4.2e1"), 42, true},
		{json.Number("42.000"), 42, true},
		{json.Number("9007199254740993"), 9007199254740993, true}, // not rounded through float64
		{json.Number("9223372036854775807"), math.MaxInt64, true},
		{json.Number("9223372036854775808"), 0, false},
		{json.Number("1e400"), 0, false},
		{json.Number("4.25e1"), 0, false},
		{"42", 0, false},
		{true, 0, false},
		{nil, 0, false},
	} {
		got, ok := wholeNumber(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("wholeNumber(%#v) = %d, %t; want %d, %t", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestIntegerVariantFromGoFloat(t *testing.T) {
	rs := &Ruleset{SchemaVersion: 1, Flags: map[string]Flag{"n": {
		Type: TypeInteger, Variants: map[string]any{"a": float64(1 << 60)}, Default: &Serve{Variant: "a"},
	}}}
	if _, err := Compile(rs); err == nil {
		t.Fatal("Compile accepted 2^60 as a Go float for an integer variant; want an error (the float is not exact)")
	}
	rs.Flags["n"].Variants["a"] = float64(1 << 40)
	if _, err := Compile(rs); err != nil {
		t.Fatalf("Compile(2^40 as float) = %v; want nil", err)
	}
}
