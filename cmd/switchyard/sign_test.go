package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/signing"
)

// keygen makes a key pair named id in dir and returns its prefix.
func keygen(t *testing.T, dir, id string) string {
	t.Helper()
	prefix := filepath.Join(dir, id)
	out, errOut, code := runCmd(t, "keygen", "-id", id, "-out", prefix)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `for key id "`+id+`"`)
	return prefix
}

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestKeygenSignVerify(t *testing.T) {
	dir := t.TempDir()
	k := keygen(t, dir, "2026-12")
	fi, err := os.Stat(k + ".key")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the private key is private")
	_, errOut, code := runCmd(t, "keygen", "-id", "2026-12", "-out", k)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "exists", "keygen never overwrites a key")
	_, _, code = runCmd(t, "keygen")
	assert.Equal(t, 2, code)
	help, _, _ := runCmd(t, "help")
	for _, name := range []string{"keygen", "sign", "verify"} {
		assert.Contains(t, help, "\n  "+name+" ", "help lists %s", name)
	}
	_, errOut, code = runCmd(t, "keygen", "-id", "bad id")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "key id")

	// sign to stdout and to -o give the same envelope, of the exact file.
	env := filepath.Join(dir, "valid.signed.json")
	out, errOut, code := runCmd(t, "sign", "-key", k+".key", valid)
	require.Equal(t, 0, code, errOut)
	_, errOut, code = runCmd(t, "sign", "-key", k+".key", "-o", env, valid)
	require.Equal(t, 0, code, errOut)
	signed, err := os.ReadFile(env)
	require.NoError(t, err)
	assert.Equal(t, out, string(signed))
	plain, err := os.ReadFile(valid)
	require.NoError(t, err)
	pubData, err := os.ReadFile(k + ".pub")
	require.NoError(t, err)
	pubs, err := signing.ParsePublicKeys(pubData)
	require.NoError(t, err)
	keys, err := signing.NewKeys(pubs...)
	require.NoError(t, err)
	doc, _, err := signing.Verify(signed, keys)
	require.NoError(t, err, "the envelope verifies with the library")
	assert.Equal(t, strings.TrimSpace(string(plain)), string(doc), "the document is embedded verbatim")

	out, errOut, code = runCmd(t, "verify", "-key", k+".pub", env)
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, env+": verified (key id \"2026-12\")\n", out)

	other := keygen(t, dir, "other")
	tampered := writeTemp(t, dir, "tampered.json", []byte(strings.Replace(string(signed), "Welcome!", "Welcome?", 1)))
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"tampered", []string{"-key", k + ".pub", tampered}, `key id "2026-12": the signature does not match the document`},
		{"wrong key", []string{"-key", other + ".pub", env}, `key id "2026-12": the key id is not trusted: trusted key ids are other`},
		{"plain document", []string{"-key", k + ".pub", valid}, "the document is not signed"},
		{"private key given", []string{"-key", k + ".key", env}, "holds a private key, not a public key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, append([]string{"verify"}, c.args...)...)
			assert.Equal(t, 1, code, "verify %v: stdout %s", c.args, out)
			assert.Contains(t, out+errOut, c.want)
		})
	}

	// A rotation: both keys trusted, each envelope verifies.
	envOther := filepath.Join(dir, "other.signed.json")
	_, errOut, code = runCmd(t, "sign", "-key", other+".key", "-o", envOther, valid)
	require.Equal(t, 0, code, errOut)
	out, errOut, code = runCmd(t, "verify", "-key", k+".pub", "-key", other+".pub", env, envOther)
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, 2, strings.Count(out, "verified"))
	out, _, code = runCmd(t, "verify", "-key", other+".pub", env, envOther)
	assert.Equal(t, 1, code, "one of two fails: %s", out)

	// sign refuses what it should not sign.
	_, errOut, code = runCmd(t, "sign", "-key", k+".key", three)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "not a valid ruleset, not signed")
	_, errOut, code = runCmd(t, "sign", "-key", k+".pub", valid)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "holds a public key, not a private key")
	_, errOut, code = runCmd(t, "sign", "-key", k+".key", env)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "already a signed envelope")
	assert.NotContains(t, errOut, strings.Fields(readString(t, k+".key"))[2], "never the private key")
}

func readString(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

func TestValidateAndEvalEnvelopes(t *testing.T) {
	dir := t.TempDir()
	k := keygen(t, dir, "2026-12")
	env := filepath.Join(dir, "valid.signed.json")
	_, errOut, code := runCmd(t, "sign", "-key", k+".key", "-o", env, valid)
	require.Equal(t, 0, code, errOut)
	tampered := writeTemp(t, dir, "tampered.json", []byte(strings.Replace(readString(t, env), "Welcome!", "Welcome?", 1)))

	out, _, code := runCmd(t, "validate", env)
	assert.Equal(t, 1, code, "an envelope is refused without -key")
	assert.Contains(t, out, `a signed envelope (key id "2026-12") whose signature is not checked without a key: add -key KEY.pub`)
	out, _, code = runCmd(t, "validate", tampered)
	assert.Equal(t, 1, code, "a tampered envelope is never valid")
	assert.NotContains(t, out, "valid\n")

	out, errOut, code = runCmd(t, "validate", "-key", k+".pub", env)
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, env+": valid, signature verified (key id \"2026-12\")\n", out)
	assert.Empty(t, errOut)

	out, _, code = runCmd(t, "validate", "-key", k+".pub", tampered, valid)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, tampered+":1:1: signing: key id \"2026-12\": the signature does not match")
	assert.Contains(t, out, valid+":1:1: signing: the document is not signed")

	// Problems inside an envelope are placed in the envelope's file: a
	// document signed with its mistakes (the library signs anything).
	key, err := signing.ParsePrivateKey([]byte(readString(t, k+".key")))
	require.NoError(t, err)
	bad := []byte(`{"schemaVersion": 2, "flags": {}}`)
	signedBad, err := signing.Sign(bad, key)
	require.NoError(t, err)
	badEnv := writeTemp(t, dir, "bad.signed.json", signedBad)
	badPlain := writeTemp(t, dir, "bad.json", bad)
	plainOut, _, _ := runCmd(t, "validate", badPlain)
	envOut, _, code := runCmd(t, "validate", "-key", k+".pub", badEnv)
	assert.Equal(t, 1, code)
	var line, col int
	_, err = fmt.Sscanf(strings.TrimPrefix(plainOut, badPlain), ":%d:%d:", &line, &col)
	require.NoError(t, err, plainOut)
	offset := strings.Index(string(signedBad), `{"schemaVersion"`)
	assert.True(t, strings.HasPrefix(envOut, badEnv+":"+strconv.Itoa(line)+":"+strconv.Itoa(col+offset)+":"), "plain %q, envelope %q: the column is shifted by %d", plainOut, envOut, offset)
	assert.Equal(t, strings.SplitN(plainOut, ": ", 2)[1], strings.SplitN(envOut, ": ", 2)[1], "same message")

	_, errOut, code = runCmd(t, "eval", "-file", env, "-flag", "banner")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "whose signature is not checked without a key: add -key KEY.pub")
	out, errOut, code = runCmd(t, "eval", "-key", k+".pub", "-file", env, "-flag", "banner")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Welcome!")
	assert.Empty(t, errOut)
	_, errOut, code = runCmd(t, "eval", "-key", k+".pub", "-file", tampered, "-flag", "banner")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the signature does not match")

	out, errOut, code = runCmd(t, "diff", valid, env)
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, "no flag changed\n", out)
}
