// Package flagd reads flagd flag-definition documents (the
// https://flagd.dev/schema/v0/flags.json format) into the evaluator's
// ruleset model, so that one evaluation engine serves both formats.
//
// Translate does partial evaluation of each flag's JsonLogic targeting:
// "if" chains become ordered rules, "or" becomes several rules, "and"
// joins conditions, "$ref" inlines "$evaluators", "var" names become
// attributes (dotted names become JSON Pointers, "$flagd.flagKey" the
// flag's key), and "fractional" becomes a rollout with algorithm
// murmur3-flagd, so contexts keep the variants flagd gave them. No
// JsonLogic interpreter runs when a flag is evaluated.
//
// What cannot be translated faithfully (a variant name read from the
// context, arithmetic, comparing two attributes, "$flagd.timestamp", …) is
// an *Error naming the JSON path and the construct. By default such an
// error rejects the document, as an invalid ruleset is rejected; with
// Options.SkipUntranslatable the flag is left out and listed instead (it
// then answers FLAG_NOT_FOUND).
//
// Deliberate differences from flagd, where Switchyard's own semantics
// decide (each is tested):
//   - "==" compares as the "in" operator does: "29" is not 29 (JsonLogic
//     coerces).
//   - A negated comparison ("!=", "!") never matches a missing attribute;
//     in JsonLogic, null != "x" is true. Nor do ordering comparisons
//     ("<", …), where JsonLogic reads null as 0.
//   - A list attribute matches when any element does, as everywhere in
//     Switchyard: {"==": [{"var": "tags"}, "a"]} holds for ["a", "b"],
//     and {"in": ["beta", {"var": "groups"}]} (a substring test, as for a
//     string attribute) holds when an element contains "beta"; JsonLogic
//     compares the whole list, or tests membership.
//   - A null result before other results (an "if" branch of null) serves
//     the default variant with reason TARGETING_MATCH (flagd: DEFAULT).
//   - sem_ver accepts full SemVer 2.0 attribute values only ("1.2" and
//     numbers do not match; a leading "V" is not stripped); a partial
//     version written in the document ("1", "1.2") is completed with zeros.
//   - A targeting result that names no defined variant (flagd reports an
//     error) serves the default, as a null result does.
//   - A fractional rollout reports reason SPLIT (flagd: TARGETING_MATCH).
//   - Every result's metadata holds rulesetVersion, as for any ruleset.
//   - An invalid flag (a $ref to no evaluator) is an error, or with
//     SkipUntranslatable a left-out flag (FLAG_NOT_FOUND); flagd loads it
//     and answers PARSE_ERROR.
//
// A fractional bucket's variant or weight may be an "if" over constants:
// each combination becomes a rule with its own rollout. A fractional over
// the variants true and false may be the condition of an "if" whose
// results are variant names. A bucket's variant read from the context
// cannot be translated.
package flagd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/switchyardhq/switchyard/evaluator"
)

// Options changes how Translate treats flags it cannot translate.
type Options struct {
	// SkipUntranslatable leaves out a flag whose targeting cannot be
	// translated faithfully and lists it in Result.Skipped, instead of
	// rejecting the document.
	SkipUntranslatable bool
}

// Result is a translated document.
type Result struct {
	// Ruleset is the schemaVersion 1 ruleset, validated as
	// evaluator.Parse validates a document.
	Ruleset *evaluator.Ruleset
	// Skipped lists the flags left out under Options.SkipUntranslatable,
	// in key order.
	Skipped []*Error
}

// Error is a construct of a flagd document that cannot be translated, or
// a document that is not valid flagd JSON. It matches
// evaluator.ErrInvalidRuleset under errors.Is.
type Error struct {
	Flag      string // the flag's key, or "" for the document
	Path      string // JSON path, e.g. flags.my-flag.targeting.if[0]
	Construct string // the JsonLogic operator or field, e.g. "var"
	Problem   string // what is wrong and, where there is one, the fix
}

func (e *Error) Error() string {
	if e.Construct != "" {
		return fmt.Sprintf("flagd: %s: %s: %s", e.Path, e.Construct, e.Problem)
	}
	return fmt.Sprintf("flagd: %s: %s", e.Path, e.Problem)
}

// Is reports whether target is evaluator.ErrInvalidRuleset.
func (e *Error) Is(target error) bool { return target == evaluator.ErrInvalidRuleset }

// Detect reports whether data looks like a flagd document rather than a
// schemaVersion 1 ruleset: a JSON object without "schemaVersion" whose
// "flags" have flagd's "state" and not the ruleset's "type" (so a ruleset
// that only lacks its schemaVersion is still read, and rejected, as a
// ruleset). It is a convenience; sources that know the format should say
// so.
func Detect(data []byte) bool {
	var top struct {
		SchemaVersion json.RawMessage                       `json:"schemaVersion"`
		Flags         map[string]map[string]json.RawMessage `json:"flags"`
	}
	if json.Unmarshal(data, &top) != nil || top.SchemaVersion != nil || top.Flags == nil {
		return false
	}
	for _, f := range top.Flags {
		_, state := f["state"]
		_, typ := f["type"]
		if !state || typ {
			return false
		}
	}
	return true
}

// ParseAny reads data as a flagd document when Detect says it is one
// (translating it with opts), and as a Switchyard ruleset with
// evaluator.Parse otherwise; fromFlagd reports which, and skipped lists
// the flags left out under opts.SkipUntranslatable. It is the one place
// the file source, the static source and the command-line tool tell the
// two formats apart.
func ParseAny(data []byte, opts Options) (rs *evaluator.Ruleset, fromFlagd bool, skipped []*Error, err error) {
	if !Detect(data) {
		rs, err = evaluator.Parse(data)
		return rs, false, nil, err
	}
	res, err := Translate(data, opts)
	if err != nil {
		return nil, true, nil, err
	}
	return res.Ruleset, true, res.Skipped, nil
}

