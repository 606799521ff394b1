package provider_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
	"github.com/switchyardhq/switchyard/provider"
)

// flagdDoc is a flagd flag-definition document with one flag that cannot
// be translated ("computed" reads its variant from the context).
const flagdDoc = `{"flags": {
  "new-checkout": {"state": "ENABLED", "defaultVariant": "off", "variants": {"on": true, "off": false},
    "targeting": {"if": [{"ends_with": [{"var": "email"}, "@acme.com"]}, "on", null]}},
  "computed": {"state": "ENABLED", "defaultVariant": "a", "variants": {"a": "a"}, "targeting": {"var": "v"}}
}}`

const flagdDocValid = `{"flags": {
  "new-checkout": {"state": "ENABLED", "defaultVariant": "off", "variants": {"on": true, "off": false},
    "targeting": {"if": [{"ends_with": [{"var": "email"}, "@acme.com"]}, "on", null]}}
}}`

func staff() openfeature.EvaluationContext {
	return openfeature.NewEvaluationContext("u1", map[string]any{"email": "ana@acme.com"})
}

// TestFileSourceReadsFlagd: the path a user takes, a flagd file given to
// NewFileSource, detected from its shape or named; untranslatable flags
// reject the file unless skipped, and skipped flags are logged by name.
func TestFileSourceReadsFlagd(t *testing.T) {
	dir := t.TempDir()
	valid := filepath.Join(dir, "flags.flagd.json")
	writeFile(t, valid, flagdDocValid)
	for _, format := range []provider.Format{provider.FormatDetect, provider.FormatFlagd} {
		src, err := provider.NewFileSource(provider.FileConfig{Path: valid, Format: format})
		require.NoError(t, err, format)
		client := setup(t, newProvider(t, src))
		d, err := client.BooleanValueDetails(context.Background(), "new-checkout", false, staff())
		require.NoError(t, err)
		assert.True(t, d.Value)
		assert.Equal(t, openfeature.TargetingMatchReason, d.Reason)
	}
	_, err := provider.NewFileSource(provider.FileConfig{Path: valid, Format: provider.FormatRuleset})
	assert.ErrorContains(t, err, "looks like a flagd flag definition: read it with FormatFlagd", "a flagd file read as a ruleset is rejected, with a hint")
	assert.ErrorIs(t, err, evaluator.ErrInvalidRuleset)

	partial := filepath.Join(dir, "partial.flagd.json")
	writeFile(t, partial, flagdDoc)
	_, err = provider.NewFileSource(provider.FileConfig{Path: partial})
	var fe *flagd.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "flags.computed.targeting.var", fe.Path)
	assert.ErrorContains(t, err, partial, "the error names the file")
	assert.ErrorIs(t, err, evaluator.ErrInvalidRuleset)

	src, err := provider.NewFileSource(provider.FileConfig{Path: partial, Flagd: flagd.Options{SkipUntranslatable: true}})
	require.NoError(t, err)
	var logs bytes.Buffer
	p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	client := setup(t, p)
	v, err := client.BooleanValue(context.Background(), "new-checkout", false, staff())
	require.NoError(t, err)
	assert.True(t, v)
	d, _ := client.StringValueDetails(context.Background(), "computed", "dflt", staff())
	assert.Equal(t, openfeature.FlagNotFoundCode, d.ErrorCode)
	assert.Contains(t, logs.String(), "flagd flag left out")
	assert.Contains(t, logs.String(), "flag=computed")
}

func TestStaticSourceReadsFlagd(t *testing.T) {
	src, err := provider.NewStaticSourceJSON([]byte(flagdDocValid))
	require.NoError(t, err)
	client := setup(t, newProvider(t, src))
	v, err := client.BooleanValue(context.Background(), "new-checkout", false, staff())
	require.NoError(t, err)
	assert.True(t, v)

	_, err = provider.NewStaticSourceJSON([]byte(flagdDoc))
	assert.ErrorContains(t, err, "flags.computed.targeting.var")
	_, err = provider.NewStaticSourceFormat([]byte(flagdDoc), provider.FormatFlagd, flagd.Options{SkipUntranslatable: true})
	require.NoError(t, err)
	_, err = provider.NewStaticSourceFormat([]byte(flagdDocValid), provider.Format(9), flagd.Options{})
	assert.ErrorContains(t, err, "unknown Format(9)")
	assert.Equal(t, "flagd", provider.FormatFlagd.String())
}
