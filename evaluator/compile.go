package evaluator

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
)

// Evaluator is a compiled, immutable ruleset. It is safe for concurrent use
// by any number of goroutines; a new ruleset is a new Evaluator, so a
// holder swaps them atomically and readers never lock.
//
// A nil *Evaluator is valid: every evaluation returns the caller's default
// with error code PROVIDER_NOT_READY.
type Evaluator struct {
	tenantID    string
	environment string
	version     string
	flags       flagIndex
	list        []*flag  // in key order
	keys        []string // sorted
}

// flag is a compiled Flag.
type flag struct {
	key      string
	typ      FlagType
	enabled  bool
	variants []variant // sorted by name
	asF64    []any     // integer flags: each variant's value as float64, boxed once
	off      int       // variant index, or -1 for the caller's default
	prereqs  []prereq
	targets  *targetIndex // nil without (plain) targets
	// hashedTargets holds every target of a flag with a hashed target
	// list (targets is then nil): digest → variant.
	hashedTargets *digestSet
	// hashing marks a flag that tests hashed values, itself or through
	// its segments and prerequisites: its evaluations carry a hashMemo.
	hashing     bool
	rules       []rule
	ruleIndex   *ruleIndex // nil unless many rules are plain "in" tests of one attribute
	def         serve
	static      bool // no targets and no rules
	meta        []metaEntry
	metadata    atomic.Pointer[served] // of meta, built on first use; and the default's Results
	trackEvents bool
	fingerprint uint64 // changes when anything that decides the flag changes
	// fixed is the precomputed result of a flag whose outcome cannot depend
	// on the context (disabled, or without prerequisites, targets, rules or
	// a default rollout); nil otherwise, and always nil for object flags,
	// whose values are copied.
	fixed *Result
}

type variant struct {
	name  string
	value any // bool, string, int64, float64, or a plain JSON object/array
}

// targetIndex finds the variant individually targeted to a key.
type targetIndex struct {
	keys stringIndex
	vars []int // variant index per key position
}

type prereq struct {
	flag *flag
	ok   []bool // indexed by the prerequisite flag's variant index
}

type rule struct {
	id          string
	conds       []condition
	serve       serve
	trackEvents bool
	// metadata holds the flag's metadata plus ruleId (for a rule with an
	// id) and the Results the rule serves, each built the first time the
	// rule serves (most rules of a large ruleset never do, and a map per
	// rule would double its memory); nil until then.
	metadata atomic.Pointer[served]
}

// served is what a rule, or a flag, builds the first time it serves: the
// metadata map of its results and (cachedResults) each variant's Result.
// It is replaced, never changed: a reader holds either version.
type served struct {
	metadata map[string]any
	results  []Result // per variant; nil until built
}

// resultMetadata returns the metadata of results this rule serves.
func (r *rule) resultMetadata(flagMetadata map[string]any) map[string]any {
	if r.id == "" {
		return flagMetadata
	}
	if s := r.metadata.Load(); s != nil && s.metadata != nil {
		return s.metadata // never nil once built: it holds ruleId
	}
	m := make(map[string]any, len(flagMetadata)+1)
	maps.Copy(m, flagMetadata)
	m["ruleId"] = r.id
	r.metadata.CompareAndSwap(nil, &served{metadata: m}) // fails only to an equal map
	if s := r.metadata.Load(); s.metadata != nil {
		return s.metadata
	}
	return m
}

// serve is a compiled Serve: a fixed variant, a rollout, or (for an absent
// default) nothing.
type serve struct {
	variant int // -1 unless a fixed variant
	rollout *rollout
}

func (s *serve) present() bool { return s.variant >= 0 || s.rollout != nil }

type segment struct {
	name     string // for Explain
	included stringIndex
	excluded stringIndex
	// hashed holds both lists when either is hashed (included and
	// excluded are then empty): digest → listedIncluded|listedExcluded.
	hashed *digestSet
	rules  [][]condition
	// hashes is usesHashing, decided once when compiled: every flag that
	// tests the segment asks, and a scan of its rules per flag was
	// quadratic (20 000 flags testing a segment of 20 000 rules: 3 s).
	hashes bool
}

// Which of a segment's lists a hashed targeting key is in.
const (
	listedIncluded = 1 << iota
	listedExcluded
)

// usesHashing reports whether testing membership may hash a value.
func (s *segment) usesHashing() bool { return s.hashes }

// contains reports whether ctx is in the segment: its targeting key is
// included, or it is not excluded and a rule matches.
func (s *segment) contains(ctx map[string]any, m *hashMemo) bool {
	in, _, _ := s.membership(ctx, m)
	return in
}

// segmentReason is why a context is in a segment or not.
type segmentReason uint8

