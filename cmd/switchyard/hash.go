package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
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
		for a := range strings.SplitSeq(*attrs, ",") {
			if a = strings.TrimSpace(a); a != "" {
				only = append(only, a)
			}
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
	// Say what stayed in clear: an attribute name that matched nothing
	// (a typo would leave e-mail addresses plain), and in lists that have
	// no hashed form.
	tested := map[string]bool{}
	forEachIn(hashed, func(path string, c evaluator.Condition) {
		tested[c.Attribute] = true
		if len(attributes) > 0 && !slices.Contains(attributes, c.Attribute) {
			return
		}
		if s, ok := c.Values[0].(string); !ok || !strings.HasPrefix(s, evaluator.HashedPrefix) {
			fmt.Fprintf(stderr, "switchyard hash: %s: left in clear: %s (a list holding a boolean, a fraction or an integer beyond 2^53 has no hashed form)\n", name, path)
		}
	})
	for _, a := range attributes {
		if !tested[a] {
			fmt.Fprintf(stderr, "switchyard hash: %s: no in condition tests attribute %q (check the name)\n", name, a)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(hashed); err != nil {
		fmt.Fprintf(stderr, "switchyard hash: %v\n", err)
		return exitFail
	}
	return exitOK
}

// forEachIn calls fn for every in condition of rs, with its path, in a
// stable order.
func forEachIn(rs *evaluator.Ruleset, fn func(path string, c evaluator.Condition)) {
	visit := func(prefix string, conds []evaluator.Condition) {
		for i, c := range conds {
			if c.Operator == evaluator.OpIn && len(c.Values) > 0 {
				fn(fmt.Sprintf("%s.conditions[%d]", prefix, i), c)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(rs.Flags)) {
		for i, r := range rs.Flags[key].Rules {
			visit(fmt.Sprintf("flags.%s.rules[%d]", key, i), r.Conditions)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rs.Segments)) {
		for i, r := range rs.Segments[name].Rules {
			visit(fmt.Sprintf("segments.%s.rules[%d]", name, i), r.Conditions)
		}
	}
}