// Translate reads a flagd document into a ruleset. The ruleset's version
// is "flagd-" and the first 12 hex digits of the document's SHA-256, so
// that a changed file is a new version.
func Translate(data []byte, opts Options) (*Result, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{Path: "$", Problem: "not a JSON object: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Path: "$", Problem: "data after the document"}
	}
	t := &translator{evaluators: map[string]any{}}
	for key, v := range doc {
		switch key {
		case "flags":
		case "$evaluators":
			evs, ok := v.(map[string]any)
			if !ok {
				return nil, &Error{Path: "$evaluators", Problem: "must be an object of named JsonLogic expressions"}
			}
			t.evaluators = evs
		case "metadata":
			md, err := metadata("metadata", v)
			if err != nil {
				return nil, err
			}
			t.setMetadata = md
		case "$schema":
		default:
			return nil, &Error{Path: key, Problem: `unknown top-level field; flagd documents have "flags", "$evaluators", "metadata" and "$schema"`}
		}
	}
	flags, ok := doc["flags"].(map[string]any)
	if !ok {
		return nil, &Error{Path: "flags", Problem: "missing or not an object of flags"}
	}
	sum := sha256.Sum256(data)
	rs := &evaluator.Ruleset{
		SchemaVersion: evaluator.SchemaVersion,
		Version:       "flagd-" + hex.EncodeToString(sum[:6]),
		Flags:         make(map[string]evaluator.Flag, len(flags)),
	}
	res := &Result{}
	keys := make([]string, 0, len(flags))
	for k := range flags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		f, err := t.flag(key, flags[key])
		if err != nil {
			var te *Error
			if opts.SkipUntranslatable && errors.As(err, &te) && te.Construct != "" {
				res.Skipped = append(res.Skipped, te)
				continue
			}
			return nil, err
		}
		rs.Flags[key] = f
	}
	// Validate as any ruleset is, and take the model Parse builds, so a
	// translated ruleset is exactly what its JSON would load as.
	out, err := json.Marshal(rs)
	if err != nil {
		return nil, &Error{Path: "$", Problem: "cannot encode the translation: " + err.Error()}
	}
	parsed, err := evaluator.Parse(out)
	if err != nil {
		return nil, fmt.Errorf("flagd: the translated ruleset is invalid: %w", err)
	}
	res.Ruleset = parsed
	return res, nil
}

type translator struct {
	evaluators  map[string]any
	setMetadata map[string]any
}

// flagScope is what translating one flag needs to know.
type flagScope struct {
	key      string
	variants map[string]any
	refs     []string // $ref names being inlined, to find cycles
}

func (t *translator) flag(key string, v any) (evaluator.Flag, error) {
	path := "flags." + key
	fail := func(field, problem string) (evaluator.Flag, error) {
		return evaluator.Flag{}, &Error{Flag: key, Path: path + field, Problem: problem}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fail("", "a flag must be an object")
	}
	var f evaluator.Flag
	for field := range obj {
		switch field {
		case "state", "variants", "defaultVariant", "targeting", "metadata":
		default:
			return fail("."+field, `unknown field; a flagd flag has "state", "variants", "defaultVariant", "targeting" and "metadata"`)
		}
	}
	switch obj["state"] {
	case "ENABLED":
	case "DISABLED":
		f.Enabled = new(false) // no offVariant: DISABLED with the caller's default
	default:
		return fail(".state", `must be "ENABLED" or "DISABLED"`)
	}
	variants, ok := obj["variants"].(map[string]any)
	if !ok || len(variants) == 0 {
		return fail(".variants", "must be an object with at least one variant")
	}
	typ, err := variantType(variants)
	if err != nil {
		return fail(".variants", err.Error())
	}
	f.Type, f.Variants = typ, variants
	switch d := obj["defaultVariant"].(type) {
	case nil:
	case string:
		if _, ok := variants[d]; !ok {
			return fail(".defaultVariant", fmt.Sprintf("variant %q is not defined in variants", d))
		}
		f.Default = &evaluator.Serve{Variant: d}
	default:
		return fail(".defaultVariant", "must be a variant name or null")
	}
	md, err := metadata(path+".metadata", obj["metadata"])
	if err != nil {
		return evaluator.Flag{}, err
	}
	if len(t.setMetadata)+len(md) > 0 {
		f.Metadata = make(map[string]any, len(t.setMetadata)+len(md))
		for k, v := range t.setMetadata {
			f.Metadata[k] = v
		}
		for k, v := range md { // the flag's metadata wins
			f.Metadata[k] = v
		}
	}
	targeting, present := obj["targeting"]
	if !present || targeting == nil {
		return f, nil
	}
	if m, ok := targeting.(map[string]any); ok && len(m) == 0 {
		return f, nil
	}
	fs := &flagScope{key: key, variants: variants}
	branches, err := t.result(fs, path+".targeting", targeting)
	if err != nil {
		return evaluator.Flag{}, err
	}
	f.Rules, err = rules(fs, path+".targeting", branches, f.Default)
	if err != nil {
		return evaluator.Flag{}, err
	}
	if len(f.Rules) == 0 {
		// Targeting that always yields null: flagd's reason is DEFAULT,
		// not STATIC, so the flag keeps a rule that never matches (a
		// negated exists matches neither a present nor a missing
		// attribute).
		f.Rules = []evaluator.Rule{{ID: "flagd-null-targeting",
			Conditions: []evaluator.Condition{{Attribute: "targetingKey", Operator: evaluator.OpExists, Negate: true}},
			Serve:      evaluator.Serve{Variant: firstVariant(variants)}}}
	}
	return f, nil
}

func firstVariant(variants map[string]any) string {
	names := make([]string, 0, len(variants))
	for k := range variants {
		names = append(names, k)
	}
	slices.Sort(names)
	return names[0]
}

// variantType infers the flag type from the variant values: all booleans,
// all strings, all whole numbers (integer), all numbers (float) or all
// objects.
func variantType(variants map[string]any) (evaluator.FlagType, error) {
	kinds := map[evaluator.FlagType]bool{}
	whole := true
	for _, v := range variants {
		switch x := v.(type) {
		case bool:
			kinds[evaluator.TypeBoolean] = true
		case string:
			kinds[evaluator.TypeString] = true
		case json.Number:
			kinds[evaluator.TypeFloat] = true
			if _, err := strconv.ParseInt(x.String(), 10, 64); err != nil {
				whole = false
			}
		case map[string]any:
			kinds[evaluator.TypeObject] = true
		default:
			return 0, fmt.Errorf("variant values must be booleans, strings, numbers or objects; got %T", v)
		}
	}
	if len(kinds) > 1 {
		return 0, errors.New("variants mix value types; give them one type (all booleans, strings, numbers or objects)")
	}
	for k := range kinds {
		if k == evaluator.TypeFloat && whole {
			return evaluator.TypeInteger, nil
		}
		return k, nil
	}
	return 0, errors.New("no variants")
}

