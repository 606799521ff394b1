package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator/schema"
)

// binary is the switchyard command, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchyard-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "switchyard")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runCmd runs the built command and returns stdout, stderr and the exit
// status.
func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return stdout.String(), stderr.String(), code
}

const (
	valid    = "testdata/valid.json"
	newer    = "testdata/new.json"
	three    = "testdata/three-mistakes.json"
	badJSON  = "testdata/syntax.json"
	ctxFile  = "testdata/ctx.json"
	missing  = "testdata/no-such-file.json"
	quickDoc = "../../examples/quickstart/flags.json"
)

func TestValidate(t *testing.T) {
	out, errOut, code := runCmd(t, "validate", valid, quickDoc)
	assert.Equal(t, 0, code, "validate valid files: stderr %s", errOut)
	assert.Equal(t, valid+": valid\n"+quickDoc+": valid\n", out)

	out, _, code = runCmd(t, "validate", three)
	assert.Equal(t, 1, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, "validate(three mistakes) = %q, want three problems", out)
	assert.True(t, strings.HasPrefix(lines[0], three+":19:33: segments.s.rules[0].conditions: a segment rule needs at least one condition"), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], three+":8:48: flags.a.rules[0].conditions[0].operator: unknown operator \"endswith\""), lines[1])
	assert.True(t, strings.HasPrefix(lines[1], three+`:8:48: flags.a.rules[0].conditions[0].operator: unknown operator "endswith"; did you mean "endsWith"? (use one of in,`), lines[1])
	assert.Equal(t, three+`:16:19: flags.b.default.variant: unknown variant "offf"; did you mean "off"? (the flag's variants are off, on)`, lines[2])

	out, _, code = runCmd(t, "validate", valid, badJSON, missing)
	assert.Equal(t, 1, code, "one bad file fails the run")
	assert.Contains(t, out, valid+": valid\n")
	assert.Contains(t, out, badJSON+":3:13: flags: malformed JSON at line 3, column 13")
	assert.Contains(t, out, missing+":0:0: cannot read the file")

	_, errOut, code = runCmd(t, "validate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "name at least one ruleset file")
}

func TestValidateJSON(t *testing.T) {
	out, _, code := runCmd(t, "validate", "-json", valid, three)
	assert.Equal(t, 1, code)
	var reports []struct {
		File     string `json:"file"`
		Valid    bool   `json:"valid"`
		Problems []struct {
			File    string `json:"file"`
			Path    string `json:"path"`
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&reports), "validate -json output %s", out)
	require.Len(t, reports, 2)
	assert.True(t, reports[0].Valid)
	assert.NotNil(t, reports[0].Problems)
	assert.Empty(t, reports[0].Problems)
	assert.False(t, reports[1].Valid)
	require.Len(t, reports[1].Problems, 3)
	p := reports[1].Problems[2]
	assert.Equal(t, three, p.File)
	assert.Equal(t, "flags.b.default.variant", p.Path)
	assert.Equal(t, 16, p.Line)
	assert.Equal(t, 19, p.Column)
	assert.Contains(t, p.Message, `unknown variant "offf"`)
	assert.Contains(t, out, `"problems": []`, "a valid file has an empty list, not null")
}

func TestEval(t *testing.T) {
	out, errOut, code := runCmd(t, "eval", "-file", valid, "-flag", "checkout", "-context", `{"targetingKey": "u-1", "email": "a@acme.com"}`)
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, "value:     true\nvariant:   on\nreason:    TARGETING_MATCH\nerrorCode: \nruleId:    staff\n", out)

	out, _, code = runCmd(t, "eval", "-file", valid, "-flag", "checkout", "-context", "@"+ctxFile)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "reason:    SPLIT\n")
	assert.Contains(t, out, "ruleId:    eu\n")
}

