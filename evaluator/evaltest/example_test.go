package evaltest_test

import (
	"fmt"

	"github.com/switchyardhq/switchyard/evaluator/evaltest"
)

// A ruleset built in Go, evaluated with the evaluator alone: no OpenFeature,
// no network.
func Example() {
	ev, err := evaltest.Compile(
		evaltest.NewFlag("new-checkout").Boolean().
			Target("on", "user-1").
			Rule("staff", evaltest.Attr("email").EndsWith("@acme.com")).Serve("on").
			Default("off"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ctx := range []map[string]any{
		{"targetingKey": "user-1"},
		{"targetingKey": "user-2", "email": "ana@acme.com"},
		{"targetingKey": "user-3"},
	} {
		r := ev.Evaluate("new-checkout", ctx)
		fmt.Printf("%s %v %s %q\n", ctx["targetingKey"], r.Value, r.Reason, r.RuleID)
	}
	// Output:
	// user-1 true TARGETING_MATCH ""
	// user-2 true TARGETING_MATCH "staff"
	// user-3 false DEFAULT ""
}