func metadata(path string, v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Path: path, Problem: "must be an object of strings, numbers and booleans"}
	}
	for k, x := range m {
		switch x.(type) {
		case string, bool, json.Number:
		default:
			return nil, &Error{Path: path + "." + k, Problem: "metadata values must be strings, numbers or booleans"}
		}
	}
	return m, nil
}

// outcome is what a branch of the targeting resolves to: a variant, a
// rollout, or nothing (null: the flag's default).
type outcome struct {
	variant string
	rollout *evaluator.Rollout
}

func (o outcome) null() bool { return o.variant == "" && o.rollout == nil }

// branch is one ordered alternative: when all conds match, out is served.
type branch struct {
	conds []evaluator.Condition
	out   outcome
}

// rules turns branches into rules. A trailing run of null outcomes falls
// through to the default and needs no rule; a null outcome before other
// branches must stop them, so it serves the default variant explicitly
// (reason TARGETING_MATCH where flagd says DEFAULT), and without a default
// variant it cannot be written.
func rules(fs *flagScope, path string, branches []branch, def *evaluator.Serve) ([]evaluator.Rule, error) {
	for len(branches) > 0 && branches[len(branches)-1].out.null() {
		branches = branches[:len(branches)-1]
	}
	var out []evaluator.Rule
	for _, b := range branches {
		r := evaluator.Rule{Conditions: b.conds}
		switch {
		case b.out.rollout != nil:
			r.Serve.Rollout = b.out.rollout
		case b.out.variant != "":
			r.Serve.Variant = b.out.variant
		case def != nil:
			r.Serve = *def
		default:
			return nil, &Error{Flag: fs.key, Path: path, Construct: "null", Problem: "a null result before other results needs a defaultVariant to serve"}
		}
		out = append(out, r)
	}
	return out, nil
}

// result translates an expression in result position into ordered,
// exhaustive branches (the last has no conditions).
func (t *translator) result(fs *flagScope, path string, expr any) ([]branch, error) {
	switch x := expr.(type) {
	case nil:
		return []branch{{}}, nil
	case string:
		return []branch{{out: fs.variantOutcome(x)}}, nil
	case bool:
		return []branch{{out: fs.variantOutcome(strconv.FormatBool(x))}}, nil
	case map[string]any:
		op, args, err := operation(path, x)
		if err != nil {
			return nil, err
		}
		switch op {
		case "if", "?:":
			return t.ifChain(fs, path+"."+op, args)
		case "fractional":
			return t.fractionalResult(fs, path+".fractional", args)
		case "$ref":
			inner, p, err := t.ref(fs, path, args)
			if err != nil {
				return nil, err
			}
			defer fs.pop()
			return t.result(fs, p, inner)
		case "var", "cat":
			return nil, &Error{Flag: fs.key, Path: path + "." + op, Construct: op, Problem: "a variant name read from the context cannot be translated; list the variants with \"if\""}
		}
		// A condition in result position resolves to "true" or "false"
		// (or null, when flagd's operator fails: then the default).
		dnf, err := t.condition(fs, path, expr)
		if err != nil {
			return nil, err
		}
		if dnf.null {
			return []branch{{}}, nil
		}
		var out []branch
		for _, conj := range dnf.terms {
			out = append(out, branch{conds: conj, out: fs.variantOutcome("true")})
		}
		if dnf.always {
			return append(out, branch{out: fs.variantOutcome("true")}), nil
		}
		if len(dnf.terms) == 1 && len(dnf.terms[0]) == 1 {
			if c := dnf.terms[0][0]; c.Operator == evaluator.OpIn && !c.Negate {
				// == and in never yield null: whatever did not match,
				// a missing attribute too, is false.
				return append(out, branch{out: fs.variantOutcome("false")}), nil
			}
		}
		if neg, ok := dnf.negation(); ok {
			for _, conj := range neg {
				out = append(out, branch{conds: conj, out: fs.variantOutcome("false")})
			}
			return append(out, branch{}), nil
		}
		return nil, &Error{Flag: fs.key, Path: path, Construct: op, Problem: "a compound condition as the targeting result (its false case cannot be written as rules); wrap it in \"if\" with explicit variants"}
	}
	return nil, &Error{Flag: fs.key, Path: path, Construct: jsonKind(expr), Problem: "a targeting result must be a variant name, a boolean, null, \"if\" or \"fractional\""}
}

// variantOutcome serves variant, or the default when the flag does not
// define it (flagd reports an error there; see the package doc).
func (fs *flagScope) variantOutcome(variant string) outcome {
	if _, ok := fs.variants[variant]; !ok {
		return outcome{}
	}
	return outcome{variant: variant}
}

func (t *translator) ifChain(fs *flagScope, path string, args []any) ([]branch, error) {
	var out []branch
	i := 0
	for ; i+1 < len(args); i += 2 {
		cp := fmt.Sprintf("%s[%d]", path, i)
		if m, ok := args[i].(map[string]any); ok && len(m) == 1 && m["fractional"] != nil {
			rest, err := t.fractionalCondition(fs, path, i, args)
			if err != nil {
				return nil, err
			}
			return append(out, rest...), nil
		}
		dnf, err := t.condition(fs, cp, args[i])
		if err != nil {
			return nil, err
		}
		then, err := t.result(fs, fmt.Sprintf("%s[%d]", path, i+1), args[i+1])
		if err != nil {
			return nil, err
		}
		for _, conj := range dnf.terms {
			for _, b := range then {
				out = append(out, branch{conds: joinConds(conj, b.conds), out: b.out})
			}
		}
		if len(out) > maxRules {
			return nil, &Error{Flag: fs.key, Path: cp, Construct: "if", Problem: fmt.Sprintf("expands into more than %d rules; simplify the targeting", maxRules)}
		}
		if dnf.always {
			return append(out, then...), nil // nothing after it is reached
		}
	}
	if i < len(args) { // the else
		rest, err := t.result(fs, fmt.Sprintf("%s[%d]", path, i), args[i])
		if err != nil {
			return nil, err
		}
		return append(out, rest...), nil
	}
	return append(out, branch{}), nil // no else: null
}