// evalJSON is the one object eval -json prints.
type evalJSON struct {
	Value     any            `json:"value"`
	Variant   string         `json:"variant"`
	Reason    string         `json:"reason"`
	ErrorCode string         `json:"errorCode"`
	RuleID    string         `json:"ruleId"`
	Metadata  map[string]any `json:"metadata"`
}

func evalAsJSON(t *testing.T, args ...string) evalJSON {
	t.Helper()
	out, errOut, code := runCmd(t, append([]string{"eval", "-json", "-file", valid}, args...)...)
	require.Equal(t, 0, code, errOut)
	var got evalJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&got), "eval -json output %s", out)
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	assert.Len(t, raw, 6, "eval -json prints exactly value, variant, reason, errorCode, ruleId, metadata: %s", out)
	return got
}

func TestEvalJSON(t *testing.T) {
	got := evalAsJSON(t, "-flag", "banner", "-type", "string", "-default", "hi")
	assert.Equal(t, evalJSON{Value: "Welcome!", Variant: "plain", Reason: "STATIC", Metadata: map[string]any{"rulesetVersion": "v1"}}, got)

	got = evalAsJSON(t, "-flag", "banner", "-type", "boolean", "-default", "true")
	assert.Equal(t, evalJSON{Value: true, Reason: "ERROR", ErrorCode: "TYPE_MISMATCH", Metadata: map[string]any{"rulesetVersion": "v1"}}, got, "a type mismatch serves the caller's default")

	got = evalAsJSON(t, "-flag", "nope", "-default", "true")
	assert.Equal(t, evalJSON{Value: true, Reason: "ERROR", ErrorCode: "FLAG_NOT_FOUND", Metadata: map[string]any{}}, got)
}

func TestEvalFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no file", []string{"-flag", "x"}, 2, "-file is required"},
		{"no flag", []string{"-file", valid}, 2, "-flag is required"},
		{"missing file", []string{"-file", missing, "-flag", "x"}, 1, "no such file"},
		{"invalid ruleset", []string{"-file", three, "-flag", "a"}, 1, "is not a valid ruleset (run 'switchyard validate"},
		{"bad context", []string{"-file", valid, "-flag", "checkout", "-context", "[1]"}, 2, "-context: want a JSON object"},
		{"bad type", []string{"-file", valid, "-flag", "checkout", "-type", "bool"}, 2, `-type: unknown type "bool"`},
		{"bad default", []string{"-file", valid, "-flag", "checkout", "-default", "yes please"}, 2, `-default: "yes please" is not a boolean`},
		{"bad flag", []string{"-nope"}, 2, "Run 'switchyard eval -h' for usage."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, append([]string{"eval"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "eval %v exit status; stderr %s", tc.args, errOut)
			assert.Contains(t, errOut, tc.want)
			assert.Empty(t, out)
		})
	}
}

func TestDiff(t *testing.T) {
	out, errOut, code := runCmd(t, "diff", valid, newer)
	assert.Equal(t, 1, code, errOut)
	assert.Equal(t, "changed  banner: default\nchanged  checkout: weights\nadded    fresh\nremoved  old\n", out)

	out, _, code = runCmd(t, "diff", valid, valid)
	assert.Equal(t, 0, code)
	assert.Equal(t, "no flag changed\n", out)

	_, errOut, code = runCmd(t, "diff", valid)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "name two ruleset files")

	_, errOut, code = runCmd(t, "diff", valid, three)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, three+" is not a valid ruleset")
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}} {
		out, _, code := runCmd(t, args...)
		assert.Equal(t, 0, code)
		for _, name := range []string{"validate", "eval", "diff", "schema", "help"} {
			assert.Contains(t, out, "  "+name+" ", "%v lists %s", args, name)
		}
	}
	for _, name := range []string{"validate", "eval", "diff", "schema"} {
		out, errOut, code := runCmd(t, name, "-h")
		assert.Equal(t, 0, code)
		assert.Empty(t, errOut, "%s -h writes help to stdout only", name)
		assert.True(t, strings.HasPrefix(out, "Usage: switchyard "+name), out)
		help, _, _ := runCmd(t, "help", name)
		assert.Equal(t, out, help, "help %s = %s -h", name, name)
	}
	_, errOut, code := runCmd(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "Usage: switchyard COMMAND")
	_, errOut, code = runCmd(t, "valdate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "valdate"`)
}

