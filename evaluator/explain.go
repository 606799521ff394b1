package evaluator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Explanation says why a flag resolved as it did for one context. Explain
// returns it; it is plain data with JSON tags, and String renders it for
// people. Context attribute values appear only when asked for with
// ExplainOptions.ShowValues; names, operators, variants and segment names
// come from the ruleset.
type Explanation struct {
	Flag           string `json:"flag"`
	RulesetVersion string `json:"rulesetVersion,omitempty"`
	// Found is false when the ruleset has no such flag.
	Found   bool `json:"found"`
	Enabled bool `json:"enabled"`
	// Prerequisites are tried in order; evaluation stops at the first
	// that fails.
	Prerequisites []PrerequisiteTrace `json:"prerequisites,omitempty"`
	// Target is the individual target the targeting key hit, if any.
	Target *TargetTrace `json:"target,omitempty"`
	// Rules are the rules tried, in order, up to the one that matched.
	Rules []RuleTrace `json:"rules,omitempty"`
	// Default is the default serve, when it was reached.
	Default *ServeTrace `json:"default,omitempty"`
	// Variant, Reason, ErrorCode and RuleID are those of Evaluate.
	Variant   string    `json:"variant"`
	Reason    Reason    `json:"reason"`
	ErrorCode ErrorCode `json:"errorCode,omitempty"`
	RuleID    string    `json:"ruleId,omitempty"`
}

// PrerequisiteTrace is one prerequisite tried.
type PrerequisiteTrace struct {
	Flag      string       `json:"flag"`
	Variant   string       `json:"variant"` // what the prerequisite resolved to
	Satisfied bool         `json:"satisfied"`
	Trace     *Explanation `json:"trace"`
}

// TargetTrace is an individual target hit.
type TargetTrace struct {
	Variant string `json:"variant"`
}

// RuleTrace is one rule tried, with each condition's outcome up to the
// first that failed.
type RuleTrace struct {
	Index      int              `json:"index"`
	ID         string           `json:"id,omitempty"`
	Matched    bool             `json:"matched"`
	Conditions []ConditionTrace `json:"conditions"`
	Serve      *ServeTrace      `json:"serve,omitempty"`
}

// Condition outcomes.
const (
	OutcomeMatched          = "matched"
	OutcomeNotMatched       = "not matched"
	OutcomeAttributeMissing = "attribute missing"
	OutcomeTypeMismatch     = "type mismatch"
)

// ConditionTrace is one condition's outcome.
type ConditionTrace struct {
	Attribute string `json:"attribute,omitempty"`
	Operator  string `json:"operator"`
	Negate    bool   `json:"negate,omitempty"`
	Outcome   string `json:"outcome"`
	// Value is the context's attribute value, only with ShowValues, and
	// never for an attribute the context names in privateAttributes (or
	// the targeting key of an anonymous context): Private is set instead.
	Value   any  `json:"value,omitempty"`
	Private bool `json:"private,omitempty"`
	// Segments explains inSegment, one entry per segment checked.
	Segments []SegmentTrace `json:"segments,omitempty"`
}

// SegmentTrace says whether the context is in a segment and why.
type SegmentTrace struct {
	Segment string `json:"segment"`
	In      bool   `json:"in"`
	Why     string `json:"why"`
}

// ServeTrace is what a rule or the default serves.
type ServeTrace struct {
	Variant string        `json:"variant,omitempty"`
	Rollout *RolloutTrace `json:"rollout,omitempty"`
}

// RolloutTrace is a percentage rollout: the bucket of the context and
// the bucket range of each variant, [From, To) out of Buckets. For
// xxh64-v1 there are 100 000 buckets; for murmur3-flagd as many as the
// weights add up to.
type RolloutTrace struct {
	Algorithm string        `json:"algorithm"`
	BucketBy  string        `json:"bucketBy"`
	Bucket    uint64        `json:"bucket"`
	Buckets   uint64        `json:"buckets"`
	Ranges    []WeightRange `json:"ranges"`
	ErrorCode ErrorCode     `json:"errorCode,omitempty"`
}

