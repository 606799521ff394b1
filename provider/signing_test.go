package provider_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/signing"
)

// Signed rulesets (SPEC 9) through every source: remote GET and stream,
// file, static JSON, bootstrap and the on-disk cache. keyOld and keyNew
// are a rotation's two keys; keyStranger is trusted by no test.
var (
	keyOld      = seededKey("2026-11", 1)
	keyNew      = seededKey("2026-12", 2)
	keyStranger = seededKey("stranger", 9)
)

func seededKey(id string, seed byte) signing.PrivateKey {
	return signing.NewPrivateKey(id, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)))
}

func trust(t testing.TB, ks ...signing.PrivateKey) *signing.Keys {
	t.Helper()
	var pubs []signing.PublicKey
	for _, k := range ks {
		pubs = append(pubs, k.Public())
	}
	set, err := signing.NewKeys(pubs...)
	require.NoError(t, err)
	return set
}

func signedDoc(t testing.TB, doc []byte, k signing.PrivateKey) []byte {
	t.Helper()
	env, err := signing.Sign(doc, k)
	require.NoError(t, err)
	return env
}

// badEnvelopes are the ways an envelope of doc (which must contain
// "blue") can fail, each with a substring its error must contain.
func badEnvelopes(t testing.TB, doc, other []byte) []struct {
	name     string
	data     []byte
	sentinel error
	want     string
} {
	good := signedDoc(t, doc, keyNew)
	sig := func(env []byte) string {
		s := string(env)
		i := strings.Index(s, `"signature":"`) + len(`"signature":"`)
		return s[i : i+strings.Index(s[i:], `"`)]
	}
	return []struct {
		name     string
		data     []byte
		sentinel error
		want     string
	}{
		{"unsigned document", doc, signing.ErrUnsigned, "the document is not signed"},
		{"unknown key id", signedDoc(t, doc, keyStranger), signing.ErrUnknownKey, `key id "stranger": the key id is not trusted`},
		{"tampered byte", bytes.Replace(good, []byte("blue"), []byte("blux"), 1), signing.ErrBadSignature, `key id "2026-12": the signature does not match`},
		{"unknown algorithm", bytes.Replace(good, []byte(`"ed25519"`), []byte(`"ed448"`), 1), signing.ErrAlgorithm, `key id "2026-12": the signature algorithm is not supported`},
		{"signature of another document", bytes.Replace(good, []byte(sig(good)), []byte(sig(signedDoc(t, other, keyNew))), 1), signing.ErrBadSignature, `key id "2026-12": the signature does not match`},
	}
}

func TestSignedRemote(t *testing.T) {
	for _, via := range []string{"poll", "stream"} {
		t.Run(via, func(t *testing.T) {
			opts := func() remoteOpts {
				return remoteOpts{serve: true, keys: trust(t, keyNew), srv: clienttest.Options{SigningKey: keyNew},
					cfg: func(c *provider.RemoteConfig) { c.DisableStreaming = via == "poll" }}
			}
			// start initialises on the signed v1 and, for the stream, waits
			// until it is open, so what follows arrives on it.
			start := func(t *testing.T) *remoteHarness {
				h := newRemote(t, opts())
				require.NoError(t, h.init(t, 5*time.Second))
				require.Equal(t, "red", h.color())
				if via == "stream" {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					require.NoError(t, h.srv.WaitOpenStreams(ctx, 1))
				}
				return h
			}
			within := time.Minute // the first scheduled poll comes after 15 s
			if via == "stream" {
				within = time.Second
			}
			t.Run("signed change served", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					h := start(t)
					h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
					h.next(t, openfeature.ProviderConfigChange, within)
					assert.Equal(t, "blue", h.color())
					assert.Contains(t, h.logs.String(), `"signedBy":"2026-12"`)
				})
			})
			for _, bad := range badEnvelopes(t, remoteDoc("2", "blue"), remoteDoc("3", "green")) {
				t.Run(bad.name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						h := start(t)
						h.srv.SetSigningKey(signing.PrivateKey{}) // serve the bytes as they are
						h.srv.SetRuleset(tenant, env, bad.data)
						got := h.next(t, openfeature.ProviderError, within)
						assert.Contains(t, got.Message, bad.want)
						assert.Contains(t, got.Message, "the last good ruleset keeps serving")
						assert.ErrorIs(t, h.p.LastError(), bad.sentinel)
						assert.Equal(t, "red", h.color(), "rejected whole: the last good ruleset keeps serving")
						if via == "stream" {
							assert.Equal(t, 1, h.count(clienttest.EndpointRuleset), "it came on the stream")
						}
					})
				})
			}
		})
	}
}

