package signing_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/signing"
)

const doc = `{"schemaVersion": 1, "version": "v7",
  "flags": {"checkout": {"type": "boolean", "variants": {"on": true, "off": false}, "default": "off"}}}`

// testKey derives a key from a fixed seed, so envelopes are reproducible
// (Ed25519 signatures are deterministic).
func testKey(t testing.TB, id string, seed byte) signing.PrivateKey {
	t.Helper()
	return signing.NewPrivateKey(id, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)))
}

func keys(t testing.TB, ks ...signing.PrivateKey) *signing.Keys {
	t.Helper()
	var pubs []signing.PublicKey
	for _, k := range ks {
		pubs = append(pubs, k.Public())
	}
	set, err := signing.NewKeys(pubs...)
	require.NoError(t, err)
	return set
}

func sign(t testing.TB, document string, k signing.PrivateKey) []byte {
	t.Helper()
	env, err := signing.Sign([]byte(document), k)
	require.NoError(t, err)
	return env
}

func requireSigningError(t *testing.T, err error, sentinel error, keyID string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var se *signing.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, keyID, se.KeyID)
	if keyID != "" {
		assert.Contains(t, err.Error(), fmt.Sprintf("key id %q", keyID))
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := testKey(t, "2026-12", 1)
	env := sign(t, "\n  "+doc+"\n", k)
	got, id, err := signing.Verify(env, keys(t, k))
	require.NoError(t, err)
	assert.Equal(t, "2026-12", id)
	assert.Equal(t, doc, string(got), "the document comes back verbatim, without the white space around it")
	assert.True(t, signing.IsEnvelope(env))
	assert.False(t, signing.IsEnvelope([]byte(doc)))

	// Brackets and quotes inside strings do not end the document early.
	tricky := `{"a": "}\"]{[", "b": ["\\", {"c": "\\\""}], "d": {}}`
	require.True(t, json.Valid([]byte(tricky)))
	got, _, err = signing.Verify(sign(t, tricky, k), keys(t, k))
	require.NoError(t, err)
	assert.Equal(t, tricky, string(got))
}

// goldenEnvelope is Sign's output for the seed 32×0x07 and the document
// below; the signature was cross-checked with OpenSSL 3 (openssl pkeyutl
// -sign -rawin), an independent Ed25519 implementation.
const goldenEnvelope = `{"signed":{"algorithm":"ed25519","keyId":"2026-12","signature":"W87KPqIsUe4SIO5eajPiouhevVBFUeK1xPoUCTXX9aWtI7SsAdLiedRsTzv3a1QNJk3cf9FUoWOjznMbkfAjAA","document":{"schemaVersion":1,"flags":{}}}}` + "\n"

// TestGoldenEnvelope pins the wire format, and checks that a hand-written
// envelope of the same signature (white space, padding, another member
// order) verifies too.
func TestGoldenEnvelope(t *testing.T) {
	k := testKey(t, "2026-12", 7)
	document := `{"schemaVersion":1,"flags":{}}`
	assert.Equal(t, goldenEnvelope, string(sign(t, document, k)))

	hand := "{ \"signed\" : {\n  \"document\" : " + document + ",\n" +
		"  \"signature\": \"W87KPqIsUe4SIO5eajPiouhevVBFUeK1xPoUCTXX9aWtI7SsAdLiedRsTzv3a1QNJk3cf9FUoWOjznMbkfAjAA==\",\n" +
		"  \"keyId\": \"2026-12\", \"algorithm\": \"ed25519\"\n}\n}\n"
	got, _, err := signing.Verify([]byte(hand), keys(t, k))
	require.NoError(t, err)
	assert.Equal(t, document, string(got))
}

