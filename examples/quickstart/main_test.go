package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestQuickstart runs the example on its fixture and checks a few lines a
// newcomer reads first.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, "flags.json"); err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{
		`ruleset "quickstart-1" from flags.json (5 flags)`,
		"user-1 (targeted)  new-checkout   value=true                   variant=on     reason=TARGETING_MATCH",
		"staff              new-checkout   value=true                   variant=on     reason=TARGETING_MATCH rule=staff",
		"enterprise in DE   new-checkout   value=false                  variant=off    reason=SPLIT rule=beta-eu",
		"mobile 2.4.0       banner-text    value=Winter sale: 20% off   variant=sale   reason=TARGETING_MATCH rule=mobile-new",
		"no targeting key   legacy-export  value=false                  variant=off    reason=DISABLED",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "error=") {
		t.Errorf("the quickstart fixture should evaluate without errors:\n%s", out.String())
	}
}
