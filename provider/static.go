package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
)

// StaticSource serves one ruleset given in code or as bytes. It never
// changes. A ruleset given in code is trusted as code; bytes are checked
// at Run against the provider's Config.TrustedKeys, and a document the
// keys refuse (unsigned, or an envelope that does not verify) fails Init
// with PROVIDER_FATAL.
type StaticSource struct {
	ev *evaluator.Evaluator
	// data, format and opts are the bytes of NewStaticSourceFormat, read
	// again at Run through openDocument; data is nil for a model.
	data   []byte
	format Format
	opts   flagd.Options
}

// NewStaticSource compiles rs; an invalid ruleset fails here, with the
// evaluator's *ValidationError.
func NewStaticSource(rs *evaluator.Ruleset) (*StaticSource, error) {
	ev, err := evaluator.Compile(rs)
	if err != nil {
		return nil, err
	}
	return &StaticSource{ev: ev}, nil
}

// NewStaticSourceJSON parses a ruleset document, or a flagd
// flag-definition document, told apart by their shape (FormatDetect); an
// invalid document fails here, with the evaluator's *ValidationError or a
// *flagd.Error. data may be a signed envelope (package signing); its
// signature is checked at Run. data is copied.
func NewStaticSourceJSON(data []byte) (*StaticSource, error) {
	return NewStaticSourceFormat(data, FormatDetect, flagd.Options{})
}

// NewStaticSourceFormat parses a document in the given format. With
// opts.SkipUntranslatable, flagd flags that cannot be translated are left
// out (they answer FLAG_NOT_FOUND); flagd.Translate lists them.
func NewStaticSourceFormat(data []byte, format Format, opts flagd.Options) (*StaticSource, error) {
	ev, _, err := checkDocument(data, format, opts)
	if err != nil {
		return nil, err
	}
	return &StaticSource{ev: ev, data: bytes.Clone(data), format: format, opts: opts}, nil
}

// Run delivers the ruleset and waits for ctx to end.
func (s *StaticSource) Run(ctx context.Context, sink Sink) error {
	if s == nil || s.ev == nil {
		err := errors.New("provider: StaticSource was not built with NewStaticSource or NewStaticSourceJSON")
		sink.Fatal(err)
		return err
	}
	ev := s.ev
	if s.data != nil {
		var err error
		if ev, _, _, err = openDocument(s.data, sink.TrustedKeys(), s.format, s.opts); err != nil {
			err = fmt.Errorf("provider: static source: %w", err)
			sink.Fatal(err) // the bytes never change
			return err
		}
	}
	sink.Update(ev)
	<-ctx.Done()
	return nil
}
