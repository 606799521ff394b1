package evaluator

import (
	"cmp"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Numbers, in one place. A number is any Go integer or float type, or a
// json.Number; strings are never numbers ("29" is not 29), and NaN is not
// a number.
//
// The integer rule, used everywhere an integer is needed (schemaVersion,
// rollout weights, integer variants, metadata, bucketBy attributes): a
// value is an integer when it is exactly a whole number within int64,
// however it is written: 42, 42.0 and 4.2e1 are the integer 42. A JSON
// number is read exactly, so 9007199254740993 stays itself. A Go float is
// accepted only up to 2^53 in magnitude, where every float64 is one exact
// integer; beyond that a float64 no longer says which integer was meant.
//
// Comparisons (lessThan, in, …) compare by value: integers exactly, also
// beyond 2^53 and up to MaxUint64, a mix of integer and fraction as
// float64.

// number is a normalised numeric value: integers keep full int64 precision,
// everything else is a float64.
type number struct {
	i     int64 // the value when isInt; the bits of a uint64 when isUint
	f     float64
	isInt bool // an exact integer: i, or u when isUint
	// isUint marks integers above MaxInt64, which only uint and uint64
	// attributes can hold.
	isUint bool
}

func intNumber(i int64) number     { return number{i: i, f: float64(i), isInt: true} }
func floatNumber(f float64) number { return number{f: f} }

// toNumber normalises Go's numeric types and json.Number. Strings are never
// numbers: "29" is not 29.
func toNumber(v any) (number, bool) {
	switch n := v.(type) {
	case int:
		return intNumber(int64(n)), true
	case int64:
		return intNumber(n), true
	case float64:
		return floatNumber(n), !math.IsNaN(n)
	case int32:
		return intNumber(int64(n)), true
	case int16:
		return intNumber(int64(n)), true
	case int8:
		return intNumber(int64(n)), true
	case uint:
		return uintNumber(uint64(n)), true
	case uint64:
		return uintNumber(n), true
	case uint32:
		return intNumber(int64(n)), true
	case uint16:
		return intNumber(int64(n)), true
	case uint8:
		return intNumber(int64(n)), true
	case float32:
		return floatNumber(float64(n)), n == n // NaN is not a number to compare
	case json.Number:
		return parseNumber(string(n))
	}
	return number{}, false
}

func uintNumber(u uint64) number {
	if u > math.MaxInt64 {
		return number{i: int64(u), f: float64(u), isInt: true, isUint: true}
	}
	return intNumber(int64(u))
}

// parseNumber reads a JSON number without allocating in the common cases.
func parseNumber(s string) (number, bool) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return intNumber(i), true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return number{}, false
	}
	return floatNumber(f), true
}

// cmp compares two numbers: -1, 0 or +1. Integers compare exactly, also
// beyond 2^53; a mix of integer and fraction compares as float64.
func (a number) cmp(b number) int {
	if a.isInt && b.isInt {
		switch {
		case a.isUint && b.isUint:
			return cmp.Compare(uint64(a.i), uint64(b.i))
		case a.isUint:
			return 1 // above MaxInt64, so above every int64
		case b.isUint:
			return -1
		}
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

// finiteNumber is toNumber for ruleset values, which must be finite: JSON
// cannot hold NaN or infinities, and a ruleset built in Go must not either.
func finiteNumber(v any) (number, bool) {
	n, ok := toNumber(v)
	return n, ok && !math.IsInf(n.f, 0)
}

// maxExactFloat is 2^53: every whole float64 up to it is one integer.
const maxExactFloat = 1 << 53

// wholeNumber applies the integer rule above.
func wholeNumber(v any) (int64, bool) {
	if jn, ok := v.(json.Number); ok {
		return jsonInteger(string(jn))
	}
	n, ok := finiteNumber(v)
	switch {
	case !ok || n.isUint:
		return 0, false
	case n.isInt:
		return n.i, true
	case n.f == math.Trunc(n.f) && math.Abs(n.f) <= maxExactFloat:
		return int64(n.f), true
	}
	return 0, false
}

// jsonInteger reads a JSON number that is exactly a whole number within
// int64 (42, 4.2e1, 42.000), without rounding through float64.
func jsonInteger(s string) (int64, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	// Bound the work big.Rat may do for hostile exponents.
	if len(s) > 400 || !strings.ContainsAny(s, ".eE") {
		return 0, false
	}
	if e := strings.IndexAny(s, "eE"); e >= 0 {
		if exp, err := strconv.Atoi(strings.TrimPrefix(s[e+1:], "+")); err != nil || exp > 400 || exp < -400 {
			return 0, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}
