package schematest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/schema"
)

// knownDifferences lists the documents on which the schema and the parser
// disagree, by name (relative to the repository root, with "#n" for the
// nth value of a fuzz corpus file), with the reason. Every one is a rule a
// schema cannot express: it needs the whole document.
var knownDifferences = map[string]string{}

// document is one candidate ruleset and where it came from.
type document struct {
	name string
	data []byte
}

func TestSchemaAndParserAgree(t *testing.T) {
	sch := compileSchema(t)
	docs := collect(t, "..")
	if len(docs) < 20 {
		t.Fatalf("found %d documents, want the repository's testdata, examples and fuzz corpus", len(docs))
	}
	var disagree []string
	for _, d := range docs {
		_, parseErr := evaluator.Parse(d.data)
		schemaErr := validateWith(sch, d.data)
		if (parseErr == nil) == (schemaErr == nil) {
			continue
		}
		if schemaErr == nil {
			// The schema accepts what the parser rejects: fine when the
			// parser's reason is one only the whole document can show.
			if reason, ok := wholeDocumentRule(parseErr); ok {
				t.Logf("%s: schema accepts, parser rejects (%s): %v", d.name, reason, parseErr)
				continue
			}
		}
		if reason, ok := knownDifferences[d.name]; ok {
			t.Logf("%s: known difference: %s", d.name, reason)
			continue
		}
		disagree = append(disagree, d.name+": parser: "+errString(parseErr)+"; schema: "+errString(schemaErr))
	}
	if len(disagree) > 0 {
		t.Errorf("the schema and the parser disagree on %d documents (fix one of them, or list the document in knownDifferences with the reason):\n%s",
			len(disagree), strings.Join(disagree, "\n"))
	}
	t.Logf("compared %d documents", len(docs))
}

// wholeDocumentRule reports whether a parser error is about a rule the
// schema does not express because it needs more than one member: a
// reference to a variant, flag or segment, a cycle, a duplicate, a sum of
// weights, a regular expression, a JSON Pointer, a duplicate JSON key.
//
// Every problem of the error must be such a rule: one that is not would be
// a disagreement the others must not hide.
func wholeDocumentRule(err error) (string, bool) {
	problems := evaluator.Problems(err)
	if len(problems) == 0 {
		return wholeDocumentMessage(err.Error())
	}
	var reasons []string
	for _, p := range problems {
		reason, ok := wholeDocumentMessage(p.Message)
		if !ok {
			return "", false
		}
		reasons = append(reasons, reason)
	}
	return strings.Join(reasons, "; "), true
}

// wholeDocumentMessage is wholeDocumentRule for one message.
func wholeDocumentMessage(msg string) (string, bool) {
	for _, r := range []struct{ words, reason string }{
		{"unknown variant", "a variant reference"},
		{"unknown flag \"", "a flag reference"},
		{"unknown segment", "a segment reference"},
		{"cycle", "a prerequisite cycle"},
		{"own prerequisite", "a self-reference"},
		{"already", "a duplicate"},
		{"listed twice", "a duplicate"},
		{"weights add up", "a sum of weights"},
		{"regular expression", "a regular expression"},
		{"JSON Pointer", "a JSON Pointer"},
		{"duplicate key", "a duplicate JSON key"},
		{"not both", "exactly one of variant or rollout"},
		{"object values may hold", "a JSON value"},
		{`need "valueHashing"`, "hashed values need the top-level valueHashing"},
		{"through its prerequisites", "the cost of a prerequisite chain"},
		{"a hashed value is sha256:", "a malformed hashed value, which only a document with valueHashing refuses"},
	} {
		if strings.Contains(msg, r.words) {
			return r.reason, true
		}
	}
	return "", false
}

func errString(err error) string {
	if err == nil {
		return "valid"
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.Ruleset()))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schema.ID, doc); err != nil {
		t.Fatalf("AddResource: %v", err)
	}
	sch, err := c.Compile(schema.ID)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

func validateWith(sch *jsonschema.Schema, data []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	// One document only, as the parser requires.
	dec := json.NewDecoder(bytes.NewReader(data))
	var skip json.RawMessage
	if dec.Decode(&skip) == nil && dec.More() {
		return errDataAfter
	}
	return sch.Validate(v)
}

var errDataAfter = errors.New("data after the JSON document")

// collect finds every ruleset candidate under root: the JSON files of
// testdata folders and examples, and the documents of the fuzz corpus.
func collect(t *testing.T, root string) []document {
	t.Helper()
	var docs []document
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			switch rel {
			case ".git", "bench", "schematest", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.Contains(rel, "testdata/fuzz/FuzzParse/") || strings.Contains(rel, "testdata/fuzz/FuzzEvaluate/"):
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if doc, ok := firstBytes(data); ok {
				docs = append(docs, document{rel, doc})
			}
		case strings.HasSuffix(rel, ".json") && (strings.Contains(rel, "testdata/") || strings.HasPrefix(rel, "examples/")):
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			docs = append(docs, document{rel, data})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].name < docs[j].name })
	return docs
}

// firstBytes returns the first []byte value of a Go fuzz corpus file.
func firstBytes(data []byte) ([]byte, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if s, ok := strings.CutPrefix(line, "[]byte("); ok {
			v, err := strconv.Unquote(strings.TrimSuffix(s, ")"))
			return []byte(v), err == nil
		}
	}
	return nil, false
}