// WeightRange is one variant's share of a rollout.
type WeightRange struct {
	Variant string `json:"variant"`
	Weight  uint64 `json:"weight"`
	From    uint64 `json:"from"`
	To      uint64 `json:"to"`
}

// ExplainOptions adjust Explain; the zero value shows no context values.
type ExplainOptions struct {
	// ShowValues puts the context's attribute values in the trace, except
	// those the context marks private (privateAttributes, and the
	// targeting key of an anonymous context). Other values may still be
	// personal data: leave it off where traces reach logs.
	ShowValues bool
}

// Explain is ExplainWith and the zero ExplainOptions.
func (e *Evaluator) Explain(flagKey string, ctx map[string]any) *Explanation {
	return e.ExplainWith(flagKey, ctx, ExplainOptions{})
}

// ExplainWith evaluates the flag for ctx as Evaluate does and records why.
// It is a separate walk over the compiled flag, so Evaluate pays nothing
// for it; it allocates and is meant for people and tools, not the hot
// path. Safe for concurrent use; ctx is only read.
func (e *Evaluator) ExplainWith(flagKey string, ctx map[string]any, opts ExplainOptions) *Explanation {
	x := &Explanation{Flag: flagKey}
	if e == nil {
		x.Reason, x.ErrorCode = ReasonError, ErrorProviderNotReady
		return x
	}
	x.RulesetVersion = e.version
	f := e.flags.get(flagKey)
	if f == nil {
		x.Reason, x.ErrorCode = ReasonError, ErrorFlagNotFound
		return x
	}
	f.explain(x, ctx, opts)
	return x
}

func (f *flag) explain(x *Explanation, ctx map[string]any, opts ExplainOptions) {
	x.Found, x.Enabled = true, f.enabled
	d := f.decide(ctx, nil) // the outcome is Evaluate's by construction
	x.Variant = f.variantName(d.variant)
	x.Reason, x.ErrorCode = d.reason, d.code
	if d.rule >= 0 {
		x.RuleID = f.rules[d.rule].id
	}
	if !f.enabled {
		return
	}
	for i := range f.prereqs {
		p := &f.prereqs[i]
		sub := &Explanation{Flag: p.flag.key, RulesetVersion: x.RulesetVersion}
		p.flag.explain(sub, ctx, opts)
		pd := p.flag.decide(ctx, nil)
		ok := pd.variant >= 0 && p.ok[pd.variant]
		x.Prerequisites = append(x.Prerequisites, PrerequisiteTrace{Flag: p.flag.key, Variant: sub.Variant, Satisfied: ok, Trace: sub})
		if !ok {
			return
		}
	}
	if v := f.target(ctx, nil); v >= 0 {
		x.Target = &TargetTrace{Variant: f.variantName(v)}
		return
	}
	for i := range f.rules {
		r := &f.rules[i]
		rt := RuleTrace{Index: i, ID: r.id, Matched: true, Conditions: []ConditionTrace{}}
		for j := range r.conds {
			ct := r.conds[j].explain(ctx, opts)
			rt.Conditions = append(rt.Conditions, ct)
			if ct.Outcome != OutcomeMatched {
				rt.Matched = false
				break
			}
		}
		if rt.Matched {
			rt.Serve = f.explainServe(&r.serve, ctx)
		}
		x.Rules = append(x.Rules, rt)
		if rt.Matched {
			return
		}
	}
	if f.def.present() {
		x.Default = f.explainServe(&f.def, ctx)
	}
}

func (f *flag) variantName(i int) string {
	if i < 0 {
		return ""
	}
	return f.variants[i].name
}

