package evaluator

import (
	"cmp"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

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

// attrRef locates an attribute in a context: a top-level key, or an RFC 6901
// JSON Pointer whose tokens were unescaped at load.
type attrRef struct {
	name string   // as written in the ruleset
	key  string   // top-level key (first pointer token for pointers)
	rest []string // remaining pointer tokens
}

// parseAttr compiles an attribute name; it reports a problem in words for
// invalid pointers.
func parseAttr(name string) (attrRef, string) {
	if !strings.HasPrefix(name, "/") {
		return attrRef{name: name, key: name}, ""
	}
	parts := strings.Split(name[1:], "/")
	for i, p := range parts {
		for j := 0; j < len(p); j++ {
			if p[j] == '~' && (j+1 == len(p) || (p[j+1] != '0' && p[j+1] != '1')) {
				return attrRef{}, "invalid JSON Pointer: \"~\" must be followed by 0 or 1 (write ~0 for \"~\" and ~1 for \"/\")"
			}
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return attrRef{name: name, key: parts[0], rest: parts[1:]}, ""
}

// lookup returns the attribute's value; ok is false when it is missing or
// null.
func (a *attrRef) lookup(ctx map[string]any) (any, bool) {
	v, ok := ctx[a.key]
	if !ok || v == nil {
		return nil, false
	}
	for i, tok := range a.rest {
		switch c := v.(type) {
		case map[string]any:
			v, ok = c[tok]
		case map[string]string:
			s, found := c[tok]
			if !found || i != len(a.rest)-1 {
				return nil, false // a string has no members to point into
			}
			return s, true
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) || (len(tok) > 1 && tok[0] == '0') {
				return nil, false
			}
			v, ok = c[i], true
		default:
			return nil, false
		}
		if !ok || v == nil {
			return nil, false
		}
	}
	return v, true
}

// copyJSON deep-copies a plain JSON value into encoding/json's shape, with
// json.Number converted to float64.
func copyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = copyJSON(e)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = copyJSON(e)
		}
		return out
	case json.Number:
		f, _ := strconv.ParseFloat(string(t), 64)
		return f
	}
	if n, ok := toNumber(v); ok {
		return n.f
	}
	return v
}
