package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
)

// problem is one problem of one file, as validate -json prints it.
type problem struct {
	File    string `json:"file"`
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// fileReport is the -json output for one file.
type fileReport struct {
	File     string    `json:"file"`
	Valid    bool      `json:"valid"`
	Problems []problem `json:"problems"`
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "[-json] FILE...",
		"Validate reports every problem of each ruleset file (syntax errors stop\n"+
			"that file at the first) as FILE:LINE:COLUMN: PATH: MESSAGE, and exits 1\n"+
			"if any file has a problem or cannot be read.", stdout, stderr)
	asJSON := fs.Bool("json", false, "print a JSON array, one object per file: {file, valid, problems: [{file, path, line, column, message}]}")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "switchyard validate: name at least one ruleset file, for example: switchyard validate flags.json")
		return exitUsage
	}
	status := exitOK
	reports := make([]fileReport, 0, fs.NArg())
	for _, name := range fs.Args() {
		r := validateFile(name)
		if !r.Valid {
			status = exitFail
		}
		reports = append(reports, r)
		if *asJSON {
			continue
		}
		if r.Valid {
			fmt.Fprintf(stdout, "%s: valid\n", name)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(stdout, "%s:%d:%d: %s\n", p.File, p.Line, p.Column, pathMessage(p))
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintf(stderr, "switchyard validate: %v\n", err)
			return exitFail
		}
	}
	return status
}

func pathMessage(p problem) string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// syntaxAt finds the position a syntax error states in its message.
var syntaxAt = regexp.MustCompile(`at line (\d+), column (\d+)`)

func validateFile(name string) fileReport {
	r := fileReport{File: name, Problems: []problem{}}
	data, err := os.ReadFile(name)
	if err != nil {
		r.Problems = append(r.Problems, problem{File: name, Line: 0, Column: 0, Message: "cannot read the file: " + err.Error()})
		return r
	}
	_, err = parseDocument(data)
	var fe *flagd.Error
	if errors.As(err, &fe) { // a flagd document: its path is in the file
		p := problem{File: name, Path: fe.Path, Message: strings.TrimPrefix(fe.Error(), "flagd: "+fe.Path+": ")}
		if line, col, ok := nearestPosition(data, fe.Path); ok {
			p.Line, p.Column = line, col
		}
		r.Problems = append(r.Problems, p)
		return r
	}
	for _, ve := range evaluator.Problems(err) {
		p := problem{File: name, Path: ve.Path, Message: ve.Message}
		if m := syntaxAt.FindStringSubmatch(ve.Message); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Column, _ = strconv.Atoi(m[2])
		} else if line, col, ok := evaluator.Position(data, ve.Path); ok {
			p.Line, p.Column = line, col
		} else if line, col, ok := nearestPosition(data, ve.Path); ok {
			p.Line, p.Column = line, col
		}
		r.Problems = append(r.Problems, p)
	}
	if err != nil && len(r.Problems) == 0 {
		r.Problems = append(r.Problems, problem{File: name, Message: err.Error()})
	}
	r.Valid = len(r.Problems) == 0
	return r
}

// nearestPosition locates the closest enclosing part of path that is
// written in data: a problem about a missing field is at the object that
// lacks it.
func nearestPosition(data []byte, path string) (int, int, bool) {
	for len(path) > 0 {
		cut := -1
		for i := len(path) - 1; i >= 0; i-- {
			if path[i] == '.' || path[i] == '[' {
				cut = i
				break
			}
		}
		if cut <= 0 {
			return 1, 1, true
		}
		path = path[:cut]
		if line, col, ok := evaluator.Position(data, path); ok {
			return line, col, true
		}
	}
	return 1, 1, true
}
