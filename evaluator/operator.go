package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// operator holds everything about one operator in one place: how each of
// a condition's values is checked and prepared when the ruleset is loaded,
// and how the prepared condition matches one attribute value. Adding an
// operator means adding its Operator constant, an entry in operators, and a
// builder method.
type operator struct {
	name Operator
	// value checks one value of a condition and stores it prepared in c;
	// it returns what is wrong in words, or "". nil for operators that
	// take no values.
	value func(c *condition, name Operator, v any) string
	// finish runs once after every value was added (optional).
	finish func(c *condition)
	// How a prepared condition matches one present, non-null attribute
	// value (or each element of a list attribute), by the value's kind:
	// strings, numbers of any Go type or json.Number, booleans, and
	// time.Time. A kind without a function never matches; an operator
	// with none at all (exists) matches on presence alone. The functions
	// take concrete types, not any, so that matching a []string or []int
	// attribute allocates nothing.
	str     func(c *condition, s string) bool
	num     func(c *condition, n number) bool
	boolean func(c *condition, b bool) bool
	time    func(c *condition, t time.Time) bool
	// segments marks inSegment, which takes segment names and no attribute.
	segments bool
}

// operators lists the operators of schemaVersion 1 in the order error
// messages name them.
var operators = []*operator{
	{name: OpIn, value: inValue, finish: indexStrings, str: inStrings, num: numberTest(isEqual), boolean: inBools},
	{name: OpContains, value: stringValue, str: stringTest(strings.Contains)},
	{name: OpStartsWith, value: stringValue, str: stringTest(strings.HasPrefix)},
	{name: OpEndsWith, value: stringValue, str: stringTest(strings.HasSuffix)},
	{name: OpMatches, value: regexpValue, str: matchRegexp},
	{name: OpLessThan, value: numberValue, num: numberTest(isLess)},
	{name: OpLessThanOrEqual, value: numberValue, num: numberTest(isLessOrEqual)},
	{name: OpGreaterThan, value: numberValue, num: numberTest(isGreater)},
	{name: OpGreaterThanOrEqual, value: numberValue, num: numberTest(isGreaterOrEqual)},
	timeOperator(OpBefore, time.Time.Before),
	timeOperator(OpAfter, time.Time.After),
	{name: OpSemverEqual, value: semverValue, str: semverTest(byPrecedence(isEqual))},
	{name: OpSemverNotEqual, value: semverValue, str: semverTest(byPrecedence(isNotEqual))},
	{name: OpSemverLessThan, value: semverValue, str: semverTest(byPrecedence(isLess))},
	{name: OpSemverLessThanOrEqual, value: semverValue, str: semverTest(byPrecedence(isLessOrEqual))},
	{name: OpSemverGreaterThan, value: semverValue, str: semverTest(byPrecedence(isGreater))},
	{name: OpSemverGreaterThanOrEqual, value: semverValue, str: semverTest(byPrecedence(isGreaterOrEqual))},
	{name: OpSemverSameMajor, value: semverValue, str: semverTest(sameMajor)},
	{name: OpSemverSameMajorMinor, value: semverValue, str: semverTest(sameMajorMinor)},
	{name: OpExists},
	{name: OpInSegment, segments: true},
}

// operatorByName finds an operator; names are case-sensitive.
var operatorByName = func() map[Operator]*operator {
	m := make(map[Operator]*operator, len(operators))
	for _, op := range operators {
		m[op.name] = op
	}
	return m
}()

// operatorNames lists the operators' names, for suggestions.
var operatorNames = func() []string {
	names := make([]string, len(operators))
	for i, op := range operators {
		names[i] = string(op.name)
	}
	return names
}()

// operatorList names the operators for error messages.
var operatorList = strings.Join(operatorNames, ", ")

// condition is a compiled Condition: its values are prepared for the
// operator at load (sets, numbers, regexps, timestamps, versions, segment
// pointers), so matching does no parsing of the ruleset and no allocation.
type condition struct {
	attr     attrRef
	op       *operator
	negate   bool
	kind     condKind         // the matcher specialise chose (match.go)
	cmpMask  uint8            // kindInts: which outcomes of the comparison match
	strs     []string         // in (few strings), contains, startsWith, endsWith
	strSet   *stringIndex     // in (many strings); strs is then nil
	nums     []number         // in, numeric comparisons
	bools    [2]bool          // in: whether false / true are listed
	segments []*segment       // inSegment
	more     *conditionValues // matches, before, after, semver*
	hashed   *digestSet       // in, with hashed values; nothing else is then set
}

// conditionValues holds the prepared values of the operators fewer
// conditions use, so that a condition stays small: a ruleset holds tens of
// thousands of them.
type conditionValues struct {
	regexps  []*regexp.Regexp // matches
	times    []time.Time      // before, after
	versions []semver         // semver*
}

// values returns c.more, created on first use (at load).
func (c *condition) values() *conditionValues {
	if c.more == nil {
		c.more = &conditionValues{}
	}
	return c.more
}

// stringSetThreshold is the number of `in` strings above which a hash
// table beats a linear scan.
const stringSetThreshold = 8

