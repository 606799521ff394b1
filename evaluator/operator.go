package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// condition is a compiled Condition: its values are prepared for the
// operator at load (sets, numbers, regexps, timestamps, versions, segment
// pointers), so matching does no parsing of the ruleset and no allocation.
type condition struct {
	attr     attrRef
	op       opCode
	negate   bool
	strs     []string         // in (few strings), contains, startsWith, endsWith
	strSet   *stringIndex     // in (many strings); strs is then nil
	nums     []number         // in, numeric comparisons
	bools    [2]bool          // in: whether false / true are listed
	regexps  []*regexp.Regexp // matches
	times    []time.Time      // before, after
	versions []semver         // semver*
	segments []*segment       // inSegment
}

// stringSetThreshold is the number of `in` strings above which a hash
// table beats a linear scan.
const stringSetThreshold = 8

// match reports whether the condition holds for ctx. A missing (or null)
// attribute never matches, even when negated.
func (c *condition) match(ctx map[string]any) bool {
	if c.op == opInSegment {
		in := false
		for _, s := range c.segments {
			if s.contains(ctx) {
				in = true
				break
			}
		}
		return in != c.negate
	}
	v, ok := c.attr.lookup(ctx)
	if !ok {
		return false
	}
	var r bool
	switch list := v.(type) {
	case []any:
		r = anyMatches(c, list)
	case []string:
		r = anyMatches(c, list)
	case []int:
		r = anyMatches(c, list)
	case []int64:
		r = anyMatches(c, list)
	case []float64:
		r = anyMatches(c, list)
	default:
		r = c.matchValue(v)
	}
	return r != c.negate
}

// anyMatches applies the condition to each element of a list attribute.
func anyMatches[T any](c *condition, list []T) bool {
	if c.op == opExists {
		return true
	}
	for _, e := range list {
		if c.matchValue(e) {
			return true
		}
	}
	return false
}

// matchValue applies the operator to one present value; a value of the
// wrong type does not match.
func (c *condition) matchValue(v any) bool {
	switch c.op {
	case opExists:
		// exists: the value is present and not null.
		return v != nil
	case opIn:
		// in: equal to a listed string, number (numerically) or boolean.
		switch t := v.(type) {
		case string:
			if c.strSet != nil {
				return c.strSet.has(t)
			}
			for _, s := range c.strs {
				if s == t {
					return true
				}
			}
			return false
		case bool:
			if t {
				return c.bools[1]
			}
			return c.bools[0]
		}
		return c.anyNumber(v, func(x int) bool { return x == 0 })
	case opContains, opStartsWith, opEndsWith:
		// contains/startsWith/endsWith: substring, prefix or suffix.
		s, ok := v.(string)
		if !ok {
			return false
		}
		for _, want := range c.strs {
			switch {
			case c.op == opContains && strings.Contains(s, want),
				c.op == opStartsWith && strings.HasPrefix(s, want),
				c.op == opEndsWith && strings.HasSuffix(s, want):
				return true
			}
		}
		return false
	case opMatches:
		// matches: the RE2 pattern matches somewhere in the string.
		s, ok := v.(string)
		if !ok {
			return false
		}
		for _, re := range c.regexps {
			if re.MatchString(s) {
				return true
			}
		}
		return false
	case opLessThan:
		return c.anyNumber(v, func(x int) bool { return x < 0 })
	case opLessThanOrEqual:
		return c.anyNumber(v, func(x int) bool { return x <= 0 })
	case opGreaterThan:
		return c.anyNumber(v, func(x int) bool { return x > 0 })
	case opGreaterThanOrEqual:
		return c.anyNumber(v, func(x int) bool { return x >= 0 })
	case opBefore, opAfter:
		// before/after: timestamps compared in time.
		t, ok := toTime(v)
		if !ok {
			return false
		}
		for _, want := range c.times {
			if (c.op == opBefore && t.Before(want)) || (c.op == opAfter && t.After(want)) {
				return true
			}
		}
		return false
	case opSemverEqual, opSemverLessThan, opSemverGreaterThan:
		// semver*: SemVer 2.0.0 precedence, build metadata ignored.
		s, ok := v.(string)
		if !ok {
			return false
		}
		ver, ok := parseSemver(s)
		if !ok {
			return false
		}
		for _, want := range c.versions {
			x := ver.compare(want)
			if (c.op == opSemverEqual && x == 0) || (c.op == opSemverLessThan && x < 0) || (c.op == opSemverGreaterThan && x > 0) {
				return true
			}
		}
		return false
	}
	return false
}