func TestSignedRemoteKeyRotation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Old and new trusted: the service switches keys without a gap.
		h := newRemote(t, remoteOpts{serve: true, keys: trust(t, keyOld, keyNew), srv: clienttest.Options{SigningKey: keyOld}})
		require.NoError(t, h.init(t, 5*time.Second))
		assert.Equal(t, "red", h.color(), "signed with the old key")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.NoError(t, h.srv.WaitOpenStreams(ctx, 1))
		h.srv.SetSigningKey(keyNew)
		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		h.next(t, openfeature.ProviderConfigChange, time.Second)
		assert.Equal(t, "blue", h.color(), "signed with the new key")
	})
	synctest.Test(t, func(t *testing.T) {
		// The old key removed: what it signed (a replay, a stale relay) is
		// rejected and the last good ruleset keeps serving.
		h := newRemote(t, remoteOpts{serve: true, keys: trust(t, keyNew), srv: clienttest.Options{SigningKey: keyNew}})
		require.NoError(t, h.init(t, 5*time.Second))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.NoError(t, h.srv.WaitOpenStreams(ctx, 1))
		h.srv.SetSigningKey(keyOld)
		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		got := h.next(t, openfeature.ProviderError, time.Second)
		assert.Contains(t, got.Message, `key id "2026-11": the key id is not trusted: trusted key ids are 2026-12`)
		assert.Equal(t, "red", h.color())
	})
}

func TestSignedBootstrap(t *testing.T) {
	boot := remoteDoc("boot", "green")
	good := signedDoc(t, boot, keyNew)
	cases := []struct {
		name string
		keys *signing.Keys
		boot []byte
		want string // empty: served
	}{
		{"signed, key trusted", trust(t, keyNew), good, ""},
		{"signed, old and new trusted", trust(t, keyOld, keyNew), good, ""},
		{"signed, no keys configured", nil, good, `key id "2026-12": the key id is not trusted: no trusted keys are configured`},
		{"plain, keys configured", trust(t, keyNew), boot, "the document is not signed"},
		{"tampered", trust(t, keyNew), bytes.Replace(good, []byte("green"), []byte("greed"), 1), "the signature does not match"},
		{"signed by a removed key", trust(t, keyNew), signedDoc(t, boot, keyOld), `key id "2026-11": the key id is not trusted`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newRemote(t, remoteOpts{keys: c.keys, cfg: func(cfg *provider.RemoteConfig) { cfg.Bootstrap = c.boot }})
				h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointAny, Status: 500})
				err := h.init(t, time.Second)
				if c.want == "" {
					require.NoError(t, err)
					assert.Equal(t, "green", h.color())
					return
				}
				require.Error(t, err, "a refused bootstrap is not served")
				assert.Equal(t, "caller-default", h.color())
				assert.Contains(t, h.logs.String(), "RemoteConfig bootstrap ruleset refused: signing: ")
				assert.Contains(t, h.logs.String(), inJSON(c.want))
			})
		})
	}
}

