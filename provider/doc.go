// Package provider is Switchyard's OpenFeature provider: it evaluates flags
// locally with package evaluator against a ruleset that a Source keeps
// fresh, and implements openfeature.FeatureProvider, StateHandler (with a
// context), EventHandler and Tracker.
//
// A Source delivers rulesets and failures; the Provider owns the current
// ruleset (an atomic pointer, so evaluations never wait on an update), its
// state and its events. The sources are NewRemoteSource (the flag service,
// through package client), NewFileSource, NewStaticSource and the test-data
// builder in package flagtest. A ruleset that fails validation is rejected
// whole and the last good one keeps serving. With Config.TrustedKeys, the
// sources accept only signed envelopes that verify (package signing), from
// every path a document's bytes take: remote GET and stream, file, static
// JSON, bootstrap and the on-disk cache.
//
// Telemetry (summary counters, evaluation events for flags and rules with
// trackEvents, Track events) goes to an Exporter: the remote source's
// upload, or the application's own. Private attributes never leave the process
// (package privacy). A Provider is safe for concurrent use; Shutdown stops
// every goroutine it started.
package provider