func joinConds(a, b []evaluator.Condition) []evaluator.Condition {
	return append(slices.Clip(a), b...)
}

// dnf is a condition as an OR of ANDs of conditions. always marks a
// condition that holds for every context (an empty AND among the terms);
// no terms and not always is a condition that never holds.
type dnf struct {
	terms  [][]evaluator.Condition
	always bool
	null   bool // flagd's operator yields null (bad arguments): never true, and its negation always
}

var (
	never  = dnf{}
	isNull = dnf{null: true}
)

// negation returns NOT d as an OR of ANDs when d is a single condition or
// a constant.
func (d dnf) negation() ([][]evaluator.Condition, bool) {
	switch {
	case d.always:
		return nil, true
	case d.null, len(d.terms) == 0:
		return [][]evaluator.Condition{{}}, true
	case len(d.terms) == 1 && len(d.terms[0]) == 1:
		c := d.terms[0][0]
		c.Negate = !c.Negate
		conds := []evaluator.Condition{c}
		if g, ok := typeGuard(d.terms[0][0]); ok {
			conds = append(conds, g)
		}
		return [][]evaluator.Condition{conds}, true
	}
	return nil, false
}

// typeGuard is a condition that holds when the attribute has the type an
// operator needs, so that a negated condition does not match values
// flagd's operator rejects (flagd: null, not false).
func typeGuard(c evaluator.Condition) (evaluator.Condition, bool) {
	switch c.Operator {
	case evaluator.OpStartsWith, evaluator.OpEndsWith, evaluator.OpContains:
		return evaluator.Condition{Attribute: c.Attribute, Operator: evaluator.OpMatches, Values: []any{""}}, true
	case evaluator.OpSemverEqual, evaluator.OpSemverNotEqual, evaluator.OpSemverLessThan,
		evaluator.OpSemverLessThanOrEqual, evaluator.OpSemverGreaterThan, evaluator.OpSemverGreaterThanOrEqual,
		evaluator.OpSemverSameMajor, evaluator.OpSemverSameMajorMinor:
		return evaluator.Condition{Attribute: c.Attribute, Operator: evaluator.OpSemverGreaterThanOrEqual, Values: []any{"0.0.0-0"}}, true
	}
	return evaluator.Condition{}, false
}

func single(c evaluator.Condition) dnf {
	return dnf{terms: [][]evaluator.Condition{{c}}}
}

func constant(b bool) dnf {
	if b {
		return dnf{always: true}
	}
	return never
}

// condition translates an expression in condition position.
func (t *translator) condition(fs *flagScope, path string, expr any) (dnf, error) {
	switch x := expr.(type) {
	case bool:
		return constant(x), nil
	case nil:
		return isNull, nil
	case map[string]any:
		op, args, err := operation(path, x)
		if err != nil {
			return never, err
		}
		p := path + "." + op
		switch op {
		case "$ref":
			inner, rp, err := t.ref(fs, path, args)
			if err != nil {
				return never, err
			}
			defer fs.pop()
			return t.condition(fs, rp, inner)
		case "and":
			if len(args) == 0 {
				return isNull, nil // JsonLogic: and of nothing is not true
			}
			out := dnf{always: true}
			for i, a := range args {
				d, err := t.condition(fs, fmt.Sprintf("%s[%d]", p, i), a)
				if err != nil {
					return never, err
				}
				out = and(out, d)
				if len(out.terms) > maxTerms {
					return never, &Error{Flag: fs.key, Path: p, Construct: op, Problem: fmt.Sprintf("expands into more than %d rules; simplify the condition", maxTerms)}
				}
			}
			return out, nil
		case "or":
			var out dnf
			for i, a := range args {
				d, err := t.condition(fs, fmt.Sprintf("%s[%d]", p, i), a)
				if err != nil {
					return never, err
				}
				out.terms = append(out.terms, d.terms...)
				out.always = out.always || d.always
				if len(out.terms) > maxTerms {
					return never, &Error{Flag: fs.key, Path: p, Construct: op, Problem: fmt.Sprintf("expands into more than %d rules; simplify the condition", maxTerms)}
				}
			}
			if out.always {
				return dnf{always: true}, nil
			}
			return out, nil
		case "!":
			if len(args) != 1 {
				return never, &Error{Flag: fs.key, Path: p, Construct: op, Problem: "takes one argument"}
			}
			d, err := t.condition(fs, p+"[0]", args[0])
			if err != nil {
				return never, err
			}
			neg, ok := d.negation()
			if !ok {
				return never, &Error{Flag: fs.key, Path: p, Construct: op, Problem: "negating a compound condition is not supported; negate each comparison instead"}
			}
			return dnf{terms: neg, always: slices.ContainsFunc(neg, func(c []evaluator.Condition) bool { return len(c) == 0 })}, nil
		case "==", "===", "!=", "!==":
			return t.equality(fs, p, op, args)
		case "in":
			return t.in(fs, p, args)
		case "<", "<=", ">", ">=":
			return t.ordering(fs, p, op, args)
		case "starts_with", "ends_with":
			return t.affix(fs, p, op, args)
		case "sem_ver":
			return t.semver(fs, p, args)
		case "fractional":
			return never, &Error{Flag: fs.key, Path: p, Construct: op, Problem: "fractional as a condition is not supported yet; use it as the result of an \"if\""}
		case "var", "!!":
			return never, &Error{Flag: fs.key, Path: p, Construct: op, Problem: "testing an attribute's truthiness cannot be translated; compare it with a value"}
		}
		return never, &Error{Flag: fs.key, Path: p, Construct: op, Problem: "this JsonLogic operation cannot be translated into ruleset conditions"}
	}
	return never, &Error{Flag: fs.key, Path: path, Construct: jsonKind(expr), Problem: "a condition must be a comparison, \"and\", \"or\", \"!\" or a boolean; a bare value or attribute (truthiness) cannot be translated"}
}

func and(a, b dnf) dnf {
	var out dnf
	for _, x := range termsOf(a) {
		for _, y := range termsOf(b) {
			conj := joinConds(x, y)
			if len(conj) == 0 {
				out.always = true
			}
			out.terms = append(out.terms, conj)
		}
	}
	// An empty AND among the terms is "always"; keep terms that carry
	// conditions (an OR with "always" holds for everyone anyway).
	if out.always {
		return dnf{always: true}
	}
	return out
}