// TestSignedCache checks the cache keeps the envelope as received and that
// every restart verifies it again.
func TestSignedCache(t *testing.T) {
	dir := t.TempDir()
	var cacheFile string
	var served []byte
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true, keys: trust(t, keyNew), srv: clienttest.Options{SigningKey: keyNew},
			cfg: func(c *provider.RemoteConfig) { c.CacheDir = dir }})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		require.Len(t, files, 1)
		cacheFile = files[0]
		served, _, _ = h.srv.Document(tenant, env)
	})
	var stored struct {
		Ruleset []byte `json:"ruleset"`
	}
	raw, err := os.ReadFile(cacheFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &stored))
	require.True(t, signing.IsEnvelope(stored.Ruleset), "the cache holds the envelope")
	require.Equal(t, served, stored.Ruleset, "byte for byte as received")

	restart := func(t *testing.T, keys *signing.Keys) *remoteHarness {
		h := newRemote(t, remoteOpts{keys: keys, cfg: func(c *provider.RemoteConfig) { c.CacheDir = dir }})
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointAny, Status: 503})
		return h
	}
	synctest.Test(t, func(t *testing.T) {
		h := restart(t, trust(t, keyNew))
		require.NoError(t, h.init(t, time.Second), "logs: %s", h.logs.String())
		assert.Equal(t, "red", h.color(), "served from the verified cache")
	})
	synctest.Test(t, func(t *testing.T) {
		h := restart(t, trust(t, keyOld))
		assert.Error(t, h.init(t, time.Second))
		assert.Contains(t, h.logs.String(), inJSON(`ruleset cache refused: signing: key id "2026-12": the key id is not trusted`))
	})
	synctest.Test(t, func(t *testing.T) {
		h := restart(t, nil)
		assert.Error(t, h.init(t, time.Second), "without keys an envelope is refused")
		assert.Contains(t, h.logs.String(), "no trusted keys are configured")
	})

	// Rewrite the cache with a correct SHA-256, so only the signature can
	// tell: a tampered envelope, then a plain document.
	rewrite := func(t *testing.T, ruleset []byte) {
		var c map[string]any
		require.NoError(t, json.Unmarshal(raw, &c))
		sum := sha256.Sum256(ruleset)
		c["ruleset"], c["sha256"] = ruleset, hex.EncodeToString(sum[:])
		out, err := json.Marshal(c)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(cacheFile, out, 0o600))
	}
	for _, tc := range []struct {
		name    string
		ruleset []byte
		want    string
	}{
		{"tampered envelope", bytes.Replace(stored.Ruleset, []byte(`"red"`), []byte(`"evil"`), 1), inJSON(`key id "2026-12": the signature does not match the document`)},
		{"plain document", remoteDoc("1", "evil"), "the document is not signed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rewrite(t, tc.ruleset)
			synctest.Test(t, func(t *testing.T) {
				h := restart(t, trust(t, keyNew))
				assert.Error(t, h.init(t, time.Second))
				assert.Equal(t, "caller-default", h.color(), "never served")
				assert.Contains(t, h.logs.String(), tc.want)
				assert.NotContains(t, h.logs.String(), "SHA-256", "the hash matched: the signature caught it")
			})
		})
	}
}

// inJSON is s as it appears inside a JSON log line.
func inJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func TestSignedFileReload(t *testing.T) {
	v2 := []byte(fileV2)
	good := signedDoc(t, v2, keyNew)
	steps := []fileStep{
		{"tampered byte", write(string(bytes.Replace(good, []byte(`"y"}`), []byte(`"x"}`), 1))), []string{errEvent}, []string{`key id "2026-12": the signature does not match`}, "X"},
		{"unsigned document", write(fileV2), []string{errEvent}, []string{"the document is not signed"}, "X"},
		{"unknown key id", write(string(signedDoc(t, v2, keyStranger))), []string{errEvent}, []string{`key id "stranger"`}, "X"},
		{"signed by the trusted key", write(string(good)), []string{readyEvent, changed("b", "c", "d")}, nil, "Y"},
	}
	synctest.Test(t, func(t *testing.T) {
		runFileStepsWith(t, trust(t, keyNew), string(signedDoc(t, []byte(fileV1), keyNew)), steps)
	})
}

// initErr initialises a provider on src with keys and returns Init's
// error.
func initErr(t *testing.T, src provider.Source, keys *signing.Keys) (*provider.Provider, error) {
	t.Helper()
	p, err := provider.New(provider.Config{Source: src, TrustedKeys: keys, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(p.Shutdown)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p, p.InitWithContext(ctx, openfeature.EvaluationContext{})
}

func requireFatal(t *testing.T, err error, want string) {
	t.Helper()
	var ie *openfeature.ProviderInitError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, openfeature.ProviderFatalCode, ie.ErrorCode)
	assert.Contains(t, ie.Message, want)
}

func TestSignedFileWithoutReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.json")
	writeFile(t, path, fileV1)
	src, err := provider.NewFileSource(provider.FileConfig{Path: path})
	require.NoError(t, err)
	_, err = initErr(t, src, trust(t, keyNew))
	requireFatal(t, err, "the document is not signed")

	writeFile(t, path, string(signedDoc(t, []byte(fileV1), keyNew)))
	src, err = provider.NewFileSource(provider.FileConfig{Path: path})
	require.NoError(t, err)
	p, err := initErr(t, src, trust(t, keyNew))
	require.NoError(t, err)
	assert.Equal(t, "X", p.StringEvaluation(context.Background(), "b", "", nil).Value)

	writeFile(t, path, `{"signed": {"algorithm": "ed25519"}}`)
	_, err = provider.NewFileSource(provider.FileConfig{Path: path})
	require.ErrorIs(t, err, signing.ErrMalformed, "a malformed envelope fails at construction")
	assert.ErrorContains(t, err, path)
}

