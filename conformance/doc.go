// Package conformance runs the OpenFeature specification's Gherkin
// scenarios against the Switchyard provider. It is a module of its own so
// that godog and its dependencies stay out of the graph of every module
// that imports Switchyard; run it with
//
//	cd conformance && go test ./...
//
// The scenarios are read from ../../shared/conformance (next to the
// checkout); where they are absent the test says so and skips.
package conformance
