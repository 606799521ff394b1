package evaluator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Hashed values (SPEC 2.3). The values of targets, of segment included and
// excluded lists and of `in` conditions may be written as
// "sha256:" + hex(SHA-256(salt + "\x00" + value)), where value is the
// attribute's string or an integer in base 10, and the salt is the
// ruleset's valueHashing.salt. A ruleset written this way names no e-mail
// address or user ID in clear, in the document or in a cache file.
//
// What it protects against: reading the values off a file, a cache or a
// log, and lookup tables computed in advance (the salt is per ruleset).
// What it does not: anyone holding the ruleset can hash a value they
// already suspect (an e-mail address they know) and check whether it is
// listed. It hides values, it does not make guessing hard.
//
// A compiled hashed list is a set of digests. Evaluation hashes a value
// at most once per evaluation of a flag, prerequisites and segments
// included, for its first memoSize distinct values (hashMemo; integers
// above MaxInt64, which only uint attributes hold, are not remembered),
// and allocates nothing.

// HashAlgorithm is the one value hashing algorithm of schemaVersion 1.
const HashAlgorithm = "sha256-v1"

// HashedPrefix starts every hashed value.
const HashedPrefix = "sha256:"

// ValueHashing says how the ruleset's hashed values were computed.
type ValueHashing struct {
	// Algorithm must be HashAlgorithm.
	Algorithm string `json:"algorithm"`
	// Salt is prepended to every value before hashing. Use a random salt
	// per ruleset (different environments of a tenant should differ):
	// `switchyard hash -newsalt` prints one.
	Salt string `json:"salt"`
}

// HashValue returns the hashed form of a string value for salt:
// "sha256:" and 64 lowercase hex digits. Hash an integer as its base-10
// string (strconv.FormatInt).
func HashValue(salt, value string) string {
	d := sumString(salt, value)
	return HashedPrefix + hex.EncodeToString(d[:])
}

// digest is a SHA-256 sum.
type digest [sha256.Size]byte

func sumString(salt, value string) digest { return sum(salt, value, nil) }

func sumInteger(salt string, i int64) digest {
	var buf [20]byte
	return sum(salt, "", strconv.AppendInt(buf[:0], i, 10))
}

// sum hashes salt, a zero byte, then s and b (one of them empty). Strings
// go through a stack buffer: converting a long one to []byte would
// allocate.
func sum(salt, s string, b []byte) digest {
	h := sha256.New()
	var buf [64]byte
	for _, part := range [...]string{salt, "\x00", s} {
		for len(part) > 0 {
			n := copy(buf[:], part)
			h.Write(buf[:n])
			part = part[n:]
		}
	}
	h.Write(b)
	var d digest
	h.Sum(d[:0])
	return d
}

// isHashed reports whether a list value is meant as hashed. In a document
// with valueHashing that is any value starting with "sha256:" (so that a
// mistyped digest is reported, not read as a plain value); without one,
// only the complete form, sha256: and 64 lowercase hex digits, so that
// plain values such as "sha256:latest" keep working.
func isHashed(v any, h *ValueHashing) bool {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, HashedPrefix) {
		return false
	}
	if h != nil {
		return true
	}
	_, full := parseHashed(s)
	return full
}

// parseHashed reads a hashed value.
func parseHashed(s string) (digest, bool) {
	var d digest
	hx, ok := strings.CutPrefix(s, HashedPrefix)
	if !ok || len(hx) != 2*len(d) || strings.ToLower(hx) != hx {
		return d, false
	}
	_, err := hex.Decode(d[:], []byte(hx))
	return d, err == nil
}

const hashedForm = "a hashed value is sha256: and 64 lowercase hex digits, the SHA-256 of the salt, a zero byte and the value (switchyard hash computes it)"

// digestSet is a compiled hashed list: each digest with a small number
// (a variant index for targets, which lists hold it for segments).
type digestSet struct {
	salt string
	m    map[digest]int32
}

