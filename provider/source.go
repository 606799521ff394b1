package provider

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/signing"
)

// Source delivers rulesets to a Provider. The provider calls Run once per
// Init in a goroutine it owns and cancels ctx at Shutdown; Run must return
// promptly after ctx is done and must not leave goroutines behind. Run
// reports everything through sink, which is safe for concurrent use; its
// return value is logged when it is not nil or a context error.
//
// The sources in this module are RemoteSource (the flag service, through
// package client), FileSource, StaticSource and the test-data builder in
// package flagtest. A source that is also an ExporterSource supplies the
// default telemetry Exporter (RemoteSource uploads to the flag service);
// for the others telemetry is off unless TelemetryConfig.Exporter is set.
type Source interface {
	Run(ctx context.Context, sink Sink) error
}

// Sink receives a Source's rulesets and health reports. The provider owns
// the current ruleset, its state and its events; a source only reports.
type Sink interface {
	// Update replaces the ruleset being served and marks the source
	// healthy. A nil evaluator is ignored.
	Update(ev *evaluator.Evaluator)
	// Healthy reports a successful refresh that brought no new ruleset
	// (for example an HTTP 304). It ends a STALE or ERROR state.
	Healthy()
	// Stale reports that the source has not refreshed for its stale window.
	// The last good ruleset keeps serving.
	Stale(err error)
	// Error reports a failure that may heal (an invalid ruleset edit, the
	// service unreachable, revoked credentials). The last good ruleset keeps
	// serving.
	Error(err error)
	// Fatal reports a failure that cannot heal without a new configuration
	// (invalid credentials, a fixture that does not exist). Before the first
	// ruleset it fails Init with PROVIDER_FATAL.
	Fatal(err error)
	// FailInit reports, before the first ruleset, a failure that waiting
	// out Init's deadline would not cure (the service says the tenant or
	// environment is wrong): Init returns err at once, as a plain error,
	// not PROVIDER_FATAL, while the source keeps retrying; a ruleset that
	// arrives later emits PROVIDER_READY. After the first ruleset it is
	// Error.
	FailInit(err error)
	// Logger is the provider's logger (Config.Logger), for the source's
	// own log lines, so a provider is configured with one logger.
	Logger() *slog.Logger
	// TrustedKeys is the provider's Config.TrustedKeys (nil when none).
	// The sources of this module check every document they read against
	// it; a custom source that reads bytes applies signing.Open with it
	// before delivering a ruleset.
	TrustedKeys() *signing.Keys
}

// builtSource is implemented by the sources of this package, whose zero
// values cannot run: New calls built so that such a source fails there,
// naming its constructor, instead of on the provider's goroutine.
type builtSource interface {
	built() error
}

// notBuilt is the error for a source of type name (a nil pointer, or a
// zero value) that its constructor did not build.
func notBuilt(isNil bool, name, constructor string) error {
	if isNil {
		return fmt.Errorf("provider: Config.Source is a nil *provider.%s: check the error from %s", name, constructor)
	}
	return fmt.Errorf("provider: Config.Source is a %s that was not built by its constructor: use %s", name, constructor)
}

func (s *RemoteSource) built() error {
	if s == nil || s.client == nil {
		return notBuilt(s == nil, "RemoteSource", "NewRemoteSource")
	}
	return nil
}

func (s *FileSource) built() error {
	if s == nil || s.cfg.Path == "" || s.cfg.PollInterval <= 0 {
		return notBuilt(s == nil, "FileSource", "NewFileSource")
	}
	return nil
}

func (s *StaticSource) built() error {
	if s == nil || s.ev == nil {
		return notBuilt(s == nil, "StaticSource", "NewStaticSource or NewStaticSourceJSON")
	}
	return nil
}