// TestTamperedByteAnywhere changes each byte of the document in turn: no
// change may verify. Bytes inside names and values are swapped for another
// letter or digit, so the document stays valid JSON and only the signature
// can catch it.
func TestTamperedByteAnywhere(t *testing.T) {
	k := testKey(t, "k1", 1)
	trusted := keys(t, k)
	env := sign(t, doc, k)
	start := bytes.Index(env, []byte(`"document":`)) + len(`"document":`)
	end := len(env) - len("}}\n")
	require.Equal(t, doc, string(env[start:end]))
	badSignatures := 0
	for i := start; i < end; i++ {
		c := env[i]
		var repl byte
		switch {
		case c >= 'a' && c < 'z', c >= '0' && c < '9':
			repl = c + 1
		case c == 'z':
			repl = 'a'
		case c == '9':
			repl = '0'
		case c == ' ':
			repl = '\t'
		default:
			repl = 'x' // breaks the JSON: must fail too
		}
		tampered := bytes.Clone(env)
		tampered[i] = repl
		_, _, err := signing.Verify(tampered, trusted)
		require.Error(t, err, "byte %d (%q → %q) changed and the envelope still verified", i-start, c, repl)
		if errors.Is(err, signing.ErrBadSignature) {
			badSignatures++
			requireSigningError(t, err, signing.ErrBadSignature, "k1")
		}
	}
	assert.Greater(t, badSignatures, len(doc)/2, "most changes keep valid JSON and must be caught by the signature")
}

func TestRejections(t *testing.T) {
	k1, k2 := testKey(t, "k1", 1), testKey(t, "k2", 2)
	trusted := keys(t, k1, k2)
	env := string(sign(t, doc, k1))
	other := string(sign(t, `{"schemaVersion":1,"flags":{}}`, k1))
	cases := []struct {
		name     string
		data     string
		sentinel error
		keyID    string
		says     string
	}{
		{"wrong key id", strings.Replace(env, `"keyId":"k1"`, `"keyId":"k9"`, 1), signing.ErrUnknownKey, "k9", "trusted key ids are k1, k2"},
		{"key id of another trusted key", strings.Replace(env, `"keyId":"k1"`, `"keyId":"k2"`, 1), signing.ErrBadSignature, "k2", "changed after it was signed"},
		{"unknown algorithm", strings.Replace(env, `"ed25519"`, `"rsa-pss"`, 1), signing.ErrAlgorithm, "k1", `"rsa-pss"; only "ed25519"`},
		{"signature of another document", strings.Replace(env, sigOf(env), sigOf(other), 1), signing.ErrBadSignature, "k1", ""},
		{"short signature", strings.Replace(env, sigOf(env), "AAAA", 1), signing.ErrMalformed, "k1", ""},
		{"padded three times", strings.Replace(env, sigOf(env), sigOf(env)+"===", 1), signing.ErrMalformed, "k1", ""},
		{"line break inside", strings.Replace(env, sigOf(env), sigOf(env)[:10]+`\n`+sigOf(env)[10:], 1), signing.ErrMalformed, "k1", ""},
		{"stray bits in the last character", strings.Replace(env, sigOf(env), sigOf(env)[:85]+strayLast(sigOf(env)), 1), signing.ErrMalformed, "k1", ""},
		{"signature not base64url", strings.Replace(env, sigOf(env), "a+b/c", 1), signing.ErrMalformed, "k1", "base64url"},
		{"plain document", doc, signing.ErrUnsigned, "", "not an envelope"},
		{"extra top-level field", strings.TrimSuffix(strings.TrimSpace(env), "}") + `,"note":"x"}`, signing.ErrMalformed, "", `top-level field "note"`},
		{"unknown field in signed", strings.Replace(env, `"algorithm"`, `"comment":"x","algorithm"`, 1), signing.ErrMalformed, "", `unknown field "comment"`},
		{"duplicate document", strings.Replace(env, `"algorithm"`, `"document":{},"algorithm"`, 1), signing.ErrMalformed, "", `"document" appears twice`},
		{"missing signature", strings.Replace(env, `"signature":"`+sigOf(env)+`",`, "", 1), signing.ErrMalformed, "", "signed.signature is missing"},
		{"document is an array", `{"signed":{"algorithm":"ed25519","keyId":"k1","signature":"AA","document":[1]}}`, signing.ErrMalformed, "", "not a JSON object"},
		{"document is a string", `{"signed":{"algorithm":"ed25519","keyId":"k1","signature":"AA","document":"{}"}}`, signing.ErrMalformed, "", "not a JSON object"},
		{"document brackets mismatched", `{"signed":{"algorithm":"ed25519","keyId":"k1","signature":"AA","document":{"a":[1}]}}`, signing.ErrMalformed, "", "brackets or strings do not close"},
		{"signed is not an object", `{"signed":"x"}`, signing.ErrMalformed, "", "not a JSON object"},
		{"null algorithm", strings.Replace(env, `"ed25519"`, `null`, 1), signing.ErrMalformed, "", "signed.algorithm is not a string"},
		{"bad key id", strings.Replace(env, `"keyId":"k1"`, `"keyId":"k 1\n"`, 1), signing.ErrMalformed, "", "signed.keyId is not"},
		{"data after the envelope", env + `{}`, signing.ErrMalformed, "", "data follows"},
		{"truncated", env[:len(env)-3], signing.ErrMalformed, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := signing.Verify([]byte(tc.data), trusted)
			requireSigningError(t, err, tc.sentinel, tc.keyID)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), `"flags"`, "errors never quote the document")
		})
	}
}