// matchGeneric is match for a looked-up attribute value (nil when
// missing or null), through the operator's functions: every condition
// that specialise gave no matcher of its own, and values of other types
// than its matcher's.
func (c *condition) matchGeneric(v any, m *hashMemo) bool {
	if v == nil {
		return false
	}
	if c.hashed != nil {
		return (c.hashed.first(v, m) >= 0) != c.negate
	}
	if !c.op.matchesValues() {
		return !c.negate
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

func (op *operator) matchesValues() bool {
	return op.str != nil || op.num != nil || op.boolean != nil || op.time != nil
}

// anyMatches applies the condition to each element of a list attribute.
func anyMatches[T any](c *condition, list []T) bool {
	for _, e := range list {
		if c.matchValue(e) {
			return true
		}
	}
	return false
}

// matchValue hands one value to the operator's function for its kind.
func (c *condition) matchValue(v any) bool {
	switch t := v.(type) {
	case string:
		return c.op.str != nil && c.op.str(c, t)
	case bool:
		return c.op.boolean != nil && c.op.boolean(c, t)
	case time.Time:
		return c.op.time != nil && c.op.time(c, t)
	}
	if c.op.num == nil {
		return false
	}
	n, ok := toNumber(v)
	return ok && c.op.num(c, n)
}

// Comparison outcomes, from number.cmp and semver.compare.
func isEqual(x int) bool          { return x == 0 }
func isNotEqual(x int) bool       { return x != 0 }
func isLess(x int) bool           { return x < 0 }
func isLessOrEqual(x int) bool    { return x <= 0 }
func isGreater(x int) bool        { return x > 0 }
func isGreaterOrEqual(x int) bool { return x >= 0 }

// compileCondition validates a Condition and prepares its values in c;
// p is where the condition is.
func compileCondition(c *condition, p *loc, cd *Condition, scope conditionScope) error {
	op := operatorByName[cd.Operator]
	*c = condition{op: op, negate: cd.Negate}
	vp := p.member("values")
	switch {
	case op == nil:
		opp := p.member("operator")
		return opp.problem("%s", unknownName("operator", string(cd.Operator), operatorNames, "use one of "+operatorList+" (names are case-sensitive)"))
	case op.segments && scope.inSegment:
		opp := p.member("operator")
		return opp.problem("inSegment cannot be used inside a segment; list the segment's keys or copy its rules instead")
	case op.segments && cd.Attribute != "":
		ap := p.member("attribute")
		return ap.problem("inSegment takes no attribute; remove it and name segments in values")
	case !op.segments && cd.Attribute == "":
		return p.problem("missing attribute: operator %q needs an attribute name or a JSON Pointer such as /address/country", cd.Operator)
	case !op.segments:
		var problem string
		if c.attr, problem = parseAttr(cd.Attribute); problem != "" {
			ap := p.member("attribute")
			return ap.problem("%s", problem)
		}
	}
	switch {
	case op.value == nil && !op.segments:
		if len(cd.Values) != 0 {
			return vp.problem("%s takes no values; remove them", cd.Operator)
		}
		return nil
	case len(cd.Values) == 0:
		return vp.problem("operator %q needs at least one value", cd.Operator)
	}
	if op.name == OpIn {
		hashed, err := listForm(&vp, cd.Values, scope.hashing)
		if err != nil {
			return err
		}
		if hashed {
			compileHashedIn(c, cd.Values, scope.hashing)
			return nil
		}
	} else if !op.segments {
		if err := hashedElsewhere(&vp, cd.Operator, cd.Values); err != nil {
			return err
		}
	}
	if _, isString := cd.Values[0].(string); isString && (op.name == OpIn || op.name == OpContains || op.name == OpStartsWith || op.name == OpEndsWith) {
		// The values of in, contains, startsWith and endsWith go to
		// c.strs: one allocation of the right size, not a growing one.
		c.strs = make([]string, 0, len(cd.Values))
	}
	for i, v := range cd.Values {
		problem := ""
		if op.segments {
			problem = segmentValue(c, scope.segments, v)
		} else {
			problem = op.value(c, cd.Operator, v)
		}
		if problem != "" {
			at := vp.at(i)
			return at.problem("%s", problem)
		}
	}
	if op.finish != nil && scope.build {
		op.finish(c)
	}
	c.specialise()
	return nil
}

// in: equal to a listed string, number (numerically) or boolean.

func inValue(c *condition, _ Operator, v any) string {
	switch t := v.(type) {
	case string:
		c.strs = append(c.strs, t)
	case bool:
		c.bools[boolIndex(t)] = true
	default:
		n, ok := finiteNumber(v)
		if !ok {
			return "in compares strings, numbers and booleans; got " + describe(v)
		}
		c.nums = append(c.nums, n)
	}
	return ""
}

func indexStrings(c *condition) {
	if len(c.strs) > stringSetThreshold {
		// c.strs is the condition's own (compileCondition made it), so
		// it is sorted in place and kept as the set's keys.
		slices.Sort(c.strs)
		set := newStringIndex(slices.Clip(slices.Compact(c.strs)))
		c.strSet, c.strs = &set, nil
	}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func inStrings(c *condition, s string) bool {
	if c.strSet != nil {
		return c.strSet.has(s)
	}
	return slices.Contains(c.strs, s)
}

func inBools(c *condition, b bool) bool { return c.bools[boolIndex(b)] }

// contains, startsWith, endsWith: substring, prefix or suffix.

func stringValue(c *condition, name Operator, v any) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprintf("%s needs string values; got %s", name, describe(v))
	}
	c.strs = append(c.strs, s)
	return ""
}

func stringTest(test func(s, want string) bool) func(*condition, string) bool {
	return func(c *condition, s string) bool {
		for _, want := range c.strs {
			if test(s, want) {
				return true
			}
		}
		return false
	}
}

// matches: the RE2 pattern matches somewhere in the string.

func regexpValue(c *condition, _ Operator, v any) string {
	s, ok := v.(string)
	if !ok {
		return "matches needs a regular expression string; got " + describe(v)
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return fmt.Sprintf("invalid regular expression %q: %s (RE2 syntax)", s, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	c.values().regexps = append(c.values().regexps, re)
	return ""
}

func matchRegexp(c *condition, s string) bool {
	for _, re := range c.more.regexps {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual: numbers
// compared by value (number.go).

func numberValue(c *condition, name Operator, v any) string {
	n, ok := finiteNumber(v)
	if !ok {
		hint := ""
		if _, isString := v.(string); isString {
			hint = " (write 29, not \"29\")"
		}
		return fmt.Sprintf("%s needs number values; got %s%s", name, describe(v), hint)
	}
	c.nums = append(c.nums, n)
	return ""
}

// numberTest matches when test(cmp(n, value)) holds for any of the
// condition's numbers.
func numberTest(test func(int) bool) func(*condition, number) bool {
	return func(c *condition, n number) bool {
		for _, want := range c.nums {
			if test(n.cmp(want)) {
				return true
			}
		}
		return false
	}
}

// before, after: timestamps compared in time.

func timeValue(c *condition, name Operator, v any) string {
	t, ok := toTime(v)
	if _, isTime := v.(time.Time); !ok || isTime {
		return fmt.Sprintf("%s needs an RFC 3339 timestamp string (2026-01-02T15:04:05Z) or Unix seconds; got %s", name, describe(v))
	}
	c.values().times = append(c.values().times, t)
	return ""
}

// timeOperator builds before or after: a timestamp attribute is a
// time.Time, an RFC 3339 string, or Unix seconds as a number.
func timeOperator(name Operator, test func(t, want time.Time) bool) *operator {
	at := func(c *condition, t time.Time) bool {
		for _, want := range c.more.times {
			if test(t, want) {
				return true
			}
		}
		return false
	}
	return &operator{
		name:  name,
		value: timeValue,
		time:  at,
		str: func(c *condition, s string) bool {
			t, ok := parseTime(s)
			return ok && at(c, t)
		},
		num: func(c *condition, n number) bool {
			t, ok := unixTime(n)
			return ok && at(c, t)
		},
	}
}

// toTime reads a timestamp value as timeOperator does.
func toTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		return parseTime(t)
	}
	n, ok := toNumber(v)
	if !ok {
		return time.Time{}, false
	}
	return unixTime(n)
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// unixTime reads Unix seconds, fractions included.
func unixTime(n number) (time.Time, bool) {
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

// semver*: SemVer 2.0.0 precedence, build metadata ignored; or the same
// major (and minor) version, pre-releases included.

func semverValue(c *condition, name Operator, v any) string {
	s, _ := v.(string)
	ver, ok := parseSemver(s)
	if !ok {
		return fmt.Sprintf("%s needs a semantic version such as 1.2.3 or v2.0.0-rc.1; got %s", name, describe(v))
	}
	c.values().versions = append(c.values().versions, ver)
	return ""
}

// byPrecedence turns a comparison outcome test into a test of two versions.
func byPrecedence(outcome func(int) bool) func(got, want semver) bool {
	return func(got, want semver) bool { return outcome(got.compare(want)) }
}

func sameMajor(got, want semver) bool { return got.major == want.major }

func sameMajorMinor(got, want semver) bool {
	return got.major == want.major && got.minor == want.minor
}

func semverTest(test func(got, want semver) bool) func(*condition, string) bool {
	return func(c *condition, s string) bool {
		ver, ok := parseSemver(s)
		if !ok {
			return false
		}
		for _, want := range c.more.versions {
			if test(ver, want) {
				return true
			}
		}
		return false
	}
}

// inSegment: the context is in any of the named segments.

func segmentValue(c *condition, segments map[string]*segment, v any) string {
	name, ok := v.(string)
	if !ok {
		return "inSegment needs segment names; got " + describe(v)
	}
	s, ok := segments[name]
	if !ok {
		return unknownName("segment", name, sortedKeys(segments), "define it under segments or fix the name")
	}
	c.segments = append(c.segments, s)
	return ""
}

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
