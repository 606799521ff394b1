package evaluator

import (
	"slices"
	"sync/atomic"
)

// targetingKey is the context key of the targeting key, as in OpenFeature's
// flattened evaluation context.
const targetingKey = "targetingKey"

// decision is the outcome of the evaluation algorithm before it is turned
// into a Result.
type decision struct {
	variant int // -1: the caller's default
	reason  Reason
	rule    int // index of the rule that served, or -1
	code    ErrorCode
}

// decide runs the evaluation algorithm for one flag.
// Prerequisite recursion terminates because Compile rejects cycles.
//
// m remembers the digests of hashed values computed so far in this
// evaluation (see hashing.go); it is nil for flags that test no hashed
// value, directly or through segments and prerequisites.
func (f *flag) decide(ctx map[string]any, m *hashMemo) decision {
	if !f.enabled {
		return decision{variant: f.off, reason: ReasonDisabled, rule: -1}
	}
	for i := range f.prereqs {
		p := &f.prereqs[i]
		d := p.flag.decide(ctx, m)
		if d.variant < 0 || !p.ok[d.variant] {
			return decision{variant: f.off, reason: ReasonPrerequisiteFailed, rule: -1}
		}
	}
	if f.targets != nil || f.hashedTargets != nil {
		if v := f.target(ctx, m); v >= 0 {
			return decision{variant: v, reason: ReasonTargetingMatch, rule: -1}
		}
	}
	if f.ruleIndex != nil {
		if d, ok := f.decideIndexed(ctx, m); ok {
			return d
		}
	} else {
		for i := range f.rules {
			if r := &f.rules[i]; allMatch(r.conds, ctx, m) {
				return r.serve.decideRule(ctx, i)
			}
		}
	}
	if !f.def.present() {
		return decision{variant: -1, reason: ReasonDefault, rule: -1}
	}
	reason := ReasonDefault
	if f.static {
		reason = ReasonStatic
	}
	return f.def.decide(ctx, reason)
}

// decideIndexed tries the rules of a flag with a rule index: the rules the
// index does not cover, in order, up to the first indexed rule that
// matches; ok is false when no rule matches.
func (f *flag) decideIndexed(ctx map[string]any, m *hashMemo) (d decision, ok bool) {
	ix := f.ruleIndex
	first := ix.firstMatch(ctx, len(f.rules), m)
	for _, i := range ix.others {
		if int(i) > first {
			break
		}
		if r := &f.rules[i]; allMatch(r.conds, ctx, m) {
			return r.serve.decideRule(ctx, int(i)), true
		}
	}
	if first < len(f.rules) {
		return f.rules[first].serve.decideRule(ctx, first), true
	}
	return decision{}, false
}

// decideRule is decide for rule i, which matched.
func (s *serve) decideRule(ctx map[string]any, i int) decision {
	d := s.decide(ctx, ReasonTargetingMatch)
	d.rule = i
	return d
}

// decide serves a fixed variant with reason, or buckets a rollout (SPLIT).
func (s *serve) decide(ctx map[string]any, reason Reason) decision {
	if s.rollout == nil {
		return decision{variant: s.variant, reason: reason, rule: -1}
	}
	point, code := s.rollout.bucketOf(ctx)
	if code != ErrorNone {
		return decision{variant: -1, reason: ReasonError, rule: -1, code: code}
	}
	return decision{variant: s.rollout.pick(point), reason: ReasonSplit, rule: -1}
}

// target returns the variant individually targeted to ctx's targeting
// key, or -1.
func (f *flag) target(ctx map[string]any, m *hashMemo) int {
	key, ok := ctx[targetingKey].(string)
	if !ok || key == "" {
		return -1
	}
	if f.hashedTargets != nil {
		return int(f.hashedTargets.lookupString(key, m))
	}
	if f.targets == nil {
		return -1
	}
	if i := f.targets.keys.find(key); i >= 0 {
		return f.targets.vars[i]
	}
	return -1
}

