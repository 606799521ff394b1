package provider_test

import (
	"context"
	"fmt"
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

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/signing"
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

// fileInvalid fails validation at flags.b.variants.x.
const fileInvalid = `{"schemaVersion": 1, "flags": {"b": {"type": "string", "variants": {"x": 1}}}}`

// fileStep is one change to a reloading file source's file, and what the
// provider must do about it.
type fileStep struct {
	name   string
	change func(t *testing.T, path string)
	events []string // exactly, in order: type, and for a change its flag keys
	errs   []string // a substring of each PROVIDER_ERROR message, in order
	b      string   // the value flag "b" serves afterwards
}

func write(content string) func(*testing.T, string) {
	return func(t *testing.T, path string) { writeFile(t, path, content) }
}

func remove(t *testing.T, path string) { require.NoError(t, os.Remove(path)) }

const (
	errEvent   = "PROVIDER_ERROR"
	readyEvent = "PROVIDER_READY"
)

func changed(keys ...string) string {
	return fmt.Sprintf("PROVIDER_CONFIGURATION_CHANGED %v", keys)
}

// TestFileSourceReload walks a reloading file source through every
// transition between a valid, an invalid and a missing file. Each step
// must emit exactly the listed events (a second, different failure is a
// second PROVIDER_ERROR; the same failure on later polls is none), log a
// warning per PROVIDER_ERROR, and keep serving the last good ruleset.
//
// It runs in a synctest bubble: the source's ticker is on virtual time, so
// a step is one poll interval of sleep and then synctest.Wait, which
// returns when the poll has been handled. File system calls do not block
// durably, which a bubble allows.
func TestFileSourceReload(t *testing.T) {
	for _, sc := range []struct {
		name  string
		steps []fileStep
	}{
		{"edits", []fileStep{
			{"valid change", write(fileV2), []string{changed("b", "c", "d")}, nil, "Y"},
			{"invalid edit", write(fileInvalid), []string{errEvent}, []string{"flags.b.variants.x"}, "Y"},
			{"truncated (half-written) file", write(fileV2[:40]), []string{errEvent}, []string{"document ends early"}, "Y"},
			{"fixed, against the last good ruleset", write(fileV1), []string{readyEvent, changed("b", "c", "d")}, nil, "X"},
			{"same content rewritten", write(fileV1), nil, nil, "X"},
		}},
		{"valid, invalid, deleted, restored", []fileStep{
			{"invalid edit", write(fileInvalid), []string{errEvent}, []string{"flags.b.variants.x"}, "X"},
			{"deleted while failing", remove, []string{errEvent}, []string{"no such file"}, "X"},
			{"restored as it was", write(fileV1), []string{readyEvent}, nil, "X"},
		}},
		{"valid, deleted, invalid, fixed", []fileStep{
			{"deleted", remove, []string{errEvent}, []string{"no such file"}, "X"},
			{"back but invalid", write(fileInvalid), []string{errEvent}, []string{"flags.b.variants.x"}, "X"},
			{"fixed with a new version", write(fileV2), []string{readyEvent, changed("b", "c", "d")}, nil, "Y"},
		}},
		{"invalid, then the same invalid content again", []fileStep{
			{"invalid edit", write(fileInvalid), []string{errEvent}, []string{"flags.b.variants.x"}, "X"},
			{"same failure", write(fileInvalid + " "), nil, nil, "X"},
			{"deleted", remove, []string{errEvent}, []string{"no such file"}, "X"},
			{"deleted and back invalid", write(fileInvalid), []string{errEvent}, []string{"flags.b.variants.x"}, "X"},
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { runFileSteps(t, sc.steps) })
		})
	}
}

func runFileSteps(t *testing.T, steps []fileStep) { runFileStepsWith(t, nil, fileV1, steps) }

// runFileStepsWith runs steps against a provider with trusted keys, whose
// file starts as first (fileV1 or a signed envelope of it).
func runFileStepsWith(t *testing.T, keys *signing.Keys, first string, steps []fileStep) {
	const poll = time.Second
	path := filepath.Join(t.TempDir(), "flags.json")
	writeFile(t, path, first)
	src, err := provider.NewFileSource(provider.FileConfig{Path: path, Reload: true, PollInterval: poll})
	require.NoError(t, err)
	logs := &lockedWriter{}
	p, err := provider.New(provider.Config{Source: src, TrustedKeys: keys, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)
	initDirect(t, p)
	b := func() string { return p.StringEvaluation(context.Background(), "b", "caller-default", nil).Value }
	require.Equal(t, "X", b())

	warnings := 0
	for _, st := range steps {
		st.change(t, path)
		// One poll handles the change; two more must bring nothing new.
		for poll := range 3 {
			time.Sleep(time.Second)
			synctest.Wait()
			var got []string
			var msgs []string
			for more := true; more; {
				select {
				case ev := <-p.EventChannel():
					s := string(ev.EventType)
					if ev.EventType == openfeature.ProviderConfigChange {
						s = changed(ev.FlagChanges...)
					}
					if ev.EventType == openfeature.ProviderError {
						msgs = append(msgs, ev.Message)
					}
					got = append(got, s)
				default:
					more = false
				}
			}
			want, wantErrs := st.events, st.errs
			if poll > 0 {
				want, wantErrs = nil, nil
			}
			assert.Equal(t, want, got, "%s (poll %d): events", st.name, poll+1)
			for i, m := range msgs {
				if i < len(wantErrs) {
					assert.Contains(t, m, wantErrs[i], "%s: PROVIDER_ERROR %d names the failure", st.name, i+1)
				}
				assert.NotContains(t, m, "caller-default")
			}
			warnings += len(msgs)
			assert.Equal(t, warnings, strings.Count(logs.String(), "ruleset source failed; serving the last good ruleset"),
				"%s (poll %d): one warning per PROVIDER_ERROR", st.name, poll+1)
			assert.Equal(t, st.b, b(), "%s (poll %d): b serves", st.name, poll+1)
		}
	}
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
