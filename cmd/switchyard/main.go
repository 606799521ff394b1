// Command switchyard checks, evaluates and compares Switchyard ruleset
// files, and converts flagd flag-definition files into rulesets. validate,
// eval and diff read flagd files too (told apart by their shape).
//
//	switchyard validate [-json] FILE...
//	switchyard eval -file F -flag K [-type T] [-default V] [-context JSON|@FILE] [-json] [-explain]
//	switchyard diff OLD NEW
//	switchyard convert [-skip] FILE
//	switchyard schema
//	switchyard hash -salt S [VALUE...] | -salt S -ruleset FILE | -newsalt
//	switchyard keygen -id KEYID [-out PREFIX]
//	switchyard sign -key PRIVATE.key [-o OUT] FILE
//	switchyard verify -key PUBLIC.pub [-key …] FILE...
//	switchyard help [COMMAND]
//
// validate and eval read signed envelopes too: with -key they verify the
// signature first, and without it they refuse an envelope (diff reads one
// unverified and says so).
//
// Exit status: 0 on success, 1 when a ruleset is invalid (validate), a
// file cannot be read, a signature does not verify (verify), or two
// rulesets differ (diff), 2 on a usage error.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand: its one-line summary, and run with its own
// arguments.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands returns the subcommands by name.
func commands() map[string]command {
	return map[string]command{
		"validate": {"report every problem in ruleset files, with path, line and column", runValidate},
		"eval":     {"evaluate one flag for a context, as an OpenFeature typed evaluation", runEval},
		"diff":     {"list the flags added, removed or changed between two ruleset files", runDiff},
		"convert":  {"translate a flagd flag-definition file into a ruleset", runConvert},
		"schema":   {"print the JSON Schema of ruleset documents (for editors and CI)", runSchema},
		"hash":     {"hash values, or a whole ruleset, so it names no one in clear", runHash},
		"keygen":   {"make an Ed25519 key pair for signing rulesets", runKeygen},
		"sign":     {"wrap a ruleset in a signed envelope", runSign},
		"verify":   {"check signed envelopes against trusted public keys", runVerify},
		"help":     {"describe the commands, or one command", runHelp},
	}
}

// order is the order help lists the commands in.
var order = []string{"validate", "eval", "diff", "convert", "schema", "hash", "keygen", "sign", "verify", "help"}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	c, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "switchyard: unknown command %q; run 'switchyard help' for the list\n", args[0])
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: switchyard COMMAND [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, name := range order {
		fmt.Fprintf(w, "  %-9s %s\n", name, commands()[name].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'switchyard COMMAND -h' for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 success, 1 invalid ruleset, unreadable file, bad signature or (diff) a difference, 2 usage error.")
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		usage(stdout)
		return exitOK
	case 1:
		if args[0] == "help" {
			usage(stdout)
			return exitOK
		}
		if c, ok := commands()[args[0]]; ok {
			return c.run([]string{"-h"}, stdout, stderr)
		}
		fmt.Fprintf(stderr, "switchyard help: unknown command %q\n", args[0])
	default:
		fmt.Fprintln(stderr, "switchyard help: name at most one command")
	}
	return exitUsage
}