func allMatch(conds []condition, ctx map[string]any, m *hashMemo) bool {
	for i := range conds {
		if !conds[i].match(ctx, m) {
			return false
		}
	}
	return true
}

// Evaluate evaluates the flag for ctx, a flattened evaluation context whose
// targeting key is under "targetingKey". It never fails: problems come back
// as Reason ERROR with an ErrorCode, and Value is then nil (the caller's
// default applies). ctx is only read, never retained or modified.
//
// For boolean, string, integer and float flags Evaluate does not allocate.
func (e *Evaluator) Evaluate(flagKey string, ctx map[string]any) Result {
	return e.EvaluateAs(flagKey, 0, ctx)
}

// EvaluateAs is Evaluate with a type check: when want is not the zero FlagType and
// differs from the flag's type, the result is the caller's default with
// TYPE_MISMATCH. An integer flag may be read as TypeFloat (its value is
// then a float64); a float flag is never read as an integer.
func (e *Evaluator) EvaluateAs(flagKey string, want FlagType, ctx map[string]any) (res Result) {
	if e == nil {
		return errorResult(ErrorProviderNotReady, 0, nil)
	}
	f := e.flags.get(flagKey)
	if f == nil {
		return errorResult(ErrorFlagNotFound, 0, nil)
	}
	if f.fixed != nil && (want == 0 || want == f.typ) {
		return *f.fixed
	}
	f.evaluate(&res, want, ctx)
	return res
}

// evaluate is EvaluateAs for a flag without a precomputed result, kept
// apart so that the precomputed path has a small stack frame.
func (f *flag) evaluate(res *Result, want FlagType, ctx map[string]any) {
	asFloat := false
	if want != 0 && want != f.typ {
		if want != TypeFloat || f.typ != TypeInteger {
			*res = errorResult(ErrorTypeMismatch, f.typ, f.resultMetadata())
			return
		}
		asFloat = true
	}
	var d decision
	if f.hashing {
		d = f.decideHashing(ctx)
	} else {
		d = f.decide(ctx, nil)
	}
	if !asFloat && d.code == ErrorNone && d.variant >= 0 && f.typ != TypeObject {
		// The Result cached for d (see cachedResults), looked up here in
		// line: the call was a tenth of the time left to evaluate.
		slot := &f.metadata
		if d.rule >= 0 {
			slot = &f.rules[d.rule].metadata
		}
		s := slot.Load()
		if s == nil || s.results == nil {
			s = f.cachedResults(slot, d)
		}
		if s != nil {
			if r := &s.results[d.variant]; r.Reason == d.reason { // one slot, one reason
				*res = *r
				return
			}
		}
	}
	f.fill(res, d, asFloat)
}

// cachedResults builds, the first time a rule or the default serves, the
// complete Result of each variant it may serve, and keeps them in slot
// (the rule's, or for the default the flag's, served); nil for decisions
// that are not cached (targets and prerequisites, which share the flag's
// slot but not its reason). evaluate copies a cached Result whose reason
// is the decision's; errors, the caller's default, object flags (whose
// values are copied) and integers read as floats are filled every time.
//
// Copying a whole Result is what makes it worth it, not the fields it
// saves: the caller reads the Result with 16-byte loads, and those stall
// when the bytes were just written by fill's narrower stores (store
// forwarding fails); a copy writes it with matching 16-byte stores.
func (f *flag) cachedResults(slot *atomic.Pointer[served], d decision) *served {
	if d.rule < 0 && d.reason != ReasonDefault && d.reason != ReasonStatic && d.reason != ReasonSplit {
		return nil // targets, prerequisites: the slot's results are the default's
	}
	built := make([]Result, len(f.variants))
	for i := range built {
		// fill builds the metadata map first, if there is one: it goes
		// into the same slot, before the results.
		f.fill(&built[i], decision{variant: i, reason: d.reason, rule: d.rule}, false)
	}
	for {
		old := slot.Load()
		if old != nil && old.results != nil {
			return old
		}
		next := &served{results: built}
		if old != nil {
			next.metadata = old.metadata
		}
		if slot.CompareAndSwap(old, next) {
			return next
		}
	}
}