func TestSchema(t *testing.T) {
	out, errOut, code := runCmd(t, "schema")
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, string(schema.Ruleset()), out)
	_, errOut, code = runCmd(t, "schema", "extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unexpected argument "extra"`)
}

func TestEvalExplain(t *testing.T) {
	ctx := `{"targetingKey": "user-42", "email": "ann@example.com", "country": "DE", "plan": "enterprise"}`
	out, errOut, code := runCmd(t, "eval", "-file", quickDoc, "-flag", "new-checkout", "-context", ctx, "-explain")
	assert.Equal(t, 0, code, errOut)
	for _, want := range []string{
		"ruleId:    beta-eu\n",
		"\nwhy:\n",
		"rules[0] staff: not matched\n",
		"email endsWith: not matched\n",
		"rules[1] beta-eu: matched\n",
		"inSegment: matched\n",
		`segment "beta": in=true, rules[0] matched`,
		"country in: matched\n",
		`"on" weight 20: buckets [0, 20000)`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "ann@example.com", "no context values without -show-values")

	out, _, code = runCmd(t, "eval", "-file", quickDoc, "-flag", "new-checkout", "-context", ctx, "-explain", "-show-values")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "(value ann@example.com)")

	out, _, code = runCmd(t, "eval", "-json", "-file", quickDoc, "-flag", "new-checkout", "-context", ctx, "-explain")
	assert.Equal(t, 0, code)
	var got struct {
		Explain struct {
			Rules []struct {
				Matched bool `json:"matched"`
			} `json:"rules"`
		} `json:"explain"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got.Explain.Rules, 2)
	assert.False(t, got.Explain.Rules[0].Matched)
	assert.True(t, got.Explain.Rules[1].Matched)
}

const (
	flagdFile         = "testdata/flagd.json"
	flagdUntranslated = "testdata/flagd-untranslatable.json"
)

// TestFlagdFiles: convert prints a ruleset that validates; validate, eval
// and diff read flagd files; untranslatable constructs are reported with
// their path and line, or left out and listed with -skip.
func TestFlagdFiles(t *testing.T) {
	out, errOut, code := runCmd(t, "convert", flagdFile)
	require.Equal(t, 0, code, errOut)
	converted := filepath.Join(t.TempDir(), "converted.json")
	require.NoError(t, os.WriteFile(converted, []byte(out), 0o600))
	assert.Contains(t, out, `"murmur3-flagd"`)
	vout, verr, code := runCmd(t, "validate", converted, flagdFile)
	require.Equal(t, 0, code, verr)
	assert.Equal(t, converted+": valid\n"+flagdFile+": valid\n", vout)

	out, errOut, code = runCmd(t, "eval", "-file", flagdFile, "-flag", "new-checkout", "-context", `{"targetingKey": "u", "email": "a@acme.com"}`)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "TARGETING_MATCH")
	_, _, code = runCmd(t, "diff", flagdFile, converted)
	assert.Equal(t, 0, code, "a flagd file and its conversion do not differ")

	out, _, code = runCmd(t, "validate", flagdUntranslated)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, flagdUntranslated+":8:")
	assert.Contains(t, out, "flags.computed.targeting.var: var: a variant name read from the context cannot be translated")

	_, errOut, code = runCmd(t, "convert", flagdUntranslated)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "flags.computed.targeting.var")
	out, errOut, code = runCmd(t, "convert", "-skip", flagdUntranslated)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, `left out flag "computed"`)
	assert.Contains(t, out, `"ok"`)
	assert.NotContains(t, out, `"computed"`)

	_, errOut, code = runCmd(t, "convert")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "name one flagd file")
}