func termsOf(d dnf) [][]evaluator.Condition {
	if d.always {
		return [][]evaluator.Condition{{}}
	}
	return d.terms
}

// operand is one side of a comparison: an attribute or a constant.
type operand struct {
	attr     string // JSON Pointer or top-level name; "" for a constant
	constant any
}

// operand reads a var (or a constant) in a comparison.
func (t *translator) operand(fs *flagScope, path string, v any) (operand, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return operand{constant: v}, nil
	}
	op, args, err := operation(path, m)
	if err != nil {
		return operand{}, err
	}
	if op != "var" {
		return operand{}, &Error{Flag: fs.key, Path: path + "." + op, Construct: op, Problem: "only an attribute (var) or a constant can be compared"}
	}
	if len(args) != 1 {
		return operand{}, &Error{Flag: fs.key, Path: path + ".var", Construct: "var", Problem: "a default value for var cannot be translated"}
	}
	name, ok := args[0].(string)
	if !ok {
		return operand{}, &Error{Flag: fs.key, Path: path + ".var", Construct: "var", Problem: "the attribute name must be a string"}
	}
	switch {
	case name == "$flagd.flagKey":
		return operand{constant: fs.key}, nil
	case strings.HasPrefix(name, "$flagd."):
		return operand{}, &Error{Flag: fs.key, Path: path + ".var", Construct: name, Problem: "only $flagd.flagKey can be translated; the evaluation time has no ruleset equivalent"}
	case name == "":
		return operand{}, &Error{Flag: fs.key, Path: path + ".var", Construct: "var", Problem: "the whole context cannot be compared"}
	}
	return operand{attr: pointer(name)}, nil
}

// pointer turns a JsonLogic var name into a condition attribute: a
// top-level name, or a JSON Pointer for a dotted name.
func pointer(name string) string {
	if !strings.Contains(name, ".") && !strings.HasPrefix(name, "/") {
		return name // a plain top-level key
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
	}
	return "/" + strings.Join(parts, "/")
}

// attrAndConstant orders a two-operand comparison as attribute, constant;
// swapped reports that the document wrote constant, attribute. Two
// constants are folded by the caller (ok false, both constants).
func (t *translator) attrAndConstant(fs *flagScope, path, op string, args []any) (a, c operand, swapped bool, err error) {
	if len(args) != 2 {
		return a, c, false, &Error{Flag: fs.key, Path: path, Construct: op, Problem: "takes two arguments"}
	}
	x, err := t.operand(fs, path+"[0]", args[0])
	if err != nil {
		return a, c, false, err
	}
	y, err := t.operand(fs, path+"[1]", args[1])
	if err != nil {
		return a, c, false, err
	}
	switch {
	case x.attr != "" && y.attr != "":
		return a, c, false, &Error{Flag: fs.key, Path: path, Construct: op, Problem: "comparing two attributes cannot be translated"}
	case x.attr == "" && y.attr != "":
		return y, x, true, nil
	}
	return x, y, false, nil
}

func (t *translator) equality(fs *flagScope, path, op string, args []any) (dnf, error) {
	a, c, _, err := t.attrAndConstant(fs, path, op, args)
	if err != nil {
		return never, err
	}
	negate := op == "!=" || op == "!=="
	if a.attr == "" { // two constants
		return constant(equalConstants(a.constant, c.constant) != negate), nil
	}
	switch c.constant.(type) {
	case string, bool, json.Number:
	default:
		return never, &Error{Flag: fs.key, Path: path, Construct: op, Problem: "compares an attribute with a string, number or boolean only"}
	}
	return single(evaluator.Condition{Attribute: a.attr, Operator: evaluator.OpIn, Values: []any{c.constant}, Negate: negate}), nil
}

func equalConstants(a, b any) bool {
	x, xok := a.(json.Number)
	y, yok := b.(json.Number)
	if xok && yok {
		fx, _ := x.Float64()
		fy, _ := y.Float64()
		return fx == fy
	}
	return a == b
}

func (t *translator) in(fs *flagScope, path string, args []any) (dnf, error) {
	a, c, swapped, err := t.attrAndConstant(fs, path, "in", args)
	if err != nil {
		return never, err
	}
	if a.attr == "" {
		return never, &Error{Flag: fs.key, Path: path, Construct: "in", Problem: "both operands are constants; write the result instead"}
	}
	switch list := c.constant.(type) {
	case []any:
		if swapped {
			return never, &Error{Flag: fs.key, Path: path, Construct: "in", Problem: "testing whether a list constant is in an attribute cannot be translated"}
		}
		if len(list) == 0 {
			return never, nil
		}
		for i, v := range list {
			switch v.(type) {
			case string, bool, json.Number:
			default:
				return never, &Error{Flag: fs.key, Path: fmt.Sprintf("%s[1][%d]", path, i), Construct: "in", Problem: "list values must be strings, numbers or booleans"}
			}
		}
		return single(evaluator.Condition{Attribute: a.attr, Operator: evaluator.OpIn, Values: list}), nil
	case string:
		if !swapped {
			return never, &Error{Flag: fs.key, Path: path, Construct: "in", Problem: "testing whether an attribute is a substring of a constant cannot be translated"}
		}
		return single(evaluator.Condition{Attribute: a.attr, Operator: evaluator.OpContains, Values: []any{list}}), nil
	}
	return never, &Error{Flag: fs.key, Path: path, Construct: "in", Problem: "needs a list of values, or a substring and an attribute"}
}

var orderings = map[string]struct{ op, flipped evaluator.Operator }{
	"<":  {evaluator.OpLessThan, evaluator.OpGreaterThan},
	"<=": {evaluator.OpLessThanOrEqual, evaluator.OpGreaterThanOrEqual},
	">":  {evaluator.OpGreaterThan, evaluator.OpLessThan},
	">=": {evaluator.OpGreaterThanOrEqual, evaluator.OpLessThanOrEqual},
}

