// Command quickstart evaluates the flags of a bundled fixture through the
// OpenFeature client, for a few contexts, and prints one line per
// evaluation: no server, no setup.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -file path/to/ruleset.json
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/provider"
)

//go:embed flags.json
var bundled []byte

func main() {
	file := flag.String("file", "", "ruleset JSON file (default: examples/quickstart/flags.json)")
	flag.Parse()
	if err := run(os.Stdout, *file); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// source finds the fixture: the -file flag, else the bundled flags.json on
// disk (from the repository root or this directory), else its embedded copy.
func source(file string) (provider.Source, string, error) {
	if file == "" {
		for _, candidate := range []string{"examples/quickstart/flags.json", "flags.json"} {
			if _, err := os.Stat(candidate); err == nil {
				file = candidate
				break
			}
		}
	}
	if file == "" {
		src, err := provider.NewStaticSourceJSON(bundled)
		return src, "embedded flags.json", err
	}
	src, err := provider.NewFileSource(provider.FileConfig{Path: file})
	return src, file, err
}

func run(w io.Writer, file string) error {
	src, name, err := source(file)
	if err != nil {
		return err
	}
	p, err := provider.New(provider.Config{Source: src})
	if err != nil {
		return err
	}
	api := isolated.NewAPI()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		return err
	}
	defer api.Shutdown(context.Background())
	client := api.NewClient()

	ruleset := p.Evaluator()
	fmt.Fprintf(w, "ruleset %q from %s (%d flags)\n", ruleset.Version(), name, len(ruleset.Keys()))
	contexts := []struct {
		name string
		ctx  openfeature.EvaluationContext
	}{
		{"user-1 (targeted)", openfeature.NewEvaluationContext("user-1", nil)},
		{"staff", openfeature.NewEvaluationContext("user-2", map[string]any{"email": "ana@acme.com"})},
		{"enterprise in DE", openfeature.NewEvaluationContext("user-42", map[string]any{"plan": "enterprise", "country": "DE", "seats": 120})},
		{"mobile 2.4.0", openfeature.NewEvaluationContext("user-7", map[string]any{"device": map[string]any{"os": "ios"}, "appVersion": "2.4.0"})},
		{"no targeting key", openfeature.NewTargetlessEvaluationContext(nil)},
	}
	for _, c := range contexts {
		for _, key := range ruleset.Keys() {
			d, err := evaluate(ctx, client, ruleset.FlagType(key), key, c.ctx)
			line := fmt.Sprintf("%-18s %-14s value=%-22v variant=%-6s reason=%s", c.name, key, d.Value, d.Variant, d.Reason)
			if id, ok := d.FlagMetadata["ruleId"]; ok {
				line += fmt.Sprintf(" rule=%v", id)
			}
			if err != nil {
				line += " error=" + string(d.ErrorCode)
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}

// evaluate reads a flag with the typed call matching its declared type.
func evaluate(ctx context.Context, client *openfeature.Client, typ evaluator.FlagType, key string, ec openfeature.EvaluationContext) (openfeature.InterfaceEvaluationDetails, error) {
	var d openfeature.InterfaceEvaluationDetails
	switch typ {
	case evaluator.TypeString:
		s, err := client.StringValueDetails(ctx, key, "<caller default>", ec)
		d.Value, d.EvaluationDetails = s.Value, s.EvaluationDetails
		return d, err
	case evaluator.TypeInteger:
		n, err := client.IntValueDetails(ctx, key, 0, ec)
		d.Value, d.EvaluationDetails = n.Value, n.EvaluationDetails
		return d, err
	case evaluator.TypeFloat:
		f, err := client.FloatValueDetails(ctx, key, 0, ec)
		d.Value, d.EvaluationDetails = f.Value, f.EvaluationDetails
		return d, err
	case evaluator.TypeObject:
		return client.ObjectValueDetails(ctx, key, nil, ec)
	default:
		b, err := client.BooleanValueDetails(ctx, key, false, ec)
		d.Value, d.EvaluationDetails = b.Value, b.EvaluationDetails
		return d, err
	}
}