const (
	segmentIncluded  segmentReason = iota // the targeting key is included
	segmentExcluded                       // the targeting key is excluded
	segmentRule                           // a rule matched
	segmentNoRule                         // the segment has rules; none matched
	segmentNotListed                      // no rules, and the key is in neither list
)

// membership decides whether ctx is in the segment, why, and which rule
// matched (for segmentRule). contains and Explain both use it, so the
// explanation cannot drift from the evaluation.
func (s *segment) membership(ctx map[string]any, m *hashMemo) (bool, segmentReason, int) {
	key, _ := ctx[targetingKey].(string)
	if key != "" && s.hashed != nil {
		switch p := s.hashed.lookupString(key, m); {
		case p < 0: // in neither list
		case p&listedIncluded != 0:
			return true, segmentIncluded, -1
		default:
			return false, segmentExcluded, -1
		}
	} else if key != "" {
		if s.included.has(key) {
			return true, segmentIncluded, -1
		}
		if len(s.excluded.keys) > 0 && s.excluded.has(key) { // most segments exclude no one: skip the call
			return false, segmentExcluded, -1
		}
	}
	for i, conds := range s.rules {
		if allMatch(conds, ctx, m) {
			return true, segmentRule, i
		}
	}
	if len(s.rules) == 0 {
		return false, segmentNotListed, -1
	}
	return false, segmentNoRule, -1
}

// Compile validates rs and builds an Evaluator. Every problem is a
// *ValidationError naming the JSON path of the offending field. Compile
// copies what it keeps: later changes to rs do not affect the Evaluator.
//
// Compile validates even a model that Parse returned, since the model may
// have been changed since; from bytes to an Evaluator, Load validates once.
func Compile(rs *Ruleset) (*Evaluator, error) { return compile(rs, true) }

// validate runs every check of Compile without building what only
// evaluation needs (hash indexes of keys, precomputed results,
// fingerprints).
func validate(rs *Ruleset) error {
	_, err := compile(rs, false)
	return err
}

func compile(rs *Ruleset, build bool) (*Evaluator, error) {
	if rs == nil {
		return nil, &ValidationError{Message: "ruleset is nil"}
	}
	if rs.SchemaVersion != SchemaVersion {
		return nil, errorf("schemaVersion", "unsupported schema version %d: this SDK reads schemaVersion 1", rs.SchemaVersion)
	}
	e := &Evaluator{
		tenantID:    rs.TenantID,
		environment: rs.Environment,
		version:     rs.Version,
		keys:        sortedKeys(rs.Flags),
	}

	if _, ok := rs.Flags[""]; ok {
		return nil, errorf(`flags[""]`, "a flag key must not be empty")
	}
	if _, ok := rs.Segments[""]; ok {
		return nil, errorf(`segments[""]`, "a segment name must not be empty")
	}
	var probs problems
	probs.add(checkValueHashing(rs.ValueHashing))
	segments := compileSegments(rs, build, &probs)

	// Allocate every flag first so prerequisites can point at each other.
	e.list = make([]*flag, len(e.keys))
	for i, key := range e.keys {
		e.list[i] = &flag{key: key}
	}
	var model Flag // one copy reused: nothing compiled keeps a pointer to it
	flags := root("flags")
	for i, key := range e.keys {
		model = rs.Flags[key]
		fc := &flagCompiler{e: e, at: flags.member(key), f: e.list[i], m: &model, all: rs.Flags, segments: segments, build: build, hashing: rs.ValueHashing, probs: &probs}
		fc.compile(rs)
	}
	prereqs := func(key string) []Prerequisite { return rs.Flags[key].Prerequisites }
	if err := e.checkCycles(prereqs); err != nil {
		probs.add(err)
	} else {
		probs.add(checkPrerequisiteCost(e.keys, prereqs))
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	if !build {
		return nil, nil
	}
	e.finish(rs, func(key string) flagFacts {
		f := rs.Flags[key]
		return factsOf(&f)
	})
	return e, nil
}

// compileSegments compiles every segment of rs, in name order.
func compileSegments(rs *Ruleset, build bool, probs *problems) map[string]*segment {
	segments := make(map[string]*segment, len(rs.Segments))
	for _, name := range sortedKeys(rs.Segments) {
		s, err := compileSegment(pathKey("segments", name), rs.Segments[name], conditionScope{inSegment: true, build: build, hashing: rs.ValueHashing})
		if err != nil {
			// Keep the name, so references to the segment are not reported
			// as dangling on top of its own problem.
			probs.add(err)
			s = &segment{}
		}
		s.name = name
		segments[name] = s
	}
	return segments
}

// finish prepares a valid, compiled ruleset for evaluation: which flags
// test hashed values, the precomputed results of fixed flags, the
// fingerprints (from each flag's facts and rs's segments) and the index
// by key.
func (e *Evaluator) finish(rs *Ruleset, facts func(key string) flagFacts) {
	hashing := make(map[*flag]bool)
	for _, f := range e.list {
		f.hashing = f.usesHashing(hashing)
	}
	for _, f := range e.list {
		if f.typ != TypeObject && (!f.enabled || (len(f.prereqs) == 0 && f.static && f.def.rollout == nil)) {
			f.fixed = &Result{}
			f.fill(f.fixed, f.decide(nil, nil), false)
		}
	}
	fp := fingerprinter{keys: e.keys, facts: facts, segments: rs.Segments, done: make([]uint64, len(e.keys)), known: make([]bool, len(e.keys)), segs: make(map[string]uint64)}
	for i := range e.keys {
		e.list[i].fingerprint = fp.flag(i)
		if e.list[i].hashing {
			// The same digests mean other values under another salt.
			h := newHasher()
			h.u64(e.list[i].fingerprint)
			h.str(rs.ValueHashing.Salt)
			e.list[i].fingerprint = h.sum()
		}
	}
	e.flags = newFlagIndex(e.list)
}

func sortedKeys[V any](m map[string]V) []string {
	return appendSortedKeys(make([]string, 0, len(m)), m)
}

// appendSortedKeys appends m's keys to keys in order: given room on the
// stack, the few keys of a flag's variants or metadata cost nothing.
func appendSortedKeys[V any](keys []string, m map[string]V) []string {
	n := len(keys)
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys[n:])
	return keys
}

