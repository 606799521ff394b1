package main

import (
	"fmt"
	"io"

	"github.com/switchyardhq/switchyard/evaluator/schema"
)

func runSchema(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("schema", "",
		"Schema prints the JSON Schema (draft 2020-12) of ruleset documents,\n"+
			"schemaVersion 1. Name it in a ruleset with a top-level member\n"+
			"\"$schema\": \""+schema.ID+"\".", stdout, stderr)
	if done, status := parseFlags(fs, args); done {
		return status
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "switchyard schema: unexpected argument %q; schema takes none\n", fs.Arg(0))
		return exitUsage
	}
	_, err := stdout.Write(schema.Ruleset())
	if err != nil {
		fmt.Fprintf(stderr, "switchyard schema: %v\n", err)
		return exitFail
	}
	return exitOK
}
