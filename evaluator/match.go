package evaluator

import "strings"

// condKind names the matcher Compile chose for a condition. The common
// shapes (an `in` list of strings, endsWith, a comparison with integers)
// get a matcher of their own: for the attribute type they expect, match
// is a type assertion and a direct test, without the operator's function
// values, the list-attribute switch and the number conversion. Any other
// value, and every other condition, goes through matchGeneric, so the two
// paths cannot disagree on what matches (TestSpecialisedMatchesGeneric).
type condKind uint8

const (
	kindGeneric    condKind = iota // matchGeneric only
	kindSegments                   // inSegment
	kindInStrings                  // in, string values only
	kindEndsWith                   // endsWith
	kindStartsWith                 // startsWith
	kindContains                   // contains
	kindInts                       // a comparison, or in, with int64 values only
)

// Comparison outcomes in cmpMask: bit cmp+1 is set when an outcome cmp
// (-1, 0, +1) of attribute versus value matches.
const (
	outcomeLess    = 1 << 0
	outcomeEqual   = 1 << 1
	outcomeGreater = 1 << 2
)

var comparisonMasks = map[Operator]uint8{
	OpIn:                 outcomeEqual,
	OpLessThan:           outcomeLess,
	OpLessThanOrEqual:    outcomeLess | outcomeEqual,
	OpGreaterThan:        outcomeGreater,
	OpGreaterThanOrEqual: outcomeGreater | outcomeEqual,
}

// specialise chooses c's matcher once its values are prepared.
func (c *condition) specialise() {
	c.kind = kindGeneric
	switch {
	case c.op.segments:
		c.kind = kindSegments
	case c.hashed != nil || c.more != nil || c.bools != [2]bool{}:
	case len(c.nums) == 0 && (len(c.strs) > 0 || c.strSet != nil):
		switch c.op.name {
		case OpIn:
			c.kind = kindInStrings
		case OpEndsWith:
			c.kind = kindEndsWith
		case OpStartsWith:
			c.kind = kindStartsWith
		case OpContains:
			c.kind = kindContains
		}
	case len(c.nums) > 0 && len(c.strs) == 0 && c.strSet == nil:
		mask, ok := comparisonMasks[c.op.name]
		for _, n := range c.nums {
			ok = ok && n.isInt && !n.isUint
		}
		if ok {
			c.kind, c.cmpMask = kindInts, mask
		}
	}
}

// match reports whether the condition holds for ctx. A missing (or null)
// attribute never matches, even when negated.
func (c *condition) match(ctx map[string]any, m *hashMemo) bool {
	if c.kind == kindSegments {
		in := false
		for _, s := range c.segments {
			if s.contains(ctx, m) {
				in = true
				break
			}
		}
		return in != c.negate
	}
	var v any
	if c.attr.ptr == nil {
		v = ctx[c.attr.key]
	} else {
		v, _ = c.attr.lookup(ctx)
	}
	switch c.kind {
	case kindInStrings:
		if s, ok := v.(string); ok {
			return inStrings(c, s) != c.negate
		}
	case kindEndsWith:
		if s, ok := v.(string); ok {
			return anyString(c.strs, s, strings.HasSuffix) != c.negate
		}
	case kindStartsWith:
		if s, ok := v.(string); ok {
			return anyString(c.strs, s, strings.HasPrefix) != c.negate
		}
	case kindContains:
		if s, ok := v.(string); ok {
			return anyString(c.strs, s, strings.Contains) != c.negate
		}
	case kindInts:
		switch t := v.(type) {
		case int:
			return c.compareInt(int64(t)) != c.negate
		case int64:
			return c.compareInt(t) != c.negate
		}
	}
	return c.matchGeneric(v, m)
}

// anyString reports whether test(s, want) holds for any want; test is a
// constant at each call, so it is inlined.
func anyString(wants []string, s string, test func(s, want string) bool) bool {
	for _, want := range wants {
		if test(s, want) {
			return true
		}
	}
	return false
}

// compareInt is kindInts's test: x compared with each value, matching
// when the outcome is one of cmpMask's.
func (c *condition) compareInt(x int64) bool {
	for i := range c.nums {
		y := c.nums[i].i
		outcome := outcomeEqual
		if x < y {
			outcome = outcomeLess
		} else if x > y {
			outcome = outcomeGreater
		}
		if c.cmpMask&uint8(outcome) != 0 {
			return true
		}
	}
	return false
}