func (t *translator) ordering(fs *flagScope, path, op string, args []any) (dnf, error) {
	o := orderings[op]
	if len(args) == 3 && (op == "<" || op == "<=") { // between: a < x < b
		lo, err := t.ordering(fs, path, op, args[:2])
		if err != nil {
			return never, err
		}
		hi, err := t.ordering(fs, path, op, args[1:])
		if err != nil {
			return never, err
		}
		return and(lo, hi), nil
	}
	a, c, swapped, err := t.attrAndConstant(fs, path, op, args)
	if err != nil {
		return never, err
	}
	n, ok := c.constant.(json.Number)
	if a.attr == "" || !ok {
		return never, &Error{Flag: fs.key, Path: path, Construct: op, Problem: "compares an attribute with a number only"}
	}
	operator := o.op
	if swapped {
		operator = o.flipped
	}
	return single(evaluator.Condition{Attribute: a.attr, Operator: operator, Values: []any{n}}), nil
}

func (t *translator) affix(fs *flagScope, path, op string, args []any) (dnf, error) {
	if len(args) != 2 {
		return isNull, nil // flagd: null, which no rule matches
	}
	a, c, swapped, err := t.attrAndConstant(fs, path, op, args)
	if err != nil {
		return never, err
	}
	s, ok := c.constant.(string)
	if a.attr == "" || swapped || !ok {
		return never, &Error{Flag: fs.key, Path: path, Construct: op, Problem: "needs an attribute and a string constant, in that order"}
	}
	operator := evaluator.OpStartsWith
	if op == "ends_with" {
		operator = evaluator.OpEndsWith
	}
	return single(evaluator.Condition{Attribute: a.attr, Operator: operator, Values: []any{s}}), nil
}

var semverOps = map[string]evaluator.Operator{
	"=":  evaluator.OpSemverEqual,
	"!=": evaluator.OpSemverNotEqual,
	"<":  evaluator.OpSemverLessThan,
	"<=": evaluator.OpSemverLessThanOrEqual,
	">":  evaluator.OpSemverGreaterThan,
	">=": evaluator.OpSemverGreaterThanOrEqual,
	"^":  evaluator.OpSemverSameMajor,
	"~":  evaluator.OpSemverSameMajorMinor,
}

func (t *translator) semver(fs *flagScope, path string, args []any) (dnf, error) {
	if len(args) != 3 {
		return isNull, nil // flagd: null
	}
	op, ok := args[1].(string)
	operator, known := semverOps[op]
	if !ok || !known {
		return isNull, nil // flagd: null for an unknown comparison
	}
	a, err := t.operand(fs, path+"[0]", args[0])
	if err != nil {
		return never, err
	}
	c, err := t.operand(fs, path+"[2]", args[2])
	if err != nil {
		return never, err
	}
	v, isString := c.constant.(string)
	if n, isNum := c.constant.(json.Number); isNum {
		v, isString = n.String(), true
	}
	if a.attr == "" || c.attr != "" || !isString {
		return never, &Error{Flag: fs.key, Path: path, Construct: "sem_ver", Problem: "needs an attribute, a comparison and a version constant, in that order"}
	}
	return single(evaluator.Condition{Attribute: a.attr, Operator: operator, Values: []any{completeVersion(v)}}), nil
}

// completeVersion writes a partial version of the document in full, as
// flagd reads it: "1" is 1.0.0 and "1.2" is 1.2.0; "V" prefixes are "v".
func completeVersion(v string) string {
	if strings.HasPrefix(v, "V") {
		v = "v" + v[1:]
	}
	core := strings.TrimPrefix(v, "v")
	rest := ""
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core, rest = core[:i], core[i:]
	}
	switch strings.Count(core, ".") {
	case 0:
		core += ".0.0"
	case 1:
		core += ".0"
	}
	prefix := ""
	if strings.HasPrefix(v, "v") {
		prefix = "v"
	}
	return prefix + core + rest
}

// fractional translates flagd's fractional into murmur3-flagd rollouts: an
// optional bucketing expression (a var, or a cat of constants and one
// var), then [variant, weight] buckets (weight 1 when absent, negative
// weights count as 0; all weights 0 is null in flagd: the default). A
// bucket's variant or weight may itself be an "if" (or a $ref to one):
// each combination of their results becomes a branch with its own
// rollout, in order, so the buckets keep their places.
func (t *translator) fractional(fs *flagScope, path string, args []any) ([]branch, error) {
	base := evaluator.Rollout{Algorithm: evaluator.BucketAlgorithmFlagd}
	offset := 0
	if len(args) > 0 {
		if _, isBucket := args[0].([]any); !isBucket {
			seed, by, err := t.bucketKey(fs, path+"[0]", args[0])
			if err != nil {
				return nil, err
			}
			base.Seed, base.BucketBy = &seed, by
			args, offset = args[1:], 1
		}
	}
	// Without a bucketing expression flagd hashes the flag key and the
	// targeting key: the rollout's defaults (seed nil, targetingKey).
	type choice struct {
		conds         []evaluator.Condition
		names, weight []any
	}
	combos := []choice{{}}
	for i, a := range args {
		bp := fmt.Sprintf("%s[%d]", path, i+offset)
		bucket, ok := a.([]any)
		if !ok || len(bucket) == 0 || len(bucket) > 2 {
			return nil, &Error{Flag: fs.key, Path: bp, Construct: "fractional", Problem: `each bucket is ["variant", weight] or ["variant"]`}
		}
		names, err := t.alternatives(fs, bp+"[0]", bucket[0])
		if err != nil {
			return nil, err
		}
		weights := []alternative{{value: json.Number("1")}}
		if len(bucket) == 2 {
			if weights, err = t.alternatives(fs, bp+"[1]", bucket[1]); err != nil {
				return nil, err
			}
		}
		var next []choice
		for _, c := range combos {
			for _, n := range names {
				for _, w := range weights {
					next = append(next, choice{
						conds:  joinConds(joinConds(c.conds, n.conds), w.conds),
						names:  append(slices.Clip(c.names), n.value),
						weight: append(slices.Clip(c.weight), w.value),
					})
				}
			}
		}
		if len(next) > maxCombinations {
			return nil, &Error{Flag: fs.key, Path: path, Construct: "fractional", Problem: fmt.Sprintf("computed buckets make more than %d combinations", maxCombinations)}
		}
		combos = next
	}
	var out []branch
	for _, c := range combos {
		ro, err := t.rollout(fs, path, offset, base, c.names, c.weight)
		if err != nil {
			return nil, err
		}
		o := outcome{}
		if ro != nil {
			o.rollout = ro
		}
		out = append(out, branch{conds: c.conds, out: o})
	}
	return out, nil
}

