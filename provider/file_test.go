package provider_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/provider"
)

const fileV1 = `{"schemaVersion": 1, "version": "v1", "flags": {
  "a": {"type": "boolean", "variants": {"on": true, "off": false}, "default": {"variant": "on"}},
  "b": {"type": "string", "variants": {"x": "X", "y": "Y"}, "default": {"variant": "x"}},
  "c": {"type": "integer", "variants": {"one": 1}, "default": {"variant": "one"}}
}}`

// fileV2 changes b, removes c and adds d.
const fileV2 = `{"schemaVersion": 1, "version": "v2", "flags": {
  "a": {"type": "boolean", "variants": {"on": true, "off": false}, "default": {"variant": "on"}},
  "b": {"type": "string", "variants": {"x": "X", "y": "Y"}, "default": {"variant": "y"}},
  "d": {"type": "float", "variants": {"half": 0.5}, "default": {"variant": "half"}}
}}`

// writeFile replaces the file atomically, as editors and deploy tools do,
// with a modification time that differs from the previous write.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	stamp := time.Now().Add(time.Duration(len(content)) * time.Millisecond)
	if fi, err := os.Stat(path); err == nil && !stamp.After(fi.ModTime()) {
		stamp = fi.ModTime().Add(time.Second)
	}
	require.NoError(t, os.Chtimes(tmp, stamp, stamp))
	require.NoError(t, os.Rename(tmp, path))
}

func TestFileSourceConstructionErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := provider.NewFileSource(provider.FileConfig{})
	assert.ErrorContains(t, err, "FileConfig.Path is empty")

	_, err = provider.NewFileSource(provider.FileConfig{Path: filepath.Join(dir, "missing.json")})
	assert.ErrorIs(t, err, os.ErrNotExist)

	bad := filepath.Join(dir, "bad.json")
	writeFile(t, bad, `{"schemaVersion": 1, "flags": {"a": {"type": "boolean", "variants": {"on": "yes"}}}}`)
	_, err = provider.NewFileSource(provider.FileConfig{Path: bad})
	var ve *evaluator.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "flags.a.variants.on", ve.Path)
	assert.ErrorContains(t, err, bad, "the error names the file")

	good := filepath.Join(dir, "good.json")
	writeFile(t, good, fileV1)
	_, err = provider.NewFileSource(provider.FileConfig{Path: good, Reload: true, PollInterval: -time.Second})
	assert.ErrorContains(t, err, "PollInterval")
}

func TestFileSourceServesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.json")
	writeFile(t, path, fileV1)
	src, err := provider.NewFileSource(provider.FileConfig{Path: path})
	require.NoError(t, err)
	client := setup(t, newProvider(t, src))
	v, err := client.StringValue(context.Background(), "b", "", openfeature.EvaluationContext{})
	require.NoError(t, err)
	assert.Equal(t, "X", v)
}

func TestFileSourceReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.json")
	writeFile(t, path, fileV1)
	src, err := provider.NewFileSource(provider.FileConfig{Path: path, Reload: true, PollInterval: 5 * time.Millisecond})
	require.NoError(t, err)
	p := newProvider(t, src)
	ev := eventsOf(p)
	initDirect(t, p)
	value := func(flag string) any {
		return p.ObjectEvaluation(context.Background(), flag, "caller-default", nil).Value
	}
	str := func(flag string) string {
		return p.StringEvaluation(context.Background(), flag, "caller-default", nil).Value
	}

	writeFile(t, path, fileV2)
	got := ev.next(t, openfeature.ProviderConfigChange)
	assert.Equal(t, []string{"b", "c", "d"}, got.FlagChanges, "exactly the changed, removed and added flags")
	assert.Equal(t, "v2", got.EventMetadata["rulesetVersion"])
	assert.Equal(t, "Y", str("b"))

	// An invalid edit is reported and the previous ruleset keeps serving.
	writeFile(t, path, `{"schemaVersion": 1, "flags": {"b": {"type": "string", "variants": {"x": 1}}}}`)
	got = ev.next(t, openfeature.ProviderError)
	assert.Contains(t, got.Message, "flags.b.variants.x")
	assert.Equal(t, openfeature.ErrorState, p.State())
	assert.Equal(t, "Y", str("b"))

	// Truncated JSON (a half-written file) is rejected the same way.
	writeFile(t, path, fileV2[:40])
	assert.Contains(t, ev.next(t, openfeature.ProviderError).Message, "document ends early")
	assert.Equal(t, "Y", str("b"))

	// Fixing the file recovers: READY, then the change against the last good ruleset.
	writeFile(t, path, fileV1)
	ev.next(t, openfeature.ProviderReady)
	assert.Equal(t, []string{"b", "c", "d"}, ev.next(t, openfeature.ProviderConfigChange).FlagChanges)
	assert.Equal(t, "X", str("b"))
	assert.Equal(t, "caller-default", value("d"), "d was removed")

	// Deleting the file is an error too; the ruleset keeps serving.
	require.NoError(t, os.Remove(path))
	ev.next(t, openfeature.ProviderError)
	assert.Equal(t, "X", str("b"))

	// Restoring the same content recovers without a configuration change.
	writeFile(t, path, fileV1)
	ev.next(t, openfeature.ProviderReady)
	ev.none(t)

	noLeaks(t, p.Shutdown)
}

func TestStaticSource(t *testing.T) {
	_, err := provider.NewStaticSourceJSON([]byte(`{"schemaVersion": 2}`))
	assert.ErrorIs(t, err, evaluator.ErrInvalidRuleset)
	_, err = provider.NewStaticSource(&evaluator.Ruleset{SchemaVersion: 1, Flags: map[string]evaluator.Flag{"a": {Type: 99}}})
	assert.ErrorContains(t, err, "unknown flag type 99")

	src, err := provider.NewStaticSource(&evaluator.Ruleset{SchemaVersion: 1, Flags: map[string]evaluator.Flag{
		"a": {Type: evaluator.TypeInteger, Variants: map[string]any{"n": 42}, Default: &evaluator.Serve{Variant: "n"}},
	}})
	require.NoError(t, err)
	client := setup(t, newProvider(t, src))
	n, err := client.IntValue(context.Background(), "a", 0, openfeature.EvaluationContext{})
	require.NoError(t, err)
	assert.Equal(t, int64(42), n)
}
