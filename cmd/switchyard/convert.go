package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
)

// parseDocument reads a ruleset document, or a flagd flag-definition
// document (told apart by its shape, as the file source does).
func parseDocument(data []byte) (*evaluator.Ruleset, error) {
	rs, _, _, err := flagd.ParseAny(data, flagd.Options{})
	return rs, err
}

// loadDocument is parseDocument, compiled.
func loadDocument(data []byte) (*evaluator.Evaluator, error) {
	rs, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	return evaluator.Compile(rs)
}

func runConvert(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("convert", "[-skip] FILE",
		"Convert translates a flagd flag-definition file into a Switchyard ruleset\n"+
			"and prints it as JSON. A construct that cannot be translated is an error\n"+
			"naming its JSON path (exit 1); with -skip such flags are left out and\n"+
			"listed on standard error.", stdout, stderr)
	skip := fs.Bool("skip", false, "leave out flags that cannot be translated, and list them on standard error")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "switchyard convert: name one flagd file, for example: switchyard convert flags.flagd.json > flags.json")
		return exitUsage
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard convert: %v\n", err)
		return exitFail
	}
	res, err := flagd.Translate(data, flagd.Options{SkipUntranslatable: *skip})
	if err != nil {
		fmt.Fprintf(stderr, "switchyard convert: %s: %v\n", name, err)
		return exitFail
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "switchyard convert: %s: left out flag %q: %v\n", name, s.Flag, s)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res.Ruleset); err != nil {
		fmt.Fprintf(stderr, "switchyard convert: %v\n", err)
		return exitFail
	}
	return exitOK
}