func TestOpen(t *testing.T) {
	k := testKey(t, "k1", 1)
	env := sign(t, doc, k)

	got, id, err := signing.Open([]byte(doc), nil)
	require.NoError(t, err, "without keys a plain document loads as before")
	assert.Equal(t, doc, string(got))
	assert.Empty(t, id)

	_, _, err = signing.Open([]byte(doc), keys(t, k))
	requireSigningError(t, err, signing.ErrUnsigned, "")
	assert.Contains(t, err.Error(), "trusted keys are configured (key ids k1)")

	_, _, err = signing.Open(env, nil)
	requireSigningError(t, err, signing.ErrUnknownKey, "k1")
	assert.Contains(t, err.Error(), "no trusted keys are configured")
	_, err = signing.NewKeys()
	require.ErrorIs(t, err, signing.ErrKey, "an empty set of trusted keys is refused: it would trust plain documents")
	padded := strings.Replace(string(env), sigOf(string(env)), sigOf(string(env))+"==", 1)
	_, _, err = signing.Open([]byte(padded), keys(t, k))
	require.NoError(t, err, "exactly == of padding is the one other spelling")

	got, id, err = signing.Open(env, keys(t, k))
	require.NoError(t, err)
	assert.Equal(t, doc, string(got))
	assert.Equal(t, "k1", id)
}

func TestRotation(t *testing.T) {
	old, next := testKey(t, "2026-11", 1), testKey(t, "2026-12", 2)
	oldEnv, newEnv := sign(t, doc, old), sign(t, doc, next)

	both := keys(t, old, next)
	for _, env := range [][]byte{oldEnv, newEnv} {
		_, _, err := signing.Verify(env, both)
		require.NoError(t, err, "during a rotation both keys verify")
	}
	onlyNew := keys(t, next)
	_, _, err := signing.Verify(newEnv, onlyNew)
	require.NoError(t, err)
	_, _, err = signing.Verify(oldEnv, onlyNew)
	requireSigningError(t, err, signing.ErrUnknownKey, "2026-11")
}

func TestNewKeys(t *testing.T) {
	k := testKey(t, "k1", 1)
	_, err := signing.NewKeys(k.Public(), k.Public())
	require.ErrorIs(t, err, signing.ErrKey)
	assert.Contains(t, err.Error(), "two trusted keys have this id")
	_, err = signing.NewKeys(signing.PublicKey{ID: "k1", Key: k.Public().Key[:10]})
	require.ErrorIs(t, err, signing.ErrKey)
	_, err = signing.NewKeys(signing.PublicKey{ID: "", Key: k.Public().Key})
	require.ErrorIs(t, err, signing.ErrKey)
	set := keys(t, testKey(t, "b", 2), k)
	assert.Equal(t, []string{"b", "k1"}, set.IDs())
	assert.Equal(t, 0, (*signing.Keys)(nil).Len())

	_, err = signing.Sign([]byte(doc), signing.NewPrivateKey("bad id", k.Key()))
	require.ErrorIs(t, err, signing.ErrKey)
	_, err = signing.Sign([]byte(`[1]`), k)
	require.ErrorIs(t, err, signing.ErrMalformed)
	_, err = signing.Sign([]byte(`{"a":`), k)
	require.ErrorIs(t, err, signing.ErrMalformed)
	_, err = signing.Sign([]byte("{\r\n\"schemaVersion\": 1}"), k)
	require.ErrorIs(t, err, signing.ErrMalformed)
	assert.Contains(t, err.Error(), "CR line ends")
}