// fractionalResult is fractional in result position. flagd hashes the
// bucketing expression's string when it has one; when it is missing it
// falls back to the flag key and the targeting key (the rollout's
// defaults), and without a targeting key fractional yields null: the
// default, not an error. So each rollout keyed by an attribute requires
// it, a copy keyed by the targeting key follows, and every copy keyed by
// the targeting key requires one.
func (t *translator) fractionalResult(fs *flagScope, path string, args []any) ([]branch, error) {
	branches, err := t.fractional(fs, path, args)
	if err != nil {
		return nil, err
	}
	hasKey := evaluator.Condition{Attribute: "targetingKey", Operator: evaluator.OpExists}
	var out, fallback []branch
	for _, b := range branches {
		ro := b.out.rollout
		switch {
		case ro == nil:
			out = append(out, b)
		case ro.BucketBy != "":
			has := evaluator.Condition{Attribute: ro.BucketBy, Operator: evaluator.OpExists}
			out = append(out, branch{conds: joinConds([]evaluator.Condition{has}, b.conds), out: b.out})
			byKey := *ro
			byKey.Seed, byKey.BucketBy = nil, ""
			fallback = append(fallback, branch{conds: joinConds([]evaluator.Condition{hasKey}, b.conds), out: outcome{rollout: &byKey}})
		default:
			out = append(out, branch{conds: joinConds([]evaluator.Condition{hasKey}, b.conds), out: b.out})
		}
	}
	out = append(out, fallback...)
	return append(out, branch{}), nil
}

// fractionalCondition translates an "if" whose condition args[i] is a
// fractional over the variants true and false: it becomes one fractional
// over the "if"'s two results, which must be variant names (or null);
// when the weights add up to 0 (null, falsy) the else applies.
func (t *translator) fractionalCondition(fs *flagScope, path string, i int, args []any) ([]branch, error) {
	cp := fmt.Sprintf("%s[%d].fractional", path, i)
	fargs, _ := args[i].(map[string]any)["fractional"].([]any)
	elseExpr := any(nil)
	if i+2 < len(args) {
		if i+3 < len(args) {
			elseExpr = map[string]any{"if": args[i+2:]}
		} else {
			elseExpr = args[i+2]
		}
	}
	pick := map[bool]any{true: args[i+1], false: elseExpr}
	for _, e := range pick {
		if _, ok := e.(string); !ok {
			return nil, &Error{Flag: fs.key, Path: cp, Construct: "fractional", Problem: "fractional as a condition needs variant names as the if's results"}
		}
	}
	mapped := slices.Clone(fargs)
	for j, a := range mapped {
		bucket, ok := a.([]any)
		if !ok || len(bucket) == 0 {
			continue // the bucketing key, or an error fractional reports
		}
		v, isBool := bucket[0].(bool)
		if !isBool {
			return nil, &Error{Flag: fs.key, Path: fmt.Sprintf("%s[%d][0]", cp, j), Construct: "fractional", Problem: "fractional as a condition needs the variants true and false"}
		}
		nb := slices.Clone(bucket)
		nb[0] = pick[v]
		mapped[j] = nb
	}
	branches, err := t.fractionalResult(fs, cp, mapped)
	if err != nil {
		return nil, err
	}
	// Where fractional yields null (all weights 0, or no bucketing value),
	// the condition is falsy: the else.
	elseBranches, err := t.result(fs, fmt.Sprintf("%s[%d]", path, i+2), elseExpr)
	if err != nil {
		return nil, err
	}
	var out []branch
	for _, b := range branches {
		if !b.out.null() {
			out = append(out, b)
			continue
		}
		for _, e := range elseBranches {
			out = append(out, branch{conds: joinConds(b.conds, e.conds), out: e.out})
		}
	}
	return out, nil
}

// maxCombinations bounds the rules one fractional expands into.
const maxCombinations = 64

// maxTerms bounds the alternatives a condition expands into (an "and" of
// "or"s multiplies them), and maxRules the rules of one flag, so that a
// small document cannot expand into an enormous ruleset.
const (
	maxTerms = 256
	maxRules = 1024
)

// rollout builds one rollout of fractional from each bucket's variant name
// and weight; nil when the weights add up to 0 (flagd: null).
func (t *translator) rollout(fs *flagScope, path string, offset int, base evaluator.Rollout, names, weights []any) (*evaluator.Rollout, error) {
	ro := base
	ro.Variants = nil
	var total uint64
	for i := range names {
		bp := fmt.Sprintf("%s[%d]", path, i+offset)
		var weight uint64
		switch w := weights[i].(type) {
		case json.Number:
			f, err := w.Float64()
			if err != nil || f != math.Trunc(f) || f > 1<<32 {
				return nil, &Error{Flag: fs.key, Path: bp + "[1]", Construct: "fractional", Problem: "weights must be whole numbers up to 2^32"}
			}
			weight = uint64(max(f, 0))
		case nil:
		default:
			return nil, &Error{Flag: fs.key, Path: bp + "[1]", Construct: "fractional", Problem: "a weight must be a number"}
		}
		if weight == 0 {
			continue // takes no share of the buckets
		}
		if total += weight; total > 1<<32 {
			return nil, &Error{Flag: fs.key, Path: path, Construct: "fractional", Problem: "weights add up to more than 2^32"}
		}
		var name string
		switch v := names[i].(type) {
		case string:
			name = v
		case bool:
			name = strconv.FormatBool(v)
		default:
			return nil, &Error{Flag: fs.key, Path: bp + "[0]", Construct: "fractional", Problem: "a bucket's variant must be a name"}
		}
		if _, defined := fs.variants[name]; !defined {
			return nil, &Error{Flag: fs.key, Path: bp + "[0]", Construct: "fractional", Problem: fmt.Sprintf("variant %q is not defined in variants", name)}
		}
		switch last := len(ro.Variants) - 1; {
		case last >= 0 && ro.Variants[last].Variant == name: // next to each other: one share
			ro.Variants[last].Weight += weight
		case slices.ContainsFunc(ro.Variants, func(w evaluator.WeightedVariant) bool { return w.Variant == name }):
			return nil, &Error{Flag: fs.key, Path: bp + "[0]", Construct: "fractional", Problem: fmt.Sprintf("variant %q has two buckets with others between them; a rollout cannot keep that order", name)}
		default:
			ro.Variants = append(ro.Variants, evaluator.WeightedVariant{Variant: name, Weight: weight})
		}
	}
	if len(ro.Variants) == 0 {
		return nil, nil
	}
	return &ro, nil
}