func (f *flag) explainServe(s *serve, ctx map[string]any) *ServeTrace {
	if s.rollout == nil {
		return &ServeTrace{Variant: f.variantName(s.variant)}
	}
	r := s.rollout
	rt := &RolloutTrace{Algorithm: BucketAlgorithm, BucketBy: r.bucketBy.name(), Buckets: Buckets}
	if r.flagd {
		// The point bucketOf returns is the bucket, out of total.
		rt.Algorithm, rt.Buckets = BucketAlgorithmFlagd, r.total
	}
	if rt.BucketBy == "" {
		rt.BucketBy = targetingKey
	}
	var prev uint64
	for i, c := range r.cumulative() {
		w := WeightRange{Variant: f.variantName(r.variants[i]), Weight: c - prev, From: prev, To: c}
		if !r.flagd {
			// pick serves variant i for bucket*total < c*Buckets.
			w.From, w.To = ceilDiv(prev*Buckets, r.total), ceilDiv(c*Buckets, r.total)
		}
		rt.Ranges = append(rt.Ranges, w)
		prev = c
	}
	point, code := r.bucketOf(ctx)
	rt.ErrorCode = code
	if code != ErrorNone {
		return &ServeTrace{Rollout: rt}
	}
	rt.Bucket = point
	if !r.flagd {
		rt.Bucket = point / r.total // the point is bucket*total
	}
	return &ServeTrace{Variant: f.variantName(r.pick(point)), Rollout: rt}
}

func ceilDiv(a, b uint64) uint64 { return (a + b - 1) / b }

// markedPrivate reports whether ctx marks attribute a private, as the
// privacy package reads a context: a privateAttributes entry naming it
// (its top-level name, its pointer, or a pointer to a map that holds it),
// or the targeting key of a context with "anonymous": true.
func markedPrivate(ctx map[string]any, a attrRef) bool {
	if anon, _ := ctx["anonymous"].(bool); anon && a.key == targetingKey {
		return true
	}
	pointer := a.name()
	if !strings.HasPrefix(pointer, "/") {
		pointer = "/" + strings.ReplaceAll(strings.ReplaceAll(a.name(), "~", "~0"), "/", "~1")
	}
	check := func(p string) bool {
		if !strings.HasPrefix(p, "/") {
			p = "/" + strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
		}
		return p == pointer || strings.HasPrefix(pointer, p+"/")
	}
	switch list := ctx["privateAttributes"].(type) {
	case []string:
		return slices.ContainsFunc(list, check)
	case []any:
		return slices.ContainsFunc(list, func(e any) bool { s, ok := e.(string); return ok && check(s) })
	}
	return false
}

func (c *condition) explain(ctx map[string]any, opts ExplainOptions) ConditionTrace {
	ct := ConditionTrace{Attribute: c.attr.name(), Operator: string(c.op.name), Negate: c.negate}
	matched := c.match(ctx, nil)
	ct.Outcome = OutcomeNotMatched
	if matched {
		ct.Outcome = OutcomeMatched
	}
	if c.op.segments {
		for _, s := range c.segments {
			in, why := s.explain(ctx)
			ct.Segments = append(ct.Segments, SegmentTrace{Segment: s.name, In: in, Why: why})
		}
		return ct
	}
	v, ok := c.attr.lookup(ctx)
	if opts.ShowValues && ok {
		if markedPrivate(ctx, c.attr) {
			ct.Private = true
		} else {
			ct.Value = v
		}
	}
	switch {
	case !ok:
		ct.Outcome = OutcomeAttributeMissing
	case !matched && c.op.matchesValues() && !c.accepts(v):
		ct.Outcome = OutcomeTypeMismatch
	}
	return ct
}

// accepts reports whether the operator has a comparison for v's kind (for
// a list, for any element's).
func (c *condition) accepts(v any) bool {
	switch list := v.(type) {
	case []any:
		for _, e := range list {
			if c.accepts(e) {
				return true
			}
		}
		return false
	case []string:
		return c.op.str != nil
	case []int, []int64, []float64:
		return c.op.num != nil
	case string:
		return c.op.str != nil
	case bool:
		return c.op.boolean != nil
	case time.Time:
		return c.op.time != nil
	}
	_, isNum := toNumber(v)
	return isNum && c.op.num != nil
}