func TestKeyFiles(t *testing.T) {
	k1, err := signing.GenerateKey("2026-11", nil)
	require.NoError(t, err)
	k2 := testKey(t, "2026-12", 2)

	privText, err := signing.MarshalPrivateKey(k1)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(privText), "ed25519-private 2026-11 "))
	back, err := signing.ParsePrivateKey(append([]byte("# my key\n\n"), privText...))
	require.NoError(t, err)
	assert.Equal(t, k1.Key(), back.Key())
	assert.Equal(t, k1.ID, back.ID)

	p1, err := signing.MarshalPublicKey(k1.Public())
	require.NoError(t, err)
	p2, err := signing.MarshalPublicKey(k2.Public())
	require.NoError(t, err)
	pubs, err := signing.ParsePublicKeys(append(p1, p2...))
	require.NoError(t, err)
	require.Len(t, pubs, 2)
	assert.Equal(t, k1.Public(), pubs[0])
	assert.Equal(t, k2.Public(), pubs[1])

	for name, tc := range map[string]struct {
		data    string
		private bool
		says    string
	}{
		"private given as public": {string(privText), false, "holds a private key, not a public key"},
		"public given as private": {string(p1), true, "holds a public key, not a private key"},
		"empty public":            {"# nothing\n", false, "holds no"},
		"two private":             {string(privText) + string(privText), true, "this one 2"},
		"short key":               {"ed25519-public k1 AAAA\n", false, "line 1: the key is not 32 bytes"},
		"bad id":                  {"ed25519-public k/1 AAAA\n", false, "the key id on line 1"},
		"garbage":                 {"\nhello\n", false, "line 2 is not"},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			if tc.private {
				_, err = signing.ParsePrivateKey([]byte(tc.data))
			} else {
				_, err = signing.ParsePublicKeys([]byte(tc.data))
			}
			require.ErrorIs(t, err, signing.ErrKey)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), strings.Fields(string(privText))[2], "never the key material")
		})
	}
}

func TestPrivateKeyNeverPrinted(t *testing.T) {
	k := testKey(t, "k1", 3)
	text, err := signing.MarshalPrivateKey(k)
	require.NoError(t, err)
	seed := strings.Fields(string(text))[2]
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, struct{ K signing.PrivateKey }{k}))
		// In an unexported field fmt cannot call the key's methods: it
		// prints the fields, and the material is behind a pointer.
		hidden := fmt.Sprintf(verb, struct{ k signing.PrivateKey }{k})
		assert.NotContains(t, hidden, seed)
		assert.NotContains(t, hidden, fmt.Sprintf("%x", k.Key().Seed()[:8]))
		assert.NotContains(t, hidden, fmt.Sprint([]byte(k.Key())[:8]))
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "key", k)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "key", k)
	outs = append(outs, logs.String())
	js, err := json.Marshal(k)
	require.NoError(t, err)
	outs = append(outs, string(js))
	for _, out := range outs {
		assert.Contains(t, out, "REDACTED")
		assert.NotContains(t, out, seed)
		assert.NotContains(t, out, fmt.Sprintf("%x", k.Key().Seed()[:8]))
		assert.NotContains(t, out, fmt.Sprint([]byte(k.Key())[:8]))
	}
}

// strayLast returns the last character of an unpadded 64-byte base64url
// signature with one of its unused low bits set: the same bytes under a
// lenient decoder, another spelling under a strict one.
func strayLast(sig string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, sig[85])
	return string(alphabet[i|1])
}

// sigOf returns the signature string of an envelope.
func sigOf(e string) string {
	i := strings.Index(e, `"signature":"`) + len(`"signature":"`)
	return e[i : i+strings.Index(e[i:], `"`)]
}

func TestDeepNestingIsRefusedEarly(t *testing.T) {
	deep := `{"signed": {"algorithm": "ed25519", "keyId": "k1", "signature": "x", "document": {"a": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}}`
	_, err := signing.Parse([]byte(deep))
	require.ErrorIs(t, err, signing.ErrMalformed)
}