// hashMemo remembers the digests computed during one evaluation, so a
// value tested by targets, rules, segments and prerequisites is hashed
// once. It lives on the stack of the evaluation; a nil memo hashes every
// time (Explain, and flags without hashed values never get here).
type hashMemo struct {
	n        int
	strs     [memoSize]string
	ints     [memoSize]int64
	isInt    [memoSize]bool
	sums     [memoSize]digest
	computed int // how many digests were computed, for tests
}

// memoSize bounds the distinct values remembered; beyond it values are
// hashed again (correct, only slower). Evaluations test a few attributes.
const memoSize = 8

func (m *hashMemo) ofString(salt, s string) digest {
	if m == nil {
		return sumString(salt, s)
	}
	for i := 0; i < m.n; i++ {
		if !m.isInt[i] && m.strs[i] == s {
			return m.sums[i]
		}
	}
	d := sumString(salt, s)
	m.computed++
	if m.n < memoSize {
		m.strs[m.n], m.sums[m.n] = s, d
		m.n++
	}
	return d
}

func (m *hashMemo) ofInteger(salt string, x int64) digest {
	if m == nil {
		return sumInteger(salt, x)
	}
	for i := 0; i < m.n; i++ {
		if m.isInt[i] && m.ints[i] == x {
			return m.sums[i]
		}
	}
	d := sumInteger(salt, x)
	m.computed++
	if m.n < memoSize {
		m.ints[m.n], m.isInt[m.n], m.sums[m.n] = x, true, d
		m.n++
	}
	return d
}

// lookupString returns the number stored with s's digest, or -1.
func (ds *digestSet) lookupString(s string, m *hashMemo) int32 {
	return ds.lookup(m.ofString(ds.salt, s))
}

// first returns the smallest number stored with a digest of an attribute
// value, or -1 when none is listed. It reads the value as plain `in`
// matching reads it: a list attribute by each element (one level deep),
// every other value as scalar does. It stops at 0, the least number (what
// `in` sets store).
func (ds *digestSet) first(v any, m *hashMemo) int32 {
	best := int32(-1)
	switch t := v.(type) {
	case []string:
		for _, s := range t {
			if best = better(best, ds.lookupString(s, m)); best == 0 {
				break
			}
		}
	case []any:
		for _, e := range t {
			if best = better(best, ds.scalar(e, m)); best == 0 {
				break
			}
		}
	case []int:
		for _, i := range t {
			if best = better(best, ds.lookup(m.ofInteger(ds.salt, int64(i)))); best == 0 {
				break
			}
		}
	case []int64:
		for _, i := range t {
			if best = better(best, ds.lookup(m.ofInteger(ds.salt, i))); best == 0 {
				break
			}
		}
	case []float64:
		for _, f := range t {
			if best = better(best, ds.float(f, m)); best == 0 {
				break
			}
		}
	default:
		best = ds.scalar(v, m)
	}
	return best
}

// scalar looks up one value as a plain list of strings and integers would
// match it: a string by its digest; a number (of any Go type, or a
// json.Number) when it is an integer, by the digest of its base-10 form;
// nothing else (booleans, fractions, lists inside lists) is ever listed.
func (ds *digestSet) scalar(v any, m *hashMemo) int32 {
	switch t := v.(type) {
	case string:
		return ds.lookupString(t, m)
	case bool:
		return -1
	case float64:
		return ds.float(t, m)
	}
	n, ok := toNumber(v) // as plain matching reads numbers
	switch {
	case !ok:
		return -1
	case n.isUint: // above MaxInt64: only uint and uint64 attributes hold these
		var buf [20]byte
		return ds.lookup(sum(ds.salt, "", strconv.AppendUint(buf[:0], uint64(n.i), 10)))
	case n.isInt:
		return ds.lookup(m.ofInteger(ds.salt, n.i))
	}
	return ds.float(n.f, m)
}

// float looks up a float attribute: a whole number up to 2^53, where every
// float is exactly one integer, as that integer. (Beyond 2^53 a plain list
// compares integers with floats by rounding, which no digest can; the
// lists HashRuleset hashes hold no integer beyond 2^53.)
func (ds *digestSet) float(f float64, m *hashMemo) int32 {
	if f != math.Trunc(f) || math.Abs(f) > maxExactFloat {
		return -1
	}
	return ds.lookup(m.ofInteger(ds.salt, int64(f)))
}

