package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/switchyardhq/switchyard/evaluator"
)

func runHash(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("hash", "-salt S [VALUE...] | [-salt S] [-attributes A,B] -ruleset FILE | -newsalt",
		"Hash computes hashed values for rulesets that must not name people in\n"+
			"clear (SPEC 2.3): sha256: and the hex SHA-256 of the salt, a zero byte\n"+
			"and the value. With VALUEs it prints each hashed value on its own line;\n"+
			"without, it reads values one per line from standard input, which keeps\n"+
			"them out of the shell's history. Hash an integer as its base-10 digits.\n\n"+
			"With -ruleset it prints the file (a ruleset or a flagd file) with every\n"+
			"target, segment list and in condition of strings and integers hashed, and\n"+
			"valueHashing set; -salt may then be left out if the file has a\n"+
			"valueHashing already. -newsalt prints a random salt (16 bytes, hex): use\n"+
			"one per ruleset.\n\n"+
			"Hashing hides the values from anyone reading a file or a cache, and makes\n"+
			"tables computed in advance useless; it does not stop someone who holds the\n"+
			"ruleset from hashing a value they already suspect and finding it listed.", stdout, stderr)
	salt := fs.String("salt", "", "the ruleset's valueHashing salt")
	file := fs.String("ruleset", "", "hash the values of this ruleset file and print it")
	newSalt := fs.Bool("newsalt", false, "print a new random salt")
	attrs := fs.String("attributes", "", "with -ruleset: hash only the in conditions on these attributes (comma-separated; targets and segment lists are always hashed)")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	switch {
	case *newSalt:
		if *salt != "" || *file != "" || fs.NArg() > 0 {
			fmt.Fprintln(stderr, "switchyard hash: -newsalt takes no other flag or value")
			return exitUsage
		}
		fmt.Fprintln(stdout, evaluator.NewSalt())
		return exitOK
	case *file != "":
		if fs.NArg() > 0 {
			fmt.Fprintln(stderr, "switchyard hash: -ruleset takes no values; hash values and rulesets in separate runs")
			return exitUsage
		}
		var only []string
		if *attrs != "" {
			only = strings.Split(*attrs, ",")
		}
		return hashRuleset(*file, *salt, only, stdout, stderr)
	case *salt == "":
		fmt.Fprintln(stderr, "switchyard hash: -salt is required: the salt of the ruleset's valueHashing (switchyard hash -newsalt prints a new one)")
		return exitUsage
	}
	if fs.NArg() > 0 {
		for _, v := range fs.Args() {
			fmt.Fprintln(stdout, evaluator.HashValue(*salt, v))
		}
		return exitOK
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		fmt.Fprintln(stdout, evaluator.HashValue(*salt, strings.TrimSuffix(sc.Text(), "\r")))
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "switchyard hash: reading standard input: %v\n", err)
		return exitFail
	}
	return exitOK
}

func hashRuleset(name, salt string, attributes []string, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard hash: %v\n", err)
		return exitFail
	}
	rs, err := parseDocument(data)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard hash: %s: %v\n", name, err)
		return exitFail
	}
	if salt == "" {
		if rs.ValueHashing == nil {
			fmt.Fprintf(stderr, "switchyard hash: %s has no valueHashing: give its salt with -salt (switchyard hash -newsalt prints a new one)\n", name)
			return exitUsage
		}
		salt = rs.ValueHashing.Salt
	}
	hashed, err := evaluator.HashRuleset(rs, salt, attributes...)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard hash: %s: %v\n", name, err)
		return exitFail
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(hashed); err != nil {
		fmt.Fprintf(stderr, "switchyard hash: %v\n", err)
		return exitFail
	}
	return exitOK
}
