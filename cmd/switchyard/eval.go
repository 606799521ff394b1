package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/switchyardhq/switchyard/evaluator"
)

// evalOutput is what eval -json prints.
type evalOutput struct {
	Value     any            `json:"value"`
	Variant   string         `json:"variant"`
	Reason    string         `json:"reason"`
	ErrorCode string         `json:"errorCode"`
	RuleID    string         `json:"ruleId"`
	Metadata  map[string]any `json:"metadata"`
	// Explain is there only with -explain.
	Explain *evaluator.Explanation `json:"explain,omitempty"`
}

func runEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("eval", "-file F -flag K [-type T] [-default V] [-context JSON|@FILE] [-json] [-explain [-show-values]] [-key PUBLIC.pub]",
		"Eval evaluates one flag as an OpenFeature typed evaluation: the value is\n"+
			"the caller's -default when the flag is off without an off variant, is\n"+
			"missing, or has another type (errorCode TYPE_MISMATCH). It prints value,\n"+
			"variant, reason, errorCode and ruleId; the exit status is 0 whenever the\n"+
			"flag was evaluated, errorCode or not.", stdout, stderr)
	file := fs.String("file", "", "ruleset `file` (required)")
	key := fs.String("flag", "", "flag `key` (required)")
	typ := fs.String("type", "", "requested `type`: boolean, string, integer, float or object (default: the flag's own type)")
	def := fs.String("default", "", "caller's default `value`, in the requested type (default: false, \"\", 0, 0 or {})")
	ctxArg := fs.String("context", "{}", "evaluation context as a JSON object, or @file.json")
	asJSON := fs.Bool("json", false, `print one JSON object {"value", "variant", "reason", "errorCode", "ruleId", "metadata"}`)
	explain := fs.Bool("explain", false, `also print why: prerequisites, target, each rule's conditions, bucket (with -json: an "explain" member)`)
	showValues := fs.Bool("show-values", false, "with -explain, show the context's attribute values (may be personal data)")
	var keyList keyFiles
	fs.Var(&keyList, "key", "trusted public key `file` (repeatable): -file must be a signed envelope that verifies")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "switchyard eval: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case *file == "":
		return fail("-file is required: name the ruleset file, for example -file flags.json")
	case *key == "":
		return fail("-flag is required: name the flag key, for example -flag checkout")
	case fs.NArg() > 0:
		return fail("unexpected argument %q; eval takes only flags", fs.Arg(0))
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard eval: %v\n", err)
		return exitFail
	}
	keys, err := trustedKeys(keyList)
	if err != nil {
		return fail("-key: %v", err)
	}
	data, note, err := openFile(*file, data, keys)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard eval: %s: %v\n", *file, err)
		return exitFail
	}
	if note != "" {
		fmt.Fprintf(stderr, "switchyard eval: note: %s\n", note)
	}
	ev, err := loadDocument(data)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard eval: %s is not a valid ruleset (run 'switchyard validate %s' for every problem):\n%v\n", *file, *file, err)
		return exitFail
	}
	ctx, err := readContext(*ctxArg)
	if err != nil {
		return fail("-context: %v", err)
	}
	want := ev.FlagType(*key)
	if *typ != "" {
		if want, err = parseType(*typ); err != nil {
			return fail("-type: %v", err)
		}
	}
	if want == 0 {
		want = evaluator.TypeBoolean // a missing flag: FLAG_NOT_FOUND, as for a boolean evaluation
	}
	defValue, err := parseDefault(want, *def)
	if err != nil {
		return fail("-default: %v", err)
	}
	res := ev.EvaluateAs(*key, want, ctx)
	out := evalOutput{Value: res.Value, Variant: res.Variant, Reason: res.Reason.String(), RuleID: res.RuleID, Metadata: res.Metadata}
	if res.UsedDefault() {
		out.Value = defValue
	}
	if res.ErrorCode != evaluator.ErrorNone {
		out.ErrorCode = res.ErrorCode.String()
	}
	if res.ErrorCode == evaluator.ErrorFlagNotFound {
		hint := ""
		if near := ev.SuggestFlag(*key); near != "" {
			hint = fmt.Sprintf("; did you mean %q?", near)
		}
		fmt.Fprintf(stderr, "switchyard eval: %s has no flag %q%s\n", *file, *key, hint)
	}
	if *explain {
		out.Explain = ev.ExplainWith(*key, ctx, evaluator.ExplainOptions{ShowValues: *showValues})
	}
	if *asJSON {
		if out.Metadata == nil {
			out.Metadata = map[string]any{}
		}
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			fmt.Fprintf(stderr, "switchyard eval: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	value, err := json.Marshal(out.Value)
	if err != nil {
		value = []byte(fmt.Sprint(out.Value))
	}
	fmt.Fprintf(stdout, "value:     %s\nvariant:   %s\nreason:    %s\nerrorCode: %s\nruleId:    %s\n", value, out.Variant, out.Reason, out.ErrorCode, out.RuleID)
	if out.Explain != nil {
		fmt.Fprintf(stdout, "\nwhy:\n%s", out.Explain)
	}
	return exitOK
}

// readContext decodes -context: a JSON object, or @file holding one.
func readContext(arg string) (map[string]any, error) {
	data := []byte(arg)
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		var err error
		if data, err = os.ReadFile(name); err != nil {
			return nil, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var ctx map[string]any
	if err := dec.Decode(&ctx); err != nil || ctx == nil {
		return nil, fmt.Errorf("want a JSON object such as '{\"targetingKey\": \"user-1\", \"country\": \"NL\"}' or @ctx.json")
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON object; give exactly one object")
	}
	return ctx, nil
}

func parseType(s string) (evaluator.FlagType, error) {
	for t := evaluator.TypeBoolean; t <= evaluator.TypeObject; t++ {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown type %q; use boolean, string, integer, float or object", s)
}

// parseDefault reads the caller's default in the requested type.
func parseDefault(t evaluator.FlagType, s string) (any, error) {
	switch t {
	case evaluator.TypeBoolean:
		if s == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean; use true or false", s)
		}
		return b, nil
	case evaluator.TypeString:
		return s, nil
	case evaluator.TypeInteger:
		if s == "" {
			return int64(0), nil
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number within int64", s)
		}
		return i, nil
	case evaluator.TypeFloat:
		if s == "" {
			return float64(0), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	default:
		if s == "" {
			return map[string]any{}, nil
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("%q is not JSON; give an object such as '{\"color\": \"blue\"}'", s)
		}
		return v, nil
	}
}
