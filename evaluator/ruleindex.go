package evaluator

import "slices"

// ruleIndex serves a flag's rules that are each one plain "in" test of
// strings on the same attribute (a list of customers per variant, say)
// with one hash lookup instead of a scan: it maps each listed value to the
// first such rule that lists it. Rules of other shapes, interleaved or
// not, are still tried in order, so the first rule that matches still
// serves.
//
// Rules whose `in` values are hashed are indexed the same way, by digest
// (hashed); an index covers either plain or hashed rules, whichever kind
// has more rules on one attribute.
type ruleIndex struct {
	attr   attrRef
	values stringIndex
	first  []int32    // per position in values: the first indexed rule listing it
	hashed *digestSet // instead of values and first: digest → first rule
	others []int32    // the rules the index does not cover, in order
}

// minIndexedRules is how many rules of the indexable shape a flag needs
// before the index is built: below it, scanning a few rules is as fast as
// hashing the attribute.
const minIndexedRules = 8

// indexable reports whether r is one non-negated "in" condition whose
// values are all strings, or all hashed, and returns that condition.
func indexable(r *rule) (*condition, bool) {
	if len(r.conds) != 1 {
		return nil, false
	}
	c := &r.conds[0]
	if c.op.name != OpIn || c.negate || len(c.nums) > 0 || c.bools != [2]bool{} {
		return nil, false
	}
	return c, len(c.strs) > 0 || c.strSet != nil || c.hashed != nil
}

// indexKey groups indexable rules: plain and hashed rules on one
// attribute are different groups.
func indexKey(c *condition) string {
	if c.hashed != nil {
		return "#" + c.attr.name()
	}
	return "=" + c.attr.name()
}

// newRuleIndex builds the index for the attribute with the most indexable
// rules, or returns nil when no attribute has minIndexedRules of them.
func newRuleIndex(rules []rule) *ruleIndex {
	count := map[string]int{}
	for i := range rules {
		if c, ok := indexable(&rules[i]); ok {
			count[indexKey(c)]++
		}
	}
	best, n := "", 0
	for name, k := range count {
		if k > n || (k == n && name < best) {
			best, n = name, k
		}
	}
	if n < minIndexedRules {
		return nil
	}
	ix := &ruleIndex{}
	var keys []string
	pos := map[string]int{}
	for i := range rules {
		c, ok := indexable(&rules[i])
		if !ok || indexKey(c) != best {
			ix.others = append(ix.others, int32(i))
			continue
		}
		ix.attr = c.attr
		if c.hashed != nil {
			if ix.hashed == nil {
				ix.hashed = &digestSet{salt: c.hashed.salt, m: map[digest]int32{}}
			}
			for d := range c.hashed.m {
				if _, seen := ix.hashed.m[d]; !seen {
					ix.hashed.m[d] = int32(i)
				}
			}
			continue
		}
		values := c.strs
		if c.strSet != nil {
			values = c.strSet.keys
		}
		for _, v := range values {
			if _, seen := pos[v]; !seen {
				pos[v] = len(keys)
				keys = append(keys, v)
				ix.first = append(ix.first, int32(i))
			}
		}
	}
	// newStringIndex keeps keys in the order given; first follows it.
	ix.values = newStringIndex(slices.Clip(keys))
	return ix
}

// firstMatch returns the first indexed rule that matches ctx, or none
// (len(rules), which no rule position reaches). It matches as the
// conditions would: the attribute's string, or any string element of a
// list attribute; other types never match string values.
func (ix *ruleIndex) firstMatch(ctx map[string]any, none int, m *hashMemo) int {
	v, ok := ix.attr.lookup(ctx)
	if !ok {
		return none
	}
	if ix.hashed != nil {
		if p := ix.hashed.first(v, m); p >= 0 {
			return int(p)
		}
		return none
	}
	best := none
	switch t := v.(type) {
	case string:
		if p := ix.values.find(t); p >= 0 {
			best = int(ix.first[p])
		}
	case []string:
		for _, s := range t {
			if p := ix.values.find(s); p >= 0 {
				best = min(best, int(ix.first[p]))
			}
		}
	case []any:
		for _, e := range t {
			if s, isString := e.(string); isString {
				if p := ix.values.find(s); p >= 0 {
					best = min(best, int(ix.first[p]))
				}
			}
		}
	}
	return best
}
