package provider

import (
	"fmt"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
	"github.com/switchyardhq/switchyard/signing"
)

// Format is the format of a ruleset document read by a file or static
// source.
type Format int

const (
	// FormatDetect reads a flagd flag-definition document when the data
	// looks like one (flagd.Detect: flags with flagd's "state", no
	// "schemaVersion"), and a Switchyard ruleset otherwise. It is the zero
	// value, a convenience: a service that knows its format should name it.
	FormatDetect Format = iota
	// FormatRuleset is a Switchyard ruleset document (schemaVersion 1).
	FormatRuleset
	// FormatFlagd is a flagd flag-definition document, translated by
	// evaluator/flagd.
	FormatFlagd
)

func (f Format) String() string {
	switch f {
	case FormatDetect:
		return "detect"
	case FormatRuleset:
		return "ruleset"
	case FormatFlagd:
		return "flagd"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// openDocument is the one gate every source's bytes pass through before
// they are served: remote GET and stream, file, static JSON, bootstrap and
// the on-disk cache. It applies the provider's trusted keys (signing.Open:
// with keys only envelopes that verify; without keys plain documents, and
// envelopes refused) and compiles the document in format. keyID names the
// key that signed it, empty for a plain document.
func openDocument(data []byte, keys *signing.Keys, format Format, opts flagd.Options) (ev *evaluator.Evaluator, skipped []*flagd.Error, keyID string, err error) {
	doc, keyID, err := signing.Open(data, keys)
	if err != nil {
		return nil, nil, keyID, err
	}
	ev, skipped, err = loadDocument(doc, format, opts)
	return ev, skipped, keyID, err
}

// checkDocument validates data at a source's construction, before the
// provider's trusted keys are known: an envelope is parsed (not verified)
// and its document compiled, so a malformed envelope or an invalid
// document fails at once. The signature is checked when the source runs,
// by openDocument.
func checkDocument(data []byte, format Format, opts flagd.Options) (*evaluator.Evaluator, []*flagd.Error, error) {
	if signing.IsEnvelope(data) {
		env, err := signing.Parse(data)
		if err != nil {
			return nil, nil, err
		}
		data = env.Document
	}
	return loadDocument(data, format, opts)
}

// loadDocument compiles data in format. skipped lists the flagd flags left
// out under opts.SkipUntranslatable.
func loadDocument(data []byte, format Format, opts flagd.Options) (ev *evaluator.Evaluator, skipped []*flagd.Error, err error) {
	switch format {
	case FormatDetect:
		rs, _, skipped, err := flagd.ParseAny(data, opts)
		if err != nil {
			return nil, nil, err
		}
		ev, err = evaluator.Compile(rs)
		return ev, skipped, err
	case FormatRuleset:
		ev, err = evaluator.Load(data)
		if err != nil && flagd.Detect(data) {
			err = fmt.Errorf("%w (the document looks like a flagd flag definition: read it with FormatFlagd)", err)
		}
		return ev, nil, err
	case FormatFlagd:
		res, err := flagd.Translate(data, opts)
		if err != nil {
			return nil, nil, err
		}
		ev, err = evaluator.Compile(res.Ruleset)
		return ev, res.Skipped, err
	}
	return nil, nil, fmt.Errorf("provider: unknown %v: use FormatDetect, FormatRuleset or FormatFlagd", format)
}
