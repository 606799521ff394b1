package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const people = "testdata/people.json"

func TestHashValues(t *testing.T) {
	// printf 'c2f1a9\0ada@example.com' | sha256sum
	const ada = "sha256:5916393cf4508af5ec3852fc3a8eccb1202efc618a867dfd3593f994929577ab"
	out, errOut, code := runCmd(t, "hash", "-salt", "c2f1a9", "ada@example.com")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, ada+"\n", out)

	cmd := exec.Command(binary, "hash", "-salt", "c2f1a9")
	cmd.Stdin = strings.NewReader("ada@example.com\r\nada@example.com\n")
	stdin, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, ada+"\n"+ada+"\n", string(stdin), "values read from standard input, one per line")

	_, errOut, code = runCmd(t, "hash", "ada@example.com")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "-salt is required")

	out, _, code = runCmd(t, "hash", "-newsalt")
	assert.Equal(t, 0, code)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}\n$`), out)
	again, _, _ := runCmd(t, "hash", "-newsalt")
	assert.NotEqual(t, out, again, "salts are random")
}

func TestHashRuleset(t *testing.T) {
	out, errOut, code := runCmd(t, "hash", "-salt", "5a1t-for-tests", "-attributes", "email", "-ruleset", people)
	require.Equal(t, 0, code, errOut)
	for _, name := range []string{"user-1", "user-17", "user-99", "ada@example.com"} {
		assert.NotContains(t, out, `"`+name+`"`, "the hashed ruleset names %s", name)
	}
	assert.Contains(t, out, `"SE"`, "-attributes email leaves the country list readable")
	assert.Contains(t, out, `"valueHashing"`)
	hashed := filepath.Join(t.TempDir(), "hashed.json")
	require.NoError(t, os.WriteFile(hashed, []byte(out), 0o600))

	_, errOut, code = runCmd(t, "validate", hashed)
	require.Equal(t, 0, code, errOut)

	// The hashed file serves what the plain one serves.
	for _, ctx := range []string{
		`{"targetingKey": "user-2"}`,
		`{"targetingKey": "user-3", "email": "grace@example.com"}`,
		`{"targetingKey": "user-42"}`,
		`{"targetingKey": "user-99", "country": "DE"}`,
		`{"targetingKey": "user-5", "country": "FI"}`,
	} {
		plain, _, _ := runCmd(t, "eval", "-json", "-file", people, "-flag", "new-checkout", "-context", ctx)
		got, _, _ := runCmd(t, "eval", "-json", "-file", hashed, "-flag", "new-checkout", "-context", ctx)
		var p, h map[string]any
		require.NoError(t, json.Unmarshal([]byte(plain), &p))
		require.NoError(t, json.Unmarshal([]byte(got), &h))
		delete(p, "metadata")
		delete(h, "metadata")
		assert.Equal(t, p, h, "context %s", ctx)
	}

	// A hashed file keeps its salt; another salt is refused.
	out, errOut, code = runCmd(t, "hash", "-ruleset", hashed)
	assert.Equal(t, 0, code, errOut)
	assert.NotContains(t, out, `"SE"`, "without -attributes every in list is hashed")
	_, errOut, code = runCmd(t, "hash", "-salt", "other", "-ruleset", hashed)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "already hashed with another salt")
	_, errOut, code = runCmd(t, "hash", "-ruleset", people)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "has no valueHashing")
}

func TestHashRulesetSaysWhatStaysInClear(t *testing.T) {
	out, errOut, code := runCmd(t, "hash", "-salt", "s", "-attributes", "plan, email,emial", "-ruleset", people)
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, out, `"ada@example.com"`, "a space after the comma still names email")
	assert.Contains(t, errOut, `no in condition tests attribute "emial"`)
	assert.Contains(t, errOut, `no in condition tests attribute "plan"`)

	doc := filepath.Join(t.TempDir(), "mixed.json")
	require.NoError(t, os.WriteFile(doc, []byte(`{"schemaVersion": 1, "flags": {"f": {"type": "boolean", "variants": {"on": true},
	  "rules": [{"conditions": [{"attribute": "beta", "operator": "in", "values": ["yes", true]}], "serve": {"variant": "on"}}]}}}`), 0o600))
	_, errOut, code = runCmd(t, "hash", "-salt", "s", "-ruleset", doc)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "left in clear: flags.f.rules[0].conditions[0]")
}