// anyNumber reports whether v is a number and test(cmp(v, value)) holds for
// any of the condition's numbers.
func (c *condition) anyNumber(v any, test func(int) bool) bool {
	n, ok := toNumber(v)
	if !ok {
		return false
	}
	for _, want := range c.nums {
		if test(n.cmp(want)) {
			return true
		}
	}
	return false
}

// toTime reads a timestamp attribute: a time.Time, an RFC 3339 string, or
// Unix seconds as a number.
func toTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		ts, err := time.Parse(time.RFC3339Nano, t)
		return ts, err == nil
	}
	n, ok := toNumber(v)
	if !ok {
		return time.Time{}, false
	}
	if n.isUint {
		return time.Time{}, false // beyond any representable time
	}
	if n.isInt {
		return time.Unix(n.i, 0), true
	}
	if math.IsNaN(n.f) || math.Abs(n.f) > 1e15 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(n.f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// compileCondition validates a Condition and prepares its values. inSegment
// reports whether the condition sits inside a segment, where inSegment is
// not allowed.
func compileCondition(path string, cd *Condition, segments map[string]*segment, inSegment bool) (condition, error) {
	c := condition{op: opCodes[cd.Operator], negate: cd.Negate}
	valuesPath := path + ".values"
	if opCodes[cd.Operator] == opUnknown {
		return c, errorf(path+".operator", "unknown operator %q; use one of %s (names are case-sensitive)", cd.Operator, operatorList)
	}
	if cd.Operator == OpInSegment {
		if inSegment {
			return c, errorf(path+".operator", "inSegment cannot be used inside a segment; list the segment's keys or copy its rules instead")
		}
		if cd.Attribute != "" {
			return c, errorf(path+".attribute", "inSegment takes no attribute; remove it and name segments in values")
		}
	} else {
		if cd.Attribute == "" {
			return c, errorf(path, "missing attribute: operator %q needs an attribute name or a JSON Pointer such as /address/country", cd.Operator)
		}
		var problem string
		if c.attr, problem = parseAttr(cd.Attribute); problem != "" {
			return c, errorf(path+".attribute", "%s", problem)
		}
	}
	if cd.Operator == OpExists {
		if len(cd.Values) != 0 {
			return c, errorf(valuesPath, "exists takes no values; remove them")
		}
		return c, nil
	}
	if len(cd.Values) == 0 {
		return c, errorf(valuesPath, "operator %q needs at least one value", cd.Operator)
	}
	for i, v := range cd.Values {
		vp := pathIndex(valuesPath, i)
		switch cd.Operator {
		case OpIn:
			switch t := v.(type) {
			case string:
				c.strs = append(c.strs, t)
			case bool:
				if t {
					c.bools[1] = true
				} else {
					c.bools[0] = true
				}
			default:
				n, ok := finiteNumber(v)
				if !ok {
					return c, errorf(vp, "in compares strings, numbers and booleans; got %s", describe(v))
				}
				c.nums = append(c.nums, n)
			}
		case OpContains, OpStartsWith, OpEndsWith:
			s, ok := v.(string)
			if !ok {
				return c, errorf(vp, "%s needs string values; got %s", cd.Operator, describe(v))
			}
			c.strs = append(c.strs, s)
		case OpMatches:
			s, ok := v.(string)
			if !ok {
				return c, errorf(vp, "matches needs a regular expression string; got %s", describe(v))
			}
			re, err := regexp.Compile(s)
			if err != nil {
				return c, errorf(vp, "invalid regular expression %q: %s (RE2 syntax)", s, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			c.regexps = append(c.regexps, re)
		case OpLessThan, OpLessThanOrEqual, OpGreaterThan, OpGreaterThanOrEqual:
			n, ok := finiteNumber(v)
			if !ok {
				hint := ""
				if _, isString := v.(string); isString {
					hint = " (write 29, not \"29\")"
				}
				return c, errorf(vp, "%s needs number values; got %s%s", cd.Operator, describe(v), hint)
			}
			c.nums = append(c.nums, n)
		case OpBefore, OpAfter:
			t, ok := toTime(v)
			if _, isTime := v.(time.Time); !ok || isTime {
				return c, errorf(vp, "%s needs an RFC 3339 timestamp string (2026-01-02T15:04:05Z) or Unix seconds; got %s", cd.Operator, describe(v))
			}
			c.times = append(c.times, t)
		case OpSemverEqual, OpSemverLessThan, OpSemverGreaterThan:
			s, _ := v.(string)
			ver, ok := parseSemver(s)
			if !ok {
				return c, errorf(vp, "%s needs a semantic version such as 1.2.3 or v2.0.0-rc.1; got %s", cd.Operator, describe(v))
			}
			c.versions = append(c.versions, ver)
		case OpInSegment:
			name, ok := v.(string)
			if !ok {
				return c, errorf(vp, "inSegment needs segment names; got %s", describe(v))
			}
			s, ok := segments[name]
			if !ok {
				return c, errorf(vp, "unknown segment %q: define it under segments or fix the name", name)
			}
			c.segments = append(c.segments, s)
		}
	}
	if cd.Operator == OpIn && len(c.strs) > stringSetThreshold {
		set := stringSet(c.strs)
		c.strSet, c.strs = &set, nil
	}
	return c, nil
}

// opCode is an Operator as a small integer, so matching switches on a
// byte instead of comparing strings.
type opCode uint8

const (
	opUnknown opCode = iota
	opIn
	opContains
	opStartsWith
	opEndsWith
	opMatches
	opLessThan
	opLessThanOrEqual
	opGreaterThan
	opGreaterThanOrEqual
	opBefore
	opAfter
	opSemverEqual
	opSemverLessThan
	opSemverGreaterThan
	opExists
	opInSegment
)

var opCodes = map[Operator]opCode{
	OpIn: opIn, OpContains: opContains, OpStartsWith: opStartsWith, OpEndsWith: opEndsWith, OpMatches: opMatches,
	OpLessThan: opLessThan, OpLessThanOrEqual: opLessThanOrEqual, OpGreaterThan: opGreaterThan, OpGreaterThanOrEqual: opGreaterThanOrEqual,
	OpBefore: opBefore, OpAfter: opAfter, OpSemverEqual: opSemverEqual, OpSemverLessThan: opSemverLessThan, OpSemverGreaterThan: opSemverGreaterThan,
	OpExists: opExists, OpInSegment: opInSegment,
}

const operatorList = "in, contains, startsWith, endsWith, matches, lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual, before, after, semverEqual, semverLessThan, semverGreaterThan, exists, inSegment"

// describe renders a ruleset value for an error message.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", t)
	case bool:
		return fmt.Sprintf("the boolean %t", t)
	case json.Number:
		return "the number " + t.String()
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	switch f := v.(type) {
	case float64:
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Sprintf("%v (not a finite number)", f)
		}
	case float32:
		if f != f || math.IsInf(float64(f), 0) {
			return fmt.Sprintf("%v (not a finite number)", f)
		}
	}
	if _, ok := toNumber(v); ok {
		return fmt.Sprintf("the number %v", v)
	}
	return fmt.Sprintf("a %T", v)
}

// finiteNumber is toNumber for ruleset values, which must be finite: JSON
// cannot hold NaN or infinities, and a ruleset built in Go must not either.
func finiteNumber(v any) (number, bool) {
	n, ok := toNumber(v)
	return n, ok && !math.IsInf(n.f, 0)
}