// better is the smaller of two stored numbers, -1 meaning none.
func better(best, p int32) int32 {
	if p >= 0 && (best < 0 || p < best) {
		return p
	}
	return best
}

func (ds *digestSet) lookup(d digest) int32 {
	if p, ok := ds.m[d]; ok {
		return p
	}
	return -1
}

// checkValueHashing validates the ruleset's valueHashing (nil is none).
func checkValueHashing(h *ValueHashing) error {
	switch {
	case h == nil:
		return nil
	case h.Algorithm != HashAlgorithm:
		return errorf("valueHashing.algorithm", "unknown value hashing algorithm %q; use %q", h.Algorithm, HashAlgorithm)
	case h.Salt == "":
		return errorf("valueHashing.salt", "the salt must not be empty: hashing without one makes precomputed tables work again; use a random salt per ruleset (switchyard hash -newsalt prints one)")
	}
	return nil
}

// listForm checks that a list is all hashed or all plain, and that hashed
// values are well formed and have a valueHashing to go with; it reports
// whether the list is hashed. Messages name positions, never values.
func listForm[T any](p *loc, values []T, h *ValueHashing) (bool, error) {
	if len(values) == 0 {
		return false, nil
	}
	hashed := isHashed(values[0], h)
	for i := range values {
		if isHashed(values[i], h) != hashed {
			return false, errorf(pathIndex(p.String(), i), "this list mixes hashed (sha256:…) and plain values; a list is all one or the other: hash the plain ones with the ruleset's salt (switchyard hash)")
		}
	}
	if !hashed {
		return false, nil
	}
	if h == nil {
		return false, errorf(pathIndex(p.String(), 0), "hashed values need \"valueHashing\" at the top level of the document: {\"algorithm\": %q, \"salt\": the salt they were hashed with}", HashAlgorithm)
	}
	for i := range values {
		if _, ok := parseHashed(any(values[i]).(string)); !ok {
			return false, errorf(pathIndex(p.String(), i), "%s", hashedForm)
		}
	}
	return true, nil
}

// keyDigest is the digest of a list value that listForm accepted: a hashed
// value decoded, a plain one hashed.
func keyDigest(salt, key string) digest {
	if d, ok := parseHashed(key); ok {
		return d
	}
	return sumString(salt, key)
}

// compileHashedIn prepares an `in` condition whose values listForm found
// hashed.
func compileHashedIn(c *condition, values []any, h *ValueHashing) {
	c.hashed = &digestSet{salt: h.Salt, m: make(map[digest]int32, len(values))}
	for _, v := range values {
		d, _ := parseHashed(v.(string))
		c.hashed.m[d] = 0
	}
}

// hashedElsewhere rejects a hashed value in a condition that compares
// text or numbers: its operator would compare the hash itself.
func hashedElsewhere(p *loc, name Operator, values []any) error {
	for i, v := range values {
		if s, ok := v.(string); ok {
			if _, hashed := parseHashed(s); hashed {
				return errorf(pathIndex(p.String(), i), "hashed values work only in \"in\" conditions, targets and segment lists; %s would compare the hash text itself: write the value plainly or use in", name)
			}
		}
	}
	return nil
}

func conditionsHash(conds []condition) bool {
	for i := range conds {
		c := &conds[i]
		if c.hashed != nil {
			return true
		}
		for _, s := range c.segments {
			if s.usesHashing() {
				return true
			}
		}
	}
	return false
}