func compileSegment(path string, s Segment, scope conditionScope) (*segment, error) {
	anyHashed := false
	for _, list := range []struct {
		field string
		keys  []string
	}{{"included", s.Included}, {"excluded", s.Excluded}} {
		sp := root(path)
		lp := sp.member(list.field)
		if i := slices.Index(list.keys, ""); i >= 0 {
			at := lp.at(i)
			return nil, at.problem("empty targeting key: it can never match (contexts without a key are in no list); remove it")
		}
		hashed, err := listForm(&lp, list.keys, scope.hashing)
		if err != nil {
			return nil, err
		}
		anyHashed = anyHashed || hashed
	}
	cs := &segment{}
	switch {
	case anyHashed && scope.build:
		cs.hashed = &digestSet{salt: scope.hashing.Salt, m: make(map[digest]int32, len(s.Included)+len(s.Excluded))}
		for _, key := range s.Included {
			cs.hashed.m[keyDigest(scope.hashing.Salt, key)] |= listedIncluded
		}
		for _, key := range s.Excluded {
			cs.hashed.m[keyDigest(scope.hashing.Salt, key)] |= listedExcluded
		}
	case scope.build:
		cs.included, cs.excluded = stringSet(s.Included), stringSet(s.Excluded)
	}
	sp := root(path)
	rules := sp.member("rules")
	for i, r := range s.Rules {
		rp := rules.at(i)
		cp := rp.member("conditions")
		if len(r.Conditions) == 0 {
			return nil, cp.problem("a segment rule needs at least one condition")
		}
		conds, err := compileConditions(&cp, r.Conditions, scope)
		if err != nil {
			return nil, err
		}
		cs.rules = append(cs.rules, conds)
	}
	cs.hashes = cs.hashed != nil || slices.ContainsFunc(cs.rules, conditionsHash)
	return cs, nil
}

// conditionScope is what compiling a condition needs to know of where it
// sits.
type conditionScope struct {
	segments  map[string]*segment // what inSegment may name
	inSegment bool                // the condition is in a segment rule
	build     bool                // prepare for evaluation, not only validate
	hashing   *ValueHashing       // the ruleset's, checked apart; nil without one
}