// alternative is one result of an expression inside fractional: value
// when conds hold.
type alternative struct {
	conds []evaluator.Condition
	value any
}

// alternatives translates a fractional bucket's variant or weight: a
// constant, or an "if" whose results are constants (or further ifs).
// The alternatives are ordered and exhaustive.
func (t *translator) alternatives(fs *flagScope, path string, expr any) ([]alternative, error) {
	m, ok := expr.(map[string]any)
	if !ok {
		return []alternative{{value: expr}}, nil
	}
	op, args, err := operation(path, m)
	if err != nil {
		return nil, err
	}
	switch op {
	case "$ref":
		inner, rp, err := t.ref(fs, path, args)
		if err != nil {
			return nil, err
		}
		defer fs.pop()
		return t.alternatives(fs, rp, inner)
	case "if", "?:":
		p := path + "." + op
		var out []alternative
		i := 0
		for ; i+1 < len(args); i += 2 {
			d, err := t.condition(fs, fmt.Sprintf("%s[%d]", p, i), args[i])
			if err != nil {
				return nil, err
			}
			then, err := t.alternatives(fs, fmt.Sprintf("%s[%d]", p, i+1), args[i+1])
			if err != nil {
				return nil, err
			}
			for _, conj := range d.terms {
				for _, a := range then {
					out = append(out, alternative{conds: joinConds(conj, a.conds), value: a.value})
				}
			}
			if d.always {
				return append(out, then...), nil
			}
		}
		if i < len(args) {
			rest, err := t.alternatives(fs, fmt.Sprintf("%s[%d]", p, i), args[i])
			if err != nil {
				return nil, err
			}
			return append(out, rest...), nil
		}
		return append(out, alternative{}), nil
	}
	return nil, &Error{Flag: fs.key, Path: path + "." + op, Construct: op, Problem: "a bucket's variant or weight read from the context cannot be translated; choose between constants with \"if\""}
}

// bucketKey reads fractional's bucketing expression: a var (the seed is
// empty), or a cat whose constants before its one var are the seed.
func (t *translator) bucketKey(fs *flagScope, path string, expr any) (seed, bucketBy string, err error) {
	m, ok := expr.(map[string]any)
	if !ok {
		return "", "", &Error{Flag: fs.key, Path: path, Construct: "fractional", Problem: "the bucketing key must be a var or a cat of constants and one var"}
	}
	op, args, err := operation(path, m)
	if err != nil {
		return "", "", err
	}
	switch op {
	case "var":
		o, err := t.operand(fs, path, m)
		if err != nil {
			return "", "", err
		}
		if o.attr == "" {
			return "", "", &Error{Flag: fs.key, Path: path, Construct: "fractional", Problem: "a constant bucketing key puts every context in one bucket; serve the variant instead"}
		}
		return "", o.attr, nil
	case "cat":
		var prefix strings.Builder
		for i, a := range args {
			o, err := t.operand(fs, fmt.Sprintf("%s.cat[%d]", path, i), a)
			if err != nil {
				return "", "", err
			}
			if o.attr == "" {
				if bucketBy != "" {
					return "", "", &Error{Flag: fs.key, Path: fmt.Sprintf("%s.cat[%d]", path, i), Construct: "cat", Problem: "constants after the attribute cannot be translated; put them before it"}
				}
				s, ok := o.constant.(string)
				if !ok {
					if n, isNum := o.constant.(json.Number); isNum {
						s, ok = n.String(), true
					}
				}
				if !ok {
					return "", "", &Error{Flag: fs.key, Path: fmt.Sprintf("%s.cat[%d]", path, i), Construct: "cat", Problem: "only strings and numbers can be joined"}
				}
				prefix.WriteString(s)
				continue
			}
			if bucketBy != "" {
				return "", "", &Error{Flag: fs.key, Path: fmt.Sprintf("%s.cat[%d]", path, i), Construct: "cat", Problem: "a bucketing key of two attributes cannot be translated"}
			}
			bucketBy = o.attr
		}
		if bucketBy == "" {
			return "", "", &Error{Flag: fs.key, Path: path + ".cat", Construct: "cat", Problem: "a constant bucketing key puts every context in one bucket; serve the variant instead"}
		}
		return prefix.String(), bucketBy, nil
	}
	return "", "", &Error{Flag: fs.key, Path: path + "." + op, Construct: op, Problem: "the bucketing key must be a var or a cat of constants and one var"}
}

// ref returns the evaluator a $ref names, with the path to report inside
// it, and pushes the name (the caller pops it) so that a cycle is an error.
func (t *translator) ref(fs *flagScope, path string, args []any) (any, string, error) {
	if len(args) != 1 {
		return nil, "", &Error{Flag: fs.key, Path: path + ".$ref", Construct: "$ref", Problem: "names one evaluator"}
	}
	name, _ := args[0].(string)
	inner, ok := t.evaluators[name]
	if !ok {
		return nil, "", &Error{Flag: fs.key, Path: path + ".$ref", Construct: "$ref", Problem: fmt.Sprintf("no evaluator %q in $evaluators", name)}
	}
	if slices.Contains(fs.refs, name) {
		return nil, "", &Error{Flag: fs.key, Path: path + ".$ref", Construct: "$ref", Problem: fmt.Sprintf("evaluator %q refers to itself", name)}
	}
	fs.refs = append(fs.refs, name)
	return inner, "$evaluators." + name, nil
}

func (fs *flagScope) pop() { fs.refs = fs.refs[:len(fs.refs)-1] }

// operation reads a JsonLogic operation: an object with one key, whose
// arguments are a list (a single argument may stand alone).
func operation(path string, m map[string]any) (string, []any, error) {
	if len(m) != 1 {
		return "", nil, &Error{Path: path, Problem: "a JsonLogic operation is an object with exactly one key"}
	}
	for op, v := range m {
		if args, ok := v.([]any); ok {
			return op, args, nil
		}
		return op, []any{v}, nil
	}
	panic("unreachable")
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	}
	return "object"
}