// usesHashing reports whether evaluating f may hash a value, remembering
// each flag's answer in done: prerequisites shared by many flags are
// visited once (without it, chains of shared prerequisites took
// exponential time). Compile has rejected cycles, so the recursion ends.
func (f *flag) usesHashing(done map[*flag]bool) bool {
	// Only flags with prerequisites, and the flags they need, go in the
	// memo: most flags are neither, and are known from their own targets
	// and rules. A needed flag goes in even without prerequisites of its
	// own, or each flag that needs it would scan all its rules again (a
	// flag of 20 000 rules needed by 20 000 others took seconds to load).
	if v, ok := done[f]; ok {
		return v
	}
	v := f.hashedTargets != nil
	for i := 0; !v && i < len(f.rules); i++ {
		v = conditionsHash(f.rules[i].conds)
	}
	for i := 0; !v && i < len(f.prereqs); i++ {
		p := f.prereqs[i].flag
		v = p.usesHashing(done)
		done[p] = v
	}
	if len(f.prereqs) > 0 {
		done[f] = v
	}
	return v
}

// NewSalt returns a random salt for valueHashing: 16 bytes from
// crypto/rand, in hex.
func NewSalt() string {
	return hex.EncodeToString(randomBytes(16))
}

// HashRuleset returns a copy of rs whose values are hashed with salt
// (SPEC 2.3): every target, every segment included and excluded list, and
// every in condition whose values are all strings or integers (a list
// holding a boolean or a fraction stays plain: only strings and integers
// have a hashed form). With attributes named, only the in conditions on
// those attributes are hashed (targets and segment lists always are), so
// that lists of countries or plans stay readable. Lists already hashed are
// kept. The copy has valueHashing set and is validated; rs is not changed.
//
// A hashed list cannot tell the string "42" from the integer 42: both are
// the hash of 42. Every other context matches the hashed ruleset exactly
// as it matches the plain one.
func HashRuleset(rs *Ruleset, salt string, attributes ...string) (*Ruleset, error) {
	if rs == nil {
		return nil, &ValidationError{Message: "ruleset is nil"}
	}
	h := &ValueHashing{Algorithm: HashAlgorithm, Salt: salt}
	if err := checkValueHashing(h); err != nil {
		return nil, err
	}
	old := rs.ValueHashing
	if old != nil && *old != *h {
		return nil, errorf("valueHashing", "the ruleset is already hashed with another salt or algorithm; a hash cannot be hashed again: start from the plain ruleset")
	}
	out := rs.Clone()
	out.ValueHashing = h
	for key, f := range out.Flags {
		for i := range f.Targets {
			f.Targets[i].Values = hashKeys(salt, f.Targets[i].Values)
		}
		for i := range f.Rules {
			hashConditions(salt, f.Rules[i].Conditions, attributes)
		}
		out.Flags[key] = f
	}
	for name, s := range out.Segments {
		s.Included, s.Excluded = hashKeys(salt, s.Included), hashKeys(salt, s.Excluded)
		for i := range s.Rules {
			hashConditions(salt, s.Rules[i].Conditions, attributes)
		}
		out.Segments[name] = s
	}
	if err := validate(out); err != nil {
		return nil, err
	}
	return out, nil
}

func hashKeys(salt string, keys []string) []string {
	for i, k := range keys {
		if _, hashed := parseHashed(k); !hashed {
			keys[i] = HashValue(salt, k)
		}
	}
	return keys
}

// hashConditions hashes the values of in conditions that have a hashed
// form, in place: every one, or those on the named attributes.
func hashConditions(salt string, conds []Condition, attributes []string) {
	for i := range conds {
		c := &conds[i]
		if c.Operator != OpIn || !hashable(c.Values) || (len(attributes) > 0 && !slices.Contains(attributes, c.Attribute)) {
			continue
		}
		for j, v := range c.Values {
			switch t := v.(type) {
			case string:
				if _, hashed := parseHashed(t); !hashed {
					c.Values[j] = HashValue(salt, t)
				}
			default:
				n, _ := wholeNumber(v)
				c.Values[j] = HashValue(salt, strconv.FormatInt(n, 10))
			}
		}
	}
}

// hashable reports whether every value is a string or an integer of at
// most 2^53 in magnitude (beyond it a plain list matches float attributes
// by rounding, which a digest cannot reproduce).
func hashable(values []any) bool {
	for _, v := range values {
		if _, ok := v.(string); ok {
			continue
		}
		if n, ok := wholeNumber(v); !ok || n > maxExactFloat || n < -maxExactFloat {
			return false
		}
	}
	return len(values) > 0
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return b
}