func compileConditions(p *loc, list []Condition, scope conditionScope) ([]condition, error) {
	out := make([]condition, len(list))
	var probs problems
	for i := range list {
		at := p.at(i)
		probs.add(compileCondition(&out[i], &at, &list[i], scope))
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// flagCompiler compiles one Flag into f, step by step; each step checks
// one part of the model and fills the matching part of f.
type flagCompiler struct {
	e        *Evaluator
	at       loc // flags.<key>, where the flag's problems are
	f        *flag
	m        *Flag
	all      map[string]Flag
	segments map[string]*segment
	build    bool          // see conditionScope
	hashing  *ValueHashing // see conditionScope
	probs    *problems     // where every problem of the flag goes
	// deferred, when set (loadDirect), receives the prerequisites whose
	// variants are resolved once every flag is compiled; all is nil then.
	deferred *[]deferredPrereq
}

// deferredPrereq is prerequisite i of f, whose variants are to be
// resolved against the compiled flag it names.
type deferredPrereq struct {
	f        *flag
	i        int
	variants []string
}

// resolve sets which variants of the prerequisite's flag satisfy it; it
// fails if one is not a variant of that flag.
func (dp deferredPrereq) resolve() bool {
	p := &dp.f.prereqs[dp.i]
	p.ok = make([]bool, len(p.flag.variants))
	for _, name := range dp.variants {
		k, found := slices.BinarySearchFunc(p.flag.variants, name, variantNamed)
		if !found {
			return false
		}
		p.ok[k] = true
	}
	return true
}

// variantNamed orders a flag's variants (sorted by name) against a name.
func variantNamed(v variant, name string) int { return strings.Compare(v.name, name) }

// compile runs the steps of compiling a flag. The type and the variants
// come first and stop the flag at their first problem (every later step
// refers to them); each later step is independent, so each reports its
// problem and the next one runs.
func (fc *flagCompiler) compile(rs *Ruleset) {
	for _, step := range []func() error{fc.kind, fc.variants} {
		if err := step(); err != nil {
			fc.probs.add(err)
			return
		}
	}
	for _, step := range []func() error{fc.offVariant, fc.prerequisites, fc.targets, fc.rules, fc.defaultServe} {
		fc.probs.add(step())
	}
	fc.probs.add(fc.metadata(rs))
}

// kind checks the flag type and copies the switches.
func (fc *flagCompiler) kind() error {
	switch m := fc.m; {
	case m.Type.valid():
		fc.f.typ = m.Type
	case m.Type == 0:
		return fc.at.problem("missing required field \"type\": %s", flagTypeHint)
	default:
		tp := fc.at.member("type")
		return tp.problem("unknown flag type %d; %s", uint8(m.Type), flagTypeHint)
	}
	fc.f.enabled = fc.m.Enabled == nil || *fc.m.Enabled
	fc.f.trackEvents = fc.m.TrackEvents
	fc.f.static = len(fc.m.Targets) == 0 && len(fc.m.Rules) == 0
	return nil
}

// variants checks each variant value against the type; variants are kept
// in name order, which is what variant indexes refer to.
func (fc *flagCompiler) variants() error {
	m := fc.m
	if len(m.Variants) == 0 {
		vp := fc.at.member("variants")
		return vp.problem("a flag needs at least one variant")
	}
	vp := fc.at.member("variants")
	fc.f.variants = make([]variant, 0, len(m.Variants))
	if m.Type == TypeInteger {
		fc.f.asF64 = make([]any, 0, len(m.Variants))
	}
	var room [8]string
	for _, name := range appendSortedKeys(room[:0], m.Variants) {
		if name == "" {
			return vp.problem("a variant name must not be empty")
		}
		np := vp.member(name)
		v, err := variantValue(&np, m.Type, m.Variants[name])
		if err != nil {
			return err
		}
		v.name = name
		fc.f.variants = append(fc.f.variants, v)
		if m.Type == TypeInteger {
			fc.f.asF64 = append(fc.f.asF64, float64(v.value.(int64)))
		}
	}
	return nil
}

// lookup resolves a variant name written at p to its index in
// f.variants, which are in name order.
func (fc *flagCompiler) lookup(p *loc, name string) (int, error) {
	if i, ok := slices.BinarySearchFunc(fc.f.variants, name, variantNamed); ok {
		return i, nil
	}
	names := sortedKeys(fc.m.Variants)
	return 0, p.problem("%s", unknownName("variant", name, names, "the flag's variants are "+strings.Join(names, ", ")))
}

func (fc *flagCompiler) offVariant() error {
	fc.f.off = -1
	if fc.m.OffVariant == "" {
		return nil
	}
	op := fc.at.member("offVariant")
	var err error
	fc.f.off, err = fc.lookup(&op, fc.m.OffVariant)
	return err
}

// prerequisites resolves each prerequisite to the compiled flag it names
// and the variants that satisfy it. Cycles are checked once all flags are
// compiled.
func (fc *flagCompiler) prerequisites() error {
	list := fc.at.member("prerequisites")
	for i, p := range fc.m.Prerequisites {
		pp := list.at(i)
		fp, vp := pp.member("flag"), pp.member("variants")
		at, ok := slices.BinarySearch(fc.e.keys, p.Flag)
		switch {
		case p.Flag == "":
			return fp.problem("prerequisite needs a flag key")
		case p.Flag == fc.f.key:
			return fp.problem("flag %q cannot be its own prerequisite", p.Flag)
		case !ok:
			return fp.problem("%s", unknownName("flag", p.Flag, fc.e.keys, "define it under flags or fix the key"))
		case len(p.Variants) == 0:
			return vp.problem("list at least one variant of %q that satisfies the prerequisite", p.Flag)
		}
		if fc.deferred != nil {
			// loadDirect: the flag named may not be compiled yet.
			*fc.deferred = append(*fc.deferred, deferredPrereq{f: fc.f, i: len(fc.f.prereqs), variants: slices.Clone(p.Variants)})
			fc.f.prereqs = append(fc.f.prereqs, prereq{flag: fc.e.list[at]})
			continue
		}
		other := sortedKeys(fc.all[p.Flag].Variants) // variant indexes follow name order
		cp := prereq{flag: fc.e.list[at], ok: make([]bool, len(other))}
		for j, name := range p.Variants {
			k, found := slices.BinarySearch(other, name)
			if !found {
				np := vp.at(j)
				return np.problem("unknown variant %q of flag %q; its variants are %s%s", name, p.Flag, strings.Join(other, ", "), didYouMean(name, other))
			}
			cp.ok[k] = true
		}
		fc.f.prereqs = append(fc.f.prereqs, cp)
	}
	return nil
}

// targets indexes the individually targeted keys; a key may repeat under
// one variant but not appear under two.
func (fc *flagCompiler) targets() error {
	anyHashed := false
	list := fc.at.member("targets")
	for i, t := range fc.m.Targets {
		tp := list.at(i)
		vp := tp.member("values")
		hashed, err := listForm(&vp, t.Values, fc.hashing)
		if err != nil {
			return err
		}
		anyHashed = anyHashed || hashed
	}
	if anyHashed {
		return fc.hashedTargets()
	}
	seen := make(map[string]int) // key → variant index
	var keys []string
	var vars []int
	err := fc.eachTarget(func(key string, vi int) (int, bool) {
		if prev, dup := seen[key]; dup {
			return prev, true
		}
		seen[key] = vi
		keys = append(keys, key)
		vars = append(vars, vi)
		return 0, false
	})
	if err == nil && fc.build && len(keys) > 0 {
		fc.f.targets = &targetIndex{keys: newStringIndex(keys), vars: vars}
	}
	return err
}

// hashedTargets compiles the targets of a flag with a hashed target list:
// every target, plain ones too, goes into one digest set, so that a key
// listed plainly under one variant and hashed under another is caught.
func (fc *flagCompiler) hashedTargets() error {
	set := &digestSet{salt: fc.hashing.Salt, m: make(map[digest]int32)}
	err := fc.eachTarget(func(key string, vi int) (int, bool) {
		d := keyDigest(set.salt, key)
		if prev, dup := set.m[d]; dup {
			return int(prev), true
		}
		set.m[d] = int32(vi)
		return 0, false
	})
	if err == nil && fc.build {
		fc.f.hashedTargets = set
	}
	return err
}

// eachTarget checks each target's variant and values and calls add with
// each targeting key and its variant's index; add reports the variant a
// key already had, if it had one. A key may repeat under its variant but
// not appear under a second one.
func (fc *flagCompiler) eachTarget(add func(key string, vi int) (prev int, dup bool)) error {
	list := fc.at.member("targets")
	for i, t := range fc.m.Targets {
		tp := list.at(i)
		vp, valp := tp.member("variant"), tp.member("values")
		vi, err := fc.lookup(&vp, t.Variant)
		if err != nil {
			return err
		}
		if len(t.Values) == 0 {
			return valp.problem("a target needs at least one targeting key")
		}
		for j, key := range t.Values {
			// Messages name the position, not the key: targeting keys are
			// often e-mail addresses, and errors reach logs.
			if key == "" {
				at := valp.at(j)
				return at.problem("empty targeting key: it can never match (contexts without a key skip targets); remove it")
			}
			if prev, dup := add(key, vi); dup && prev != vi {
				at := valp.at(j)
				return at.problem("this targeting key is already targeted to variant %q; a key may appear under one variant only", fc.f.variants[prev].name)
			}
		}
	}
	return nil
}

func (fc *flagCompiler) rules() error {
	var ids map[string]int
	if len(fc.m.Rules) > 0 {
		ids = make(map[string]int, len(fc.m.Rules))
		fc.f.rules = make([]rule, 0, len(fc.m.Rules))
	}
	rules := fc.at.member("rules")
	for i := range fc.m.Rules {
		r := &fc.m.Rules[i]
		rp := rules.at(i)
		if r.ID != "" {
			if prev, dup := ids[r.ID]; dup {
				idp := rp.member("id")
				fc.probs.add(idp.problem("rule id %q is already used by rules[%d]; rule ids must be unique within a flag", r.ID, prev))
			} else {
				ids[r.ID] = i
			}
		}
		// A rule's conditions and its serve are independent: report both.
		cp, sp := rp.member("conditions"), rp.member("serve")
		conds, err := compileConditions(&cp, r.Conditions, conditionScope{segments: fc.segments, build: fc.build, hashing: fc.hashing})
		fc.probs.add(err)
		s, err2 := fc.serve(&sp, &r.Serve)
		fc.probs.add(err2)
		if err != nil || err2 != nil {
			continue
		}
		fc.f.rules = append(fc.f.rules, rule{id: r.ID, conds: conds, serve: s, trackEvents: r.TrackEvents})
	}
	if fc.build {
		fc.f.ruleIndex = newRuleIndex(fc.f.rules)
	}
	return nil
}

func (fc *flagCompiler) defaultServe() error {
	fc.f.def = serve{variant: -1}
	if fc.m.Default == nil {
		return nil
	}
	dp := fc.at.member("default")
	var err error
	fc.f.def, err = fc.serve(&dp, fc.m.Default)
	return err
}

// metadata checks the flag's metadata and adds the ruleset's identity:
// "rulesetTenantId", "rulesetEnvironment" and "rulesetVersion", each when
// the ruleset has it. They let a hook name the flag set and its version
// (OpenTelemetry's feature_flag.set.id and feature_flag.version) without
// the provider knowing about the hook.
//
// The entries are kept as a list; the map results carry is built the first
// time the flag is evaluated (most flags of a large ruleset never are in a
// given service, and a small Go map costs several times the list).
func (fc *flagCompiler) metadata(rs *Ruleset) error {
	m := fc.m
	identity := [...]metaEntry{{"rulesetTenantId", rs.TenantID}, {"rulesetEnvironment", rs.Environment}, {"rulesetVersion", rs.Version}}
	n := len(m.Metadata)
	for _, id := range identity {
		if id.value != "" {
			n++
		}
	}
	var entries []metaEntry
	if n > 0 {
		entries = make([]metaEntry, 0, n) // at most n: an identity key may replace the flag's own
	}
	mp := fc.at.member("metadata")
	var room [8]string
	for _, k := range appendSortedKeys(room[:0], m.Metadata) {
		kp := mp.member(k)
		v, err := metadataValue(&kp, m.Metadata[k])
		if err != nil {
			return err
		}
		entries = append(entries, metaEntry{k, v})
	}
	for _, id := range identity {
		if id.value == "" {
			continue
		}
		if i := slices.IndexFunc(entries, func(e metaEntry) bool { return e.key == id.key }); i >= 0 {
			entries[i] = id // the ruleset's identity wins over the flag's own entry
		} else {
			entries = append(entries, id)
		}
	}
	fc.f.meta = entries
	return nil
}

// metaEntry is one entry of a flag's metadata.
type metaEntry struct {
	key   string
	value any
}

// resultMetadata returns the flag's metadata map, built on first use;
// nil when the flag has none.
func (f *flag) resultMetadata() map[string]any {
	if len(f.meta) == 0 {
		return nil
	}
	if s := f.metadata.Load(); s != nil && s.metadata != nil {
		return s.metadata
	}
	m := make(map[string]any, len(f.meta))
	for _, e := range f.meta {
		m[e.key] = e.value
	}
	f.metadata.CompareAndSwap(nil, &served{metadata: m}) // fails only to an equal map
	if s := f.metadata.Load(); s.metadata != nil {
		return s.metadata
	}
	return m
}

func (fc *flagCompiler) serve(p *loc, s *Serve) (serve, error) {
	out := serve{variant: -1}
	switch {
	case s.Variant != "" && s.Rollout != nil:
		return out, p.problem("set exactly one of variant or rollout, not both")
	case s.Variant == "" && s.Rollout == nil:
		return out, p.problem("set exactly one of variant or rollout")
	case s.Variant != "":
		vp := p.member("variant")
		var err error
		out.variant, err = fc.lookup(&vp, s.Variant)
		return out, err
	}
	ro := s.Rollout
	rp := p.member("rollout")
	vsp := rp.member("variants")
	if len(ro.Variants) == 0 {
		return out, vsp.problem("a rollout needs at least one weighted variant")
	}
	seed := fc.f.key
	if ro.Seed != nil {
		seed = *ro.Seed
	}
	cr := &rollout{prefix: seed + "."}
	switch ro.Algorithm {
	case "", BucketAlgorithm:
	case BucketAlgorithmFlagd:
		cr.flagd, cr.prefix = true, seed
	default:
		ap := rp.member("algorithm")
		return out, ap.problem("unknown algorithm %q; use %q (the default) or %q (flagd's fractional bucketing)", ro.Algorithm, BucketAlgorithm, BucketAlgorithmFlagd)
	}
	by := ro.BucketBy
	if by == "" {
		by = targetingKey
	}
	var problem string
	if cr.bucketBy, problem = parseAttr(by); problem != "" {
		bp := rp.member("bucketBy")
		return out, bp.problem("%s", problem)
	}
	cr.byKey = by == targetingKey
	cr.variants = make([]int, 0, len(ro.Variants))
	cr.limits = make([]uint64, 0, len(ro.Variants))
	// Repeats are found by scanning the few variants of most rollouts; a
	// long rollout marks them by index, as scanning would be quadratic (a
	// rollout of 100 000 variants took 1.4 s to load).
	var listed []bool
	if len(ro.Variants) > 16 {
		listed = make([]bool, len(fc.f.variants))
	}
	for i, wv := range ro.Variants {
		wp := vsp.at(i)
		vp := wp.member("variant")
		vi, err := fc.lookup(&vp, wv.Variant)
		if err != nil {
			return out, err
		}
		if listed != nil && listed[vi] || listed == nil && slices.Contains(cr.variants, vi) {
			return out, vp.problem("variant %q is listed twice in the rollout; merge the weights", wv.Variant)
		}
		if wv.Weight > 1<<32-cr.total { // checked before adding, so it cannot wrap
			return out, vsp.problem("weights add up to more than 4294967296")
		}
		cr.total += wv.Weight
		cr.variants = append(cr.variants, vi)
		if listed != nil {
			listed[vi] = true
		}
		limit := cr.total * Buckets
		if cr.flagd {
			limit = cr.total
		}
		cr.limits = append(cr.limits, limit)
	}
	if cr.total == 0 {
		return out, vsp.problem("weights add up to 0; give at least one variant a positive weight")
	}
	out.rollout = cr
	return out, nil
}

// variantValue checks a variant value against the flag type and converts it
// to the form results carry.
func variantValue(p *loc, typ FlagType, v any) (variant, error) {
	bad := func(want string) (variant, error) {
		return variant{}, p.problem("expected %s for %s flag, got %s", want, withArticle(typ.String()), describe(v))
	}
	switch typ {
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return bad("true or false")
		}
		return variant{value: b}, nil
	case TypeString:
		s, ok := v.(string)
		if !ok {
			return bad("a string")
		}
		return variant{value: s}, nil
	case TypeInteger:
		if _, ok := finiteNumber(v); !ok {
			return bad("a whole number")
		}
		i, ok := wholeNumber(v)
		if !ok {
			return variant{}, p.problem("expected a whole number within int64 for an integer flag (a Go float only up to 2^53, where it is exact), got %s; use a float flag for fractions", describe(v))
		}
		return variant{value: i}, nil
	case TypeFloat:
		n, ok := finiteNumber(v)
		if !ok {
			return bad("a number")
		}
		return variant{value: n.f}, nil
	default: // TypeObject
		switch v.(type) {
		case map[string]any, []any:
		default:
			return bad("a JSON object or array")
		}
		if below, bad := badJSON(v); bad {
			return variant{}, errorf(p.String()+below, "object values may hold only JSON values (objects, arrays, strings, finite numbers, booleans, null)")
		}
		return variant{value: copyJSON(v)}, nil
	}
}

// badJSON reports whether v holds something other than plain JSON values,
// and the path of the first such value below v (".a[2]"), built only then.
func badJSON(v any) (string, bool) {
	switch t := v.(type) {
	case nil, string, bool, json.Number:
		return "", false
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if below, bad := badJSON(t[k]); bad {
				return pathKey("_", k)[1:] + below, true // the member as pathKey writes it after a path
			}
		}
		return "", false
	case []any:
		for i, e := range t {
			if below, bad := badJSON(e); bad {
				return pathIndex("", i) + below, true
			}
		}
		return "", false
	}
	if _, ok := finiteNumber(v); ok {
		return "", false
	}
	return "", true
}