// explain is contains with the reason.
func (s *segment) explain(ctx map[string]any) (bool, string) {
	in, why, rule := s.membership(ctx, nil)
	switch why {
	case segmentIncluded:
		return in, "targeting key included"
	case segmentExcluded:
		return in, "targeting key excluded"
	case segmentRule:
		return in, fmt.Sprintf("rules[%d] matched", rule)
	case segmentNotListed:
		return in, "targeting key not listed"
	}
	return in, "no rule matched"
}

// String renders the explanation for people, one fact a line.
func (x *Explanation) String() string {
	var b strings.Builder
	x.write(&b, "")
	return b.String()
}

func (x *Explanation) write(b *strings.Builder, in string) {
	fmt.Fprintf(b, "%sflag %q", in, x.Flag)
	if x.RulesetVersion != "" {
		fmt.Fprintf(b, " (ruleset %s)", x.RulesetVersion)
	}
	b.WriteString("\n")
	if !x.Found {
		fmt.Fprintf(b, "%s  %s: %s\n", in, x.Reason, x.ErrorCode)
		return
	}
	if !x.Enabled {
		fmt.Fprintf(b, "%s  disabled\n", in)
	}
	for _, p := range x.Prerequisites {
		ok := "satisfied"
		if !p.Satisfied {
			ok = "NOT satisfied"
		}
		fmt.Fprintf(b, "%s  prerequisite %q = %q: %s\n", in, p.Flag, p.Variant, ok)
		if p.Trace != nil {
			p.Trace.write(b, in+"    ")
		}
	}
	if x.Target != nil {
		fmt.Fprintf(b, "%s  targeting key individually targeted: variant %q\n", in, x.Target.Variant)
	}
	for _, r := range x.Rules {
		name := fmt.Sprintf("rules[%d]", r.Index)
		if r.ID != "" {
			name += " " + r.ID
		}
		verdict := "matched"
		if !r.Matched {
			verdict = "not matched"
		}
		fmt.Fprintf(b, "%s  %s: %s\n", in, name, verdict)
		for _, c := range r.Conditions {
			not := ""
			if c.Negate {
				not = "not "
			}
			subject := c.Operator
			if c.Attribute != "" {
				subject = c.Attribute + " " + c.Operator
			}
			fmt.Fprintf(b, "%s    %s%s: %s", in, not, subject, c.Outcome)
			switch {
			case c.Private:
				b.WriteString(" (value private)")
			case c.Value != nil:
				fmt.Fprintf(b, " (value %v)", c.Value)
			}
			b.WriteString("\n")
			for _, s := range c.Segments {
				fmt.Fprintf(b, "%s      segment %q: in=%t, %s\n", in, s.Segment, s.In, s.Why)
			}
		}
		if r.Serve != nil {
			r.Serve.write(b, in+"    ")
		}
	}
	if x.Default != nil {
		fmt.Fprintf(b, "%s  default:\n", in)
		x.Default.write(b, in+"    ")
	}
	fmt.Fprintf(b, "%s  => variant %q, reason %s", in, x.Variant, x.Reason)
	if x.ErrorCode != ErrorNone {
		fmt.Fprintf(b, ", error %s", x.ErrorCode)
	}
	if x.RuleID != "" {
		fmt.Fprintf(b, ", rule %s", x.RuleID)
	}
	b.WriteString("\n")
}

func (s *ServeTrace) write(b *strings.Builder, in string) {
	if s.Rollout == nil {
		fmt.Fprintf(b, "%sserve %q\n", in, s.Variant)
		return
	}
	r := s.Rollout
	if r.ErrorCode != ErrorNone {
		fmt.Fprintf(b, "%srollout by %s: %s\n", in, r.BucketBy, r.ErrorCode)
	} else {
		fmt.Fprintf(b, "%srollout by %s: bucket %d of %d\n", in, r.BucketBy, r.Bucket, r.Buckets)
	}
	for _, w := range r.Ranges {
		fmt.Fprintf(b, "%s  %q weight %d: buckets [%d, %d)\n", in, w.Variant, w.Weight, w.From, w.To)
	}
	if s.Variant != "" {
		fmt.Fprintf(b, "%sserve %q\n", in, s.Variant)
	}
}
