// Command quickstart evaluates the flags of a bundled fixture for a few
// contexts and prints one line per evaluation: no server, no setup.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -file path/to/ruleset.json
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/switchyardhq/switchyard/evaluator"
)

//go:embed flags.json
var bundled []byte

func main() {
	file := flag.String("file", "", "ruleset JSON file to evaluate (default: the bundled flags.json)")
	flag.Parse()

	data := bundled
	if *file != "" {
		var err error
		if data, err = os.ReadFile(*file); err != nil {
			fmt.Fprintln(os.Stderr, "quickstart:", err)
			os.Exit(1)
		}
	}
	ev, err := evaluator.Load(data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}

	contexts := []struct {
		name string
		ctx  map[string]any
	}{
		{"user-1 (targeted)", map[string]any{"targetingKey": "user-1"}},
		{"staff", map[string]any{"targetingKey": "user-2", "email": "ana@acme.com"}},
		{"enterprise in DE", map[string]any{"targetingKey": "user-42", "plan": "enterprise", "country": "DE", "seats": 120}},
		{"mobile 2.4.0", map[string]any{"targetingKey": "user-7", "device": map[string]any{"os": "ios"}, "appVersion": "2.4.0"}},
		{"anonymous", map[string]any{}},
	}
	fmt.Printf("ruleset %q (%d flags)\n", ev.Version(), len(ev.Keys()))
	for _, c := range contexts {
		for _, key := range ev.Keys() {
			r := ev.Evaluate(key, c.ctx)
			value := r.Value
			if r.UsedDefault() {
				value = "<caller default>"
			}
			line := fmt.Sprintf("%-18s %-14s value=%-22v variant=%-6s reason=%s", c.name, key, value, r.Variant, r.Reason)
			if r.RuleID != "" {
				line += " rule=" + r.RuleID
			}
			if r.ErrorCode != "" {
				line += " error=" + string(r.ErrorCode)
			}
			fmt.Println(line)
		}
	}
}