// withArticle puts "a" or "an" before a word.
func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// metadataValue checks a metadata value; whole numbers become int64, other
// numbers float64.
func metadataValue(p *loc, v any) (any, error) {
	switch t := v.(type) {
	case string, bool:
		return t, nil
	}
	n, ok := finiteNumber(v)
	if !ok {
		return nil, p.problem("metadata values must be strings, numbers or booleans, got %s", describe(v))
	}
	if i, ok := wholeNumber(v); ok {
		return i, nil
	}
	return n.f, nil
}

// checkCycles rejects prerequisite cycles, naming the cycle; prereqs
// returns a flag's prerequisites (none for a key that is not a flag).
func (e *Evaluator) checkCycles(prereqs func(key string) []Prerequisite) error {
	const (
		unvisited = iota
		active
		done
	)
	state := make([]uint8, len(e.keys)) // by position in e.keys
	var stack []string
	var visit func(at int) error
	visit = func(at int) error {
		key := e.keys[at]
		state[at] = active
		stack = append(stack, key)
		for i, p := range prereqs(key) {
			next, ok := slices.BinarySearch(e.keys, p.Flag)
			if !ok || p.Flag == key {
				continue // reported by the flag's own prerequisites step
			}
			switch state[next] {
			case active:
				start := slices.Index(stack, p.Flag)
				cycle := append(slices.Clone(stack[start:]), p.Flag)
				return errorf(pathIndex(pathKey("flags", key)+".prerequisites", i)+".flag",
					"prerequisite cycle %s; remove one of these prerequisites", strings.Join(cycle, " → "))
			case unvisited:
				if err := visit(next); err != nil {
					return err
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[at] = done
		return nil
	}
	for at := range e.keys {
		if state[at] == unvisited {
			if err := visit(at); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxPrerequisiteEvaluations bounds how many flag evaluations one
// evaluation may take through prerequisites. Each prerequisite is
// evaluated in full every time, so flags that share prerequisites in a
// chain multiply: 30 flags each needing the two before it would cost
// about a million evaluations per call.
const maxPrerequisiteEvaluations = 1000

// checkPrerequisiteCost rejects a flag whose prerequisites, counted with
// repeats, exceed maxPrerequisiteEvaluations. It runs after checkCycles.
func checkPrerequisiteCost(keys []string, prereqs func(key string) []Prerequisite) error {
	cost := make([]int32, len(keys)) // by position in keys; 0 until known
	var of func(at int) int32
	of = func(at int) int32 {
		if c := cost[at]; c > 0 {
			return c
		}
		key := keys[at]
		c := int32(1)
		for _, p := range prereqs(key) {
			if next, ok := slices.BinarySearch(keys, p.Flag); ok && p.Flag != key {
				c = min(c+of(next), maxPrerequisiteEvaluations+1) // saturate: no overflow
			}
		}
		cost[at] = c
		return c
	}
	for at, key := range keys {
		if of(at) > maxPrerequisiteEvaluations {
			return errorf(pathKey("flags", key)+".prerequisites", "evaluating this flag would evaluate more than %d flags through its prerequisites (prerequisites that share prerequisites multiply); make the chain shorter, or list the flags it needs directly", maxPrerequisiteEvaluations)
		}
	}
	return nil
}

// fingerprinter hashes each flag's definition together with the segments and
// prerequisites it depends on, so ChangedFlags sees indirect changes too.
type fingerprinter struct {
	keys     []string // sorted
	facts    func(key string) flagFacts
	segments map[string]Segment
	done     []uint64 // by position in keys, when known
	known    []bool
	segs     map[string]uint64
}

// flagFacts is what the passes over all flags (cycles, cost, fingerprints)
// need of a flag's model, so that they also run when the model of each
// flag is gone once it is compiled (loadDirect).
type flagFacts struct {
	hash     uint64   // hasher.flag of the flag's model
	segments []string // the segments its rules' inSegment conditions name, in order
	prereqs  []Prerequisite
}

// factsOf reads the facts of a flag's model.
func factsOf(f *Flag) flagFacts {
	h := newHasher()
	h.flag(f)
	facts := flagFacts{hash: h.sum(), prereqs: f.Prerequisites}
	for _, r := range f.Rules {
		for _, c := range r.Conditions {
			if c.Operator != OpInSegment {
				continue
			}
			for _, v := range c.Values {
				name, _ := v.(string)
				facts.segments = append(facts.segments, name)
			}
		}
	}
	return facts
}

// flag is the fingerprint of the flag at position at of keys.
func (fp *fingerprinter) flag(at int) uint64 {
	if fp.known[at] {
		return fp.done[at]
	}
	facts := fp.facts(fp.keys[at])
	h := newHasher()
	h.u64(facts.hash)
	for _, name := range facts.segments {
		sh, ok := fp.segs[name]
		if !ok {
			seg := newHasher()
			seg.segment(fp.segments[name])
			sh = seg.sum()
			fp.segs[name] = sh
		}
		h.u64(sh)
	}
	for _, p := range facts.prereqs {
		next, _ := slices.BinarySearch(fp.keys, p.Flag) // a flag: Compile checked
		h.u64(fp.flag(next))
	}
	sum := h.sum()
	fp.done[at], fp.known[at] = sum, true
	return sum
}
