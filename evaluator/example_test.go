package evaluator_test

import (
	"errors"
	"fmt"

	"github.com/switchyardhq/switchyard/evaluator"
)

const exampleRuleset = `{
  "schemaVersion": 1,
  "version": "42",
  "flags": {
    "new-checkout": {
      "type": "boolean",
      "variants": {"on": true, "off": false},
      "targets": [{"variant": "on", "values": ["user-1"]}],
      "rules": [
        {"id": "staff",
         "conditions": [{"attribute": "email", "operator": "endsWith", "values": ["@acme.com"]}],
         "serve": {"variant": "on"}}
      ],
      "default": {"variant": "off"}
    }
  }
}`

func ExampleLoad() {
	ev, err := evaluator.Load([]byte(exampleRuleset))
	if err != nil {
		panic(err)
	}
	for _, ctx := range []map[string]any{
		{"targetingKey": "user-1"},
		{"targetingKey": "user-2", "email": "ana@acme.com"},
		{"targetingKey": "user-3", "email": "bo@example.com"},
	} {
		r := ev.Evaluate("new-checkout", ctx)
		fmt.Printf("%v %v %s %s rule=%q\n", ctx["targetingKey"], r.Value, r.Variant, r.Reason, r.RuleID)
	}
	// Output:
	// user-1 true on TARGETING_MATCH rule=""
	// user-2 true on TARGETING_MATCH rule="staff"
	// user-3 false off DEFAULT rule=""
}

func ExampleEvaluator_EvaluateAs() {
	ev, _ := evaluator.Load([]byte(exampleRuleset))

	r := ev.EvaluateAs("new-checkout", evaluator.TypeString, map[string]any{"targetingKey": "user-1"})
	fmt.Println(r.Reason, r.ErrorCode, r.UsedDefault())

	r = ev.EvaluateAs("no-such-flag", evaluator.TypeBoolean, nil)
	fmt.Println(r.Reason, r.ErrorCode, r.UsedDefault())
	// Output:
	// ERROR TYPE_MISMATCH true
	// ERROR FLAG_NOT_FOUND true
}

func ExampleParse_error() {
	_, err := evaluator.Parse([]byte(`{
  "schemaVersion": 1,
  "flags": {"checkout": {"type": "boolean", "variants": {"on": true},
    "rules": [{"conditions": [{"attribute": "email", "operator": "startswith", "values": ["a"]}], "serve": {"variant": "on"}}]}}
}`))
	var ve *evaluator.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Path)
	}
	fmt.Println(errors.Is(err, evaluator.ErrInvalidRuleset))
	// Output:
	// flags.checkout.rules[0].conditions[0].operator
	// true
}

func ExampleBucket() {
	hash, bucket := evaluator.Bucket("new-checkout", "user-42")
	fmt.Printf("%016x %d\n", hash, bucket)
	// Output:
	// 72b44e0994640498 57720
}