func TestSignedStatic(t *testing.T) {
	v1 := []byte(fileV1)
	good := signedDoc(t, v1, keyNew)
	b := func(p *provider.Provider) string {
		return p.StringEvaluation(context.Background(), "b", "caller-default", nil).Value
	}

	src, err := provider.NewStaticSourceJSON(good)
	require.NoError(t, err)
	p, err := initErr(t, src, trust(t, keyOld, keyNew))
	require.NoError(t, err)
	assert.Equal(t, "X", b(p))

	for _, bad := range badEnvelopes(t, []byte(strings.Replace(fileV1, `"X"`, `"blue"`, 1)), []byte(fileV2)) {
		t.Run(bad.name, func(t *testing.T) {
			src, err := provider.NewStaticSourceJSON(bad.data)
			require.NoError(t, err, "the document is valid; the signature is checked at Init")
			p, err := initErr(t, src, trust(t, keyNew))
			requireFatal(t, err, bad.want)
			assert.ErrorIs(t, p.LastError(), bad.sentinel)
			assert.Equal(t, "caller-default", b(p))
		})
	}

	t.Run("envelope without keys", func(t *testing.T) {
		src, err := provider.NewStaticSourceJSON(good)
		require.NoError(t, err)
		_, err = initErr(t, src, nil)
		requireFatal(t, err, "no trusted keys are configured")
	})
	t.Run("plain without keys", func(t *testing.T) {
		src, err := provider.NewStaticSourceJSON(v1)
		require.NoError(t, err)
		_, err = initErr(t, src, nil)
		require.NoError(t, err, "loads as before")
	})
	t.Run("model in code is trusted", func(t *testing.T) {
		rs, err := evaluator.Parse(v1)
		require.NoError(t, err)
		src, err := provider.NewStaticSource(rs)
		require.NoError(t, err)
		_, err = initErr(t, src, trust(t, keyNew))
		require.NoError(t, err)
	})
	t.Run("signed flagd document", func(t *testing.T) {
		flagdDoc := []byte(`{"flags": {"b": {"state": "ENABLED", "variants": {"x": "X", "y": "Y"}, "defaultVariant": "y"}}}`)
		src, err := provider.NewStaticSourceJSON(signedDoc(t, flagdDoc, keyNew))
		require.NoError(t, err)
		p, err := initErr(t, src, trust(t, keyNew))
		require.NoError(t, err)
		assert.Equal(t, "Y", b(p))
	})
	t.Run("construction checks the envelope and its document", func(t *testing.T) {
		_, err := provider.NewStaticSourceJSON(bytes.Replace(good, []byte(`"keyId"`), []byte(`"keyID"`), 1))
		require.ErrorIs(t, err, signing.ErrMalformed)
		_, err = provider.NewStaticSourceJSON(signedDoc(t, []byte(fileInvalid), keyNew))
		var ve *evaluator.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "flags.b.variants.x", ve.Path)
	})
}

// TestSignedTamperedByteAnywhere flips bytes across the whole document of
// a signed static ruleset: none may be served.
func TestSignedTamperedByteAnywhere(t *testing.T) {
	good := signedDoc(t, []byte(fileV1), keyNew)
	start := bytes.Index(good, []byte(`"document":`)) + len(`"document":`)
	atInit := 0
	for i := start; i < len(good)-len("}}\n"); i++ {
		c := good[i]
		var repl byte
		switch {
		case c == ' ', c == '\n':
			repl = '\t' // white space stays valid JSON
		case c >= 'a' && c <= 'y', c >= '0' && c <= '8':
			repl = c + 1
		default:
			continue
		}
		tampered := bytes.Clone(good)
		tampered[i] = repl
		src, err := provider.NewStaticSourceJSON(tampered)
		if err != nil {
			continue // the change made the document invalid
		}
		atInit++
		_, err = initErr(t, src, trust(t, keyNew))
		require.Error(t, err, "byte %d changed from %q and the ruleset was served", i-start, c)
		require.True(t, errors.Is(err, signing.ErrBadSignature) || strings.Contains(err.Error(), "signature does not match"), "%v", err)
	}
	assert.Greater(t, atInit, 50, "most changes keep a valid document, caught only by the signature")
}

func TestEmptyTrustedKeysAreRefused(t *testing.T) {
	src, err := provider.NewStaticSourceJSON([]byte(`{"schemaVersion": 1, "flags": {}}`))
	require.NoError(t, err)
	_, err = provider.New(provider.Config{Source: src, TrustedKeys: &signing.Keys{}})
	require.Error(t, err, "an empty key set would read unsigned rulesets as if none were configured")
	assert.Contains(t, err.Error(), "Config.TrustedKeys holds no key")
}
