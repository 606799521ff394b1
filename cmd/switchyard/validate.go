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
	"github.com/switchyardhq/switchyard/signing"
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
	// KeyID is the key id of a signed envelope, Verified whether -key
	// checked its signature.
	KeyID    string `json:"keyId,omitempty"`
	Verified bool   `json:"verified,omitempty"`
	note     string // printed on standard error
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "[-json] [-key PUBLIC.pub] FILE...",
		"Validate reports every problem of each ruleset file (syntax errors stop\n"+
			"that file at the first) as FILE:LINE:COLUMN: PATH: MESSAGE, and exits 1\n"+
			"if any file has a problem or cannot be read. A signed envelope's\n"+
			"document is validated in place; with -key each file must also be an\n"+
			"envelope whose signature verifies (without -key an envelope is refused).", stdout, stderr)
	asJSON := fs.Bool("json", false, "print a JSON array, one object per file: {file, valid, problems: [{file, path, line, column, message}], keyId, verified}")
	var keyList keyFiles
	fs.Var(&keyList, "key", "trusted public key `file` (repeatable): verify each file's signature")
	if done, status := parseFlags(fs, args); done {
		return status
	}
	keys, err := trustedKeys(keyList)
	if err != nil {
		fmt.Fprintf(stderr, "switchyard validate: -key: %v\n", err)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "switchyard validate: name at least one ruleset file, for example: switchyard validate flags.json")
		return exitUsage
	}
	status := exitOK
	reports := make([]fileReport, 0, fs.NArg())
	for _, name := range fs.Args() {
		r := validateFile(name, keys)
		if !r.Valid {
			status = exitFail
		}
		reports = append(reports, r)
		if r.note != "" {
			fmt.Fprintf(stderr, "switchyard validate: note: %s\n", r.note)
		}
		if *asJSON {
			continue
		}
		switch {
		case r.Valid && r.Verified:
			fmt.Fprintf(stdout, "%s: valid, signature verified (key id %q)\n", name, r.KeyID)
		case r.Valid:
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

func validateFile(name string, keys *signing.Keys) fileReport {
	r := fileReport{File: name, Problems: []problem{}}
	data, err := os.ReadFile(name)
	if err != nil {
		r.Problems = append(r.Problems, problem{File: name, Line: 0, Column: 0, Message: "cannot read the file: " + err.Error()})
		return r
	}
	doc, note, err := openFile(name, data, keys)
	if err != nil {
		var se *signing.Error
		errors.As(err, &se)
		if se != nil {
			r.KeyID = se.KeyID
		}
		r.Problems = append(r.Problems, problem{File: name, Line: 1, Column: 1, Message: err.Error()})
		return r
	}
	r.note = note
	if signing.IsEnvelope(data) {
		env, _ := signing.Parse(data)
		r.KeyID, r.Verified = env.KeyID, keys != nil
		// Positions are reported in the file: shift those of the document.
		line0, col0 := docOffset(data, doc)
		defer func() {
			for i := range r.Problems {
				p := &r.Problems[i]
				if p.Line == 1 {
					p.Column += col0 - 1
				}
				if p.Line > 0 {
					p.Line += line0 - 1
				}
			}
		}()
	}
	data = doc
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
