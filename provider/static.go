package provider

import (
	"context"
	"errors"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
)

// StaticSource serves one ruleset given in code or as bytes. It never
// changes and never fails after construction.
type StaticSource struct {
	ev *evaluator.Evaluator
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
// *flagd.Error.
func NewStaticSourceJSON(data []byte) (*StaticSource, error) {
	return NewStaticSourceFormat(data, FormatDetect, flagd.Options{})
}

// NewStaticSourceFormat parses a document in the given format. With
// opts.SkipUntranslatable, flagd flags that cannot be translated are left
// out (they answer FLAG_NOT_FOUND); flagd.Translate lists them.
func NewStaticSourceFormat(data []byte, format Format, opts flagd.Options) (*StaticSource, error) {
	ev, _, err := loadDocument(data, format, opts)
	if err != nil {
		return nil, err
	}
	return &StaticSource{ev: ev}, nil
}

// Run delivers the ruleset and waits for ctx to end.
func (s *StaticSource) Run(ctx context.Context, sink Sink) error {
	if s == nil || s.ev == nil {
		err := errors.New("provider: StaticSource was not built with NewStaticSource or NewStaticSourceJSON")
		sink.Fatal(err)
		return err
	}
	sink.Update(s.ev)
	<-ctx.Done()
	return nil
}
