package provider

import (
	"context"
	"log/slog"

	"github.com/switchyardhq/switchyard/evaluator"
)

// Source delivers rulesets to a Provider. The provider calls Run once per
// Init in a goroutine it owns and cancels ctx at Shutdown; Run must return
// promptly after ctx is done and must not leave goroutines behind. Run
// reports everything through sink, which is safe for concurrent use; its
// return value is logged when it is not nil or a context error.
//
// The sources in this module are RemoteSource (the flag service, through
// package client), FileSource, StaticSource and the test-data builder in
// package flagtest.
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
}
