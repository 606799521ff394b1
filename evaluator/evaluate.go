package evaluator

import "slices"

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

// decide runs the evaluation algorithm of SPEC section 2 for one flag.
// Prerequisite recursion terminates because Compile rejects cycles.
func (f *flag) decide(ctx map[string]any) decision {
	if !f.enabled {
		return decision{variant: f.off, reason: ReasonDisabled, rule: -1}
	}
	for i := range f.prereqs {
		p := &f.prereqs[i]
		d := p.flag.decide(ctx)
		if d.variant < 0 || !p.ok[d.variant] {
			return decision{variant: f.off, reason: ReasonPrerequisiteFailed, rule: -1}
		}
	}
	if f.targets != nil {
		if key, ok := ctx[targetingKey].(string); ok && key != "" {
			if vi, ok := f.targets[key]; ok {
				return decision{variant: vi, reason: ReasonTargetingMatch, rule: -1}
			}
		}
	}
	for i := range f.rules {
		r := &f.rules[i]
		if allMatch(r.conds, ctx) {
			d := r.serve.decide(ctx, ReasonTargetingMatch)
			d.rule = i
			return d
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

// decide serves a fixed variant with reason, or buckets a rollout (SPLIT).
func (s *serve) decide(ctx map[string]any, reason Reason) decision {
	if s.rollout == nil {
		return decision{variant: s.variant, reason: reason, rule: -1}
	}
	bucket, code := s.rollout.bucketOf(ctx)
	if code != ErrorNone {
		return decision{variant: -1, reason: ReasonError, rule: -1, code: code}
	}
	return decision{variant: s.rollout.pick(bucket), reason: ReasonSplit, rule: -1}
}

func allMatch(conds []condition, ctx map[string]any) bool {
	for i := range conds {
		if !conds[i].match(ctx) {
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
	return e.EvaluateAs(flagKey, "", ctx)
}

// EvaluateAs is Evaluate with a type check: when want is not empty and
// differs from the flag's type, the result is the caller's default with
// TYPE_MISMATCH. An integer flag may be read as TypeFloat (its value is
// then a float64); a float flag is never read as an integer.
func (e *Evaluator) EvaluateAs(flagKey string, want FlagType, ctx map[string]any) Result {
	if e == nil {
		return errorResult(ErrorProviderNotReady, "", nil)
	}
	f := e.flags[flagKey]
	if f == nil {
		return errorResult(ErrorFlagNotFound, "", nil)
	}
	asFloat := false
	if want != "" && want != f.typ {
		if want != TypeFloat || f.typ != TypeInteger {
			return errorResult(ErrorTypeMismatch, f.typ, f.metadata)
		}
		asFloat = true
	} else if f.fixed != nil {
		return *f.fixed
	}
	var res Result
	f.fill(&res, f.decide(ctx), asFloat)
	return res
}

// fill writes the Result of a decision into res (filled in place: Result
// is large enough that copying it shows in the benchmarks).
func (f *flag) fill(res *Result, d decision, asFloat bool) {
	res.Reason = d.reason
	res.FlagType = f.typ
	res.Metadata = f.metadata
	res.TrackEvents = f.trackEvents
	if d.code != ErrorNone {
		res.ErrorCode = d.code
		res.ErrorMessage = errorMessages[d.code]
		return
	}
	if d.rule >= 0 {
		r := &f.rules[d.rule]
		res.RuleID = r.id
		res.TrackEvents = res.TrackEvents || r.trackEvents
		res.Metadata = r.resultMetadata(f.metadata)
	}
	if d.variant >= 0 {
		v := &f.variants[d.variant]
		res.Variant = v.name
		switch {
		case asFloat:
			res.Value = v.asF64
		case f.typ == TypeObject:
			res.Value = copyJSON(v.value)
		default:
			res.Value = v.value
		}
	}
}

var errorMessages = map[ErrorCode]string{
	ErrorFlagNotFound:        "flag not found in the ruleset",
	ErrorTypeMismatch:        "flag type differs from the requested type",
	ErrorTargetingKeyMissing: "rollout needs a targeting key and the context has none",
	ErrorInvalidContext:      "rollout bucketBy attribute is missing or not a string or integer",
	ErrorProviderNotReady:    "no ruleset has been loaded yet",
}

func errorResult(code ErrorCode, typ FlagType, metadata map[string]any) Result {
	return Result{Reason: ReasonError, ErrorCode: code, ErrorMessage: errorMessages[code], FlagType: typ, Metadata: metadata}
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

// Keys returns the flag keys in sorted order. The caller owns the slice.
func (e *Evaluator) Keys() []string {
	if e == nil {
		return nil
	}
	return slices.Clone(e.keys)
}

// FlagType returns a flag's declared type, or "" if the flag is unknown.
func (e *Evaluator) FlagType(flagKey string) FlagType {
	if e == nil {
		return ""
	}
	if f := e.flags[flagKey]; f != nil {
		return f.typ
	}
	return ""
}

// ChangedFlags returns, sorted, the keys of flags that were added, removed
// or changed between two evaluators, including flags whose segments or
// prerequisites changed. Either may be nil (no flags).
func ChangedFlags(old, new *Evaluator) []string {
	var changed []string
	var oldFlags, newFlags map[string]*flag
	if old != nil {
		oldFlags = old.flags
	}
	if new != nil {
		newFlags = new.flags
	}
	for k, nf := range newFlags {
		if of, ok := oldFlags[k]; !ok || of.fingerprint != nf.fingerprint {
			changed = append(changed, k)
		}
	}
	for k := range oldFlags {
		if _, ok := newFlags[k]; !ok {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	return changed
}