// decideHashing is decide with a memo of digests, for flags that test
// hashed values. It is apart so that flags without any keep the small
// stack frame that does not zero a memo.
func (f *flag) decideHashing(ctx map[string]any) decision {
	var m hashMemo
	return f.decide(ctx, &m)
}

// fill writes the Result of a decision into res (filled in place: Result
// is large enough that copying it shows in the benchmarks).
func (f *flag) fill(res *Result, d decision, asFloat bool) {
	res.Reason = d.reason
	res.FlagType = f.typ
	res.Metadata = f.resultMetadata()
	res.TrackEvents = f.trackEvents
	if d.code != ErrorNone {
		res.ErrorCode = d.code
		return
	}
	if d.rule >= 0 {
		r := &f.rules[d.rule]
		res.RuleID = r.id
		res.TrackEvents = res.TrackEvents || r.trackEvents
		res.Metadata = r.resultMetadata(res.Metadata)
	}
	if d.variant >= 0 {
		v := &f.variants[d.variant]
		res.Variant = v.name
		switch {
		case asFloat:
			res.Value = f.asF64[d.variant]
		case f.typ == TypeObject:
			res.Value = copyJSON(v.value)
		default:
			res.Value = v.value
		}
	}
}

func errorResult(code ErrorCode, typ FlagType, metadata map[string]any) Result {
	return Result{Reason: ReasonError, ErrorCode: code, FlagType: typ, Metadata: metadata}
}

// Version returns the ruleset's version label.
func (e *Evaluator) Version() string {
	if e == nil {
		return ""
	}
	return e.version
}

// TenantID returns the ruleset's tenantId.
func (e *Evaluator) TenantID() string {
	if e == nil {
		return ""
	}
	return e.tenantID
}

// Environment returns the ruleset's environment.
func (e *Evaluator) Environment() string {
	if e == nil {
		return ""
	}
	return e.environment
}

// SuggestFlag returns the flag key nearest to key (a different case, or a
// small typo), for a "did you mean" hint when key is not a flag; "" when
// none is near, or key is a flag.
func (e *Evaluator) SuggestFlag(key string) string {
	if e == nil || e.flags.get(key) != nil {
		return ""
	}
	return suggest(key, e.keys)
}

// Keys returns the flag keys in sorted order. The caller owns the slice.
func (e *Evaluator) Keys() []string {
	if e == nil {
		return nil
	}
	return slices.Clone(e.keys)
}

// FlagType returns a flag's declared type, or the zero FlagType if the flag is unknown.
func (e *Evaluator) FlagType(flagKey string) FlagType {
	if e == nil {
		return 0
	}
	if f := e.flags.get(flagKey); f != nil {
		return f.typ
	}
	return 0
}

// ChangedFlags returns, sorted, the keys of flags that were added, removed
// or changed between two evaluators, including flags whose segments or
// prerequisites changed. Either may be nil (no flags).
func ChangedFlags(prev, next *Evaluator) []string {
	var before, after []*flag
	if prev != nil {
		before = prev.list
	}
	if next != nil {
		after = next.list
	}
	// Both lists are in key order: walk them together.
	var changed []string
	for len(before) > 0 || len(after) > 0 {
		switch {
		case len(after) == 0 || (len(before) > 0 && before[0].key < after[0].key):
			changed = append(changed, before[0].key) // removed
			before = before[1:]
		case len(before) == 0 || after[0].key < before[0].key:
			changed = append(changed, after[0].key) // added
			after = after[1:]
		default:
			if before[0].fingerprint != after[0].fingerprint {
				changed = append(changed, after[0].key)
			}
			before, after = before[1:], after[1:]
		}
	}
	return changed
}
