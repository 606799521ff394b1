package evaluator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/switchyardhq/switchyard/evaluator"
)

// FuzzParse checks that no input panics the parser, that Parse and Load
// agree, and that an accepted document survives Parse → json.Marshal →
// Parse unchanged.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob("testdata/parse/*.json")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed documents in testdata/parse: %v", err)
	}
	for _, name := range append(seeds, "testdata/all-operators.json", "../examples/quickstart/flags.json") {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err) // a missing seed would silently weaken the fuzzer
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := evaluator.Parse(data)
		ev, loadErr := evaluator.Load(data)
		if (err == nil) != (loadErr == nil) || (err != nil && err.Error() != loadErr.Error()) {
			t.Fatalf("Parse error %v but Load error %v", err, loadErr) // Parse validates as Compile does
		}
		if err != nil {
			var ve *evaluator.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse error %T %v is not a *ValidationError", err, err)
			}
			return
		}
		if ev == nil {
			t.Fatal("Load returned a nil Evaluator without an error")
		}
		out, err := json.Marshal(rs)
		if err != nil {
			t.Fatalf("json.Marshal of a parsed ruleset: %v", err)
		}
		again, err := evaluator.Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(doc))) = %v\ndoc:  %s\nout:  %s", err, data, out)
		}
		if !reflect.DeepEqual(rs, again) {
			t.Fatalf("round trip changed the model\nfirst:  %#v\nsecond: %#v", rs, again)
		}
	})
}

// FuzzEvaluate evaluates every flag of a ruleset that uses every operator
// for arbitrary contexts: evaluation must never panic, and every result
// must be internally consistent.
func FuzzEvaluate(f *testing.F) {
	data, err := os.ReadFile("testdata/all-operators.json")
	if err != nil {
		f.Fatal(err)
	}
	ev, err := evaluator.Load(data)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"targetingKey":"user-1"}`), "user-9", int64(3), 2.5, false)
	f.Fuzz(func(t *testing.T, ctxJSON []byte, key string, n int64, x float64, b bool) {
		ctx := map[string]any{}
		dec := json.NewDecoder(bytes.NewReader(ctxJSON))
		if n%2 == 0 {
			dec.UseNumber()
		}
		_ = dec.Decode(&ctx) // whatever decodes is a context; the rest stays empty
		if ctx == nil {
			ctx = map[string]any{}
		}
		// Typed Go values, as a service would pass them.
		ctx["seats"] = n
		ctx["age"] = x
		ctx["customer"] = b
		if key != "" {
			ctx["targetingKey"] = key
		}
		for _, flagKey := range append(ev.Keys(), "missing") {
			for _, want := range []evaluator.FlagType{0, evaluator.TypeBoolean, evaluator.TypeString, evaluator.TypeInteger, evaluator.TypeFloat, evaluator.TypeObject} {
				checkResult(t, flagKey, ev.EvaluateAs(flagKey, want, ctx))
			}
		}
	})
}

func checkResult(t *testing.T, flagKey string, r evaluator.Result) {
	t.Helper()
	switch {
	case r.Reason == evaluator.ReasonError && r.ErrorCode == evaluator.ErrorNone:
		t.Fatalf("Evaluate(%q) = %+v: reason ERROR without an error code", flagKey, r)
	case r.Reason != evaluator.ReasonError && r.ErrorCode != evaluator.ErrorNone:
		t.Fatalf("Evaluate(%q) = %+v: error code with reason %s", flagKey, r, r.Reason)
	case r.Variant == "" && r.Value != nil:
		t.Fatalf("Evaluate(%q) = %+v: a value without a variant", flagKey, r)
	case r.Variant != "" && r.Value == nil && r.FlagType != evaluator.TypeObject:
		t.Fatalf("Evaluate(%q) = %+v: a variant without a value", flagKey, r)
	case r.RuleID != "" && r.Reason != evaluator.ReasonTargetingMatch && r.Reason != evaluator.ReasonSplit:
		t.Fatalf("Evaluate(%q) = %+v: a rule ID with reason %s", flagKey, r, r.Reason)
	}
}
