package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
	"github.com/switchyardhq/switchyard/signing"
)

// DefaultFilePollInterval is how often a reloading FileSource checks its
// file when FileConfig.PollInterval is zero.
const DefaultFilePollInterval = time.Second

// FileConfig configures a FileSource. Only Path is required.
type FileConfig struct {
	// Path of a ruleset JSON document, or of a flagd flag-definition
	// document (see Format).
	Path string
	// Format of the document; the zero value detects it from its shape.
	Format Format
	// Flagd tunes the translation of flagd documents; with
	// SkipUntranslatable, the flags left out are logged (Warn) each time
	// the file is loaded.
	Flagd flagd.Options
	// Reload makes the source watch the file and serve each valid new
	// version. An invalid edit is reported as PROVIDER_ERROR and the
	// previous ruleset keeps serving.
	Reload bool
	// PollInterval is how often the file's size and modification time are
	// checked when Reload is set. Zero means DefaultFilePollInterval.
	PollInterval time.Duration
}

// FileSource serves a ruleset from a JSON file, optionally reloading it when
// it changes. The file is checked by polling (size and modification time,
// then content), so it works on every platform and with editors that
// replace files instead of writing them in place.
type FileSource struct {
	cfg FileConfig
}

// NewFileSource checks cfg and reads and validates the file once, so a
// missing or invalid fixture fails here rather than at Init. A signed
// envelope is parsed and its document validated here; its signature is
// checked against the provider's Config.TrustedKeys each time the file is
// loaded, from Run on.
func NewFileSource(cfg FileConfig) (*FileSource, error) {
	if cfg.Path == "" {
		return nil, errors.New("provider: FileConfig.Path is empty: give the path of a ruleset JSON file")
	}
	if cfg.PollInterval < 0 {
		return nil, fmt.Errorf("provider: FileConfig.PollInterval is %v: use a positive duration, or zero for %v", cfg.PollInterval, DefaultFilePollInterval)
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultFilePollInterval
	}
	s := &FileSource{cfg: cfg}
	data, err := os.ReadFile(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("provider: file source: %w", err)
	}
	if _, _, err := checkDocument(data, cfg.Format, cfg.Flagd); err != nil {
		return nil, fmt.Errorf("provider: file source %s: %w", cfg.Path, err)
	}
	return s, nil
}

// load reads the file, checks it against keys and compiles it. skipped
// lists the flagd flags left out.
func (s *FileSource) load(keys *signing.Keys) (*evaluator.Evaluator, []byte, []*flagd.Error, error) {
	data, err := os.ReadFile(s.cfg.Path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("provider: file source: %w", err)
	}
	ev, skipped, _, err := openDocument(data, keys, s.cfg.Format, s.cfg.Flagd)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("provider: file source %s: %w", s.cfg.Path, err)
	}
	return ev, data, skipped, nil
}

// logSkipped warns of the flagd flags a load left out.
func (s *FileSource) logSkipped(sink Sink, skipped []*flagd.Error) {
	for _, e := range skipped {
		sink.Logger().Warn("switchyard: flagd flag left out: it cannot be translated", "file", s.cfg.Path, "flag", e.Flag, "error", e.Error())
	}
}

// Run delivers the file's ruleset and, with Reload, every valid change.
//
// While reloading, each distinct failure (an invalid edit, a missing or
// unreadable file) is reported once through sink.Error: a different one
// (the file deleted while an invalid edit is failing) is reported again,
// the same one seen on later polls is not. The last good ruleset keeps
// serving; content equal to it ends the failure with sink.Healthy, new
// valid content with sink.Update.
func (s *FileSource) Run(ctx context.Context, sink Sink) error {
	// The size and time the polls compare against are taken before the
	// first read: taken after it, an edit made as soon as Init returned
	// would become the baseline and go unnoticed.
	var lastSize int64 = -1
	var lastMod time.Time
	if fi, err := os.Stat(s.cfg.Path); err == nil {
		lastSize, lastMod = fi.Size(), fi.ModTime()
	}
	ev, good, skipped, err := s.load(sink.TrustedKeys())
	if err != nil {
		if !s.cfg.Reload {
			sink.Fatal(err) // nothing will ever fix it without a restart
			return err
		}
	} else {
		s.logSkipped(sink, skipped)
		sink.Update(ev)
	}
	if !s.cfg.Reload {
		<-ctx.Done()
		return nil
	}

	var reported string // the failure being reported; empty when healthy
	fail := func(err error) {
		if msg := err.Error(); msg != reported {
			reported = msg
			sink.Error(err)
		}
	}
	if err != nil {
		fail(err)
	}
	ticker := time.NewTicker(s.cfg.PollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		fi, err := os.Stat(s.cfg.Path)
		if err != nil {
			fail(fmt.Errorf("provider: file source: %w; the last good ruleset keeps serving", err))
			lastSize = -1 // whatever comes back is read
			continue
		}
		if fi.Size() == lastSize && fi.ModTime().Equal(lastMod) {
			continue
		}
		lastSize, lastMod = fi.Size(), fi.ModTime()
		ev, data, skipped, err := s.load(sink.TrustedKeys())
		switch {
		case err != nil:
			fail(err)
		case bytes.Equal(data, good):
			if reported != "" {
				sink.Healthy()
			}
			reported = ""
		default:
			good = data
			reported = ""
			s.logSkipped(sink, skipped)
			sink.Update(ev)
		}
	}
}
