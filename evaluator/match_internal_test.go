package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"
)

// TestSpecialisedMatchesGeneric: every condition that specialise gives a
// matcher of its own matches exactly as matchGeneric does, for attribute
// values of every type a context may hold.
func TestSpecialisedMatchesGeneric(t *testing.T) {
	many := make([]any, 20)
	for i := range many {
		many[i] = fmt.Sprintf("C%02d", i)
	}
	conds := []struct {
		cd   Condition
		kind condKind
	}{
		{Condition{Operator: OpIn, Values: []any{"a", "bc", "C07"}}, kindInStrings},
		{Condition{Operator: OpIn, Values: many}, kindInStrings},
		{Condition{Operator: OpIn, Values: []any{"a", 7}}, kindGeneric},
		{Condition{Operator: OpIn, Values: []any{"a", true}}, kindGeneric},
		{Condition{Operator: OpEndsWith, Values: []any{"@acme.com", "c"}}, kindEndsWith},
		{Condition{Operator: OpStartsWith, Values: []any{"C0", "x"}}, kindStartsWith},
		{Condition{Operator: OpContains, Values: []any{"07", "@"}}, kindContains},
		{Condition{Operator: OpIn, Values: []any{7, -3, int64(math.MaxInt64)}}, kindInts},
		{Condition{Operator: OpIn, Values: []any{7, 2.5}}, kindGeneric},
		{Condition{Operator: OpLessThan, Values: []any{100}}, kindInts},
		{Condition{Operator: OpLessThanOrEqual, Values: []any{100, -5}}, kindInts},
		{Condition{Operator: OpGreaterThan, Values: []any{json.Number("100")}}, kindInts},
		{Condition{Operator: OpGreaterThanOrEqual, Values: []any{100}}, kindInts},
		{Condition{Operator: OpGreaterThan, Values: []any{99.5}}, kindGeneric},
		{Condition{Operator: OpGreaterThan, Values: []any{uint64(math.MaxUint64)}}, kindGeneric},
		{Condition{Operator: OpExists}, kindGeneric},
		// Values written as floats or exponents are compared as floats.
		{Condition{Operator: OpGreaterThan, Values: []any{json.Number("1e2")}}, kindGeneric}, // compared as a float
		{Condition{Operator: OpGreaterThan, Values: []any{100.0}}, kindGeneric},              // a Go float stays a float
		{Condition{Operator: OpIn, Values: []any{int64(math.MinInt64), 0}}, kindInts},
		{Condition{Operator: OpLessThan, Values: []any{1 << 53, 1<<53 + 1}}, kindInts},
		// Empty and non-ASCII strings.
		{Condition{Operator: OpIn, Values: []any{"", "é", "日本"}}, kindInStrings},
		{Condition{Operator: OpStartsWith, Values: []any{""}}, kindStartsWith},
		{Condition{Operator: OpEndsWith, Values: []any{"é"}}, kindEndsWith},
		{Condition{Operator: OpContains, Values: []any{"本"}}, kindContains},
	}
	values := []any{
		nil, "", "a", "C07", "C20", "x@acme.com", "acme.com", "07", "bc",
		7, -3, 99, 100, 101, -5, -6, int64(100), int64(math.MaxInt64), int64(math.MinInt64), int32(100),
		uint64(math.MaxUint64), 100.0, 99.5, 100.5, json.Number("100"), true, false,
		[]string{"zz", "C07"}, []any{"zz", 101}, []int{1, 100, 250}, []int64{5}, []float64{100.5},
		map[string]any{"a": 1},
		int8(100), int16(-5), uint8(100), uint(100), uint32(101), float32(100), float32(100.5),
		json.Number("1e2"), json.Number("100.5"), json.Number("1e400"), json.Number("x"),
		"é", "e\u0301", "日本", "x日本", "\x00", int64(1 << 53), int64(1<<53 + 1), int64(1<<53 + 2),
		float64(1 << 53), math.Inf(1), math.NaN(), time.Unix(100, 0), []bool{true}, []any{nil, "é"},
		map[string]string{"attr": "a"}, []any{}, []string{},
	}
	for _, negate := range []bool{false, true} {
		for _, tc := range conds {
			for _, ptr := range []bool{false, true} {
				cd := tc.cd
				cd.Negate, cd.Attribute = negate, "attr"
				if ptr {
					cd.Attribute = "/nested/attr"
				}
				var c condition
				at := root("c")
				if err := compileCondition(&c, &at, &cd, conditionScope{build: true}); err != nil {
					t.Fatalf("%+v: %v", cd, err)
				}
				if c.kind != tc.kind {
					t.Errorf("%s %v: kind %d, want %d", cd.Operator, cd.Values, c.kind, tc.kind)
				}
				generic := c
				generic.kind = kindGeneric
				for i, v := range append(values, "missing") {
					ctx := map[string]any{"attr": v}
					if ptr {
						ctx = map[string]any{"nested": map[string]any{"attr": v}}
					}
					if i == len(values) {
						ctx = map[string]any{"other": 1}
					}
					got, want := c.match(ctx, nil), generic.match(ctx, nil)
					if got != want {
						t.Errorf("%s %v negate=%v, attribute %s = %#v: specialised %v, generic %v", cd.Operator, cd.Values, negate, cd.Attribute, v, got, want)
					}
				}
			}
		}
	}
}
