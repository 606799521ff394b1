// Package flagtest is a ruleset source for unit tests: declare flags and
// segments in Go, hand the TestData to provider.New as its Source, change
// flags while the test runs, and simulate outages.
//
//	td := flagtest.New()
//	td.Update(td.Flag("new-checkout").Boolean().
//		Target("on", "user-1").
//		Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").
//		Default("off"))
//	p, _ := provider.New(provider.Config{Source: td})
//	api := isolated.NewAPI()
//	_ = api.SetProviderAndWait(ctx, p)
//
// Each test should build its own TestData and provider (and use an isolated
// OpenFeature API), which makes parallel tests safe. A TestData may feed
// several providers at once; all of them see every change.
//
// Every change is validated exactly like a ruleset from the flag service:
// an invalid flag makes Update return the evaluator's error and nothing
// changes.
package flagtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/evaltest"
	"github.com/switchyardhq/switchyard/provider"
)

// TestData holds flags and segments and delivers them to providers. It is
// safe for concurrent use. The zero value is an empty TestData, the same as
// New returns.
type TestData struct {
	mu       sync.Mutex
	flags    map[string]evaluator.Flag
	segments map[string]evaluator.Segment
	version  int
	current  *evaluator.Evaluator
	sinks    map[*runSink]struct{}
	health   *outage // the current simulated outage, replayed to new runs
	salt     string  // set by HashValues: serve the hashed form
}

// outage is a simulated failure reported to every run.
type outage struct {
	report func(provider.Sink)
	fatal  bool
}

var _ provider.Source = (*TestData)(nil)

// New returns an empty TestData: a provider using it becomes READY with no
// flags, and every evaluation returns FLAG_NOT_FOUND until flags are added.
func New() *TestData {
	td := &TestData{}
	td.initLocked()
	return td
}

// initLocked gives a zero TestData its maps and empty ruleset. td.mu is
// held (or td is not shared yet).
func (td *TestData) initLocked() {
	if td.sinks != nil {
		return
	}
	td.flags = map[string]evaluator.Flag{}
	td.segments = map[string]evaluator.Segment{}
	td.sinks = map[*runSink]struct{}{}
	td.current, _ = td.compile(td.flags, td.segments) // an empty ruleset is always valid
}

type runSink struct{ provider.Sink }

// Run implements provider.Source: it delivers the current ruleset, then
// every change, until ctx ends.
func (td *TestData) Run(ctx context.Context, sink provider.Sink) error {
	rs := &runSink{sink}
	td.mu.Lock()
	td.initLocked()
	td.sinks[rs] = struct{}{}
	if td.health == nil || !td.health.fatal {
		sink.Update(td.current)
	}
	if td.health != nil {
		td.health.report(sink)
	}
	td.mu.Unlock()
	<-ctx.Done()
	td.mu.Lock()
	delete(td.sinks, rs)
	td.mu.Unlock()
	return nil
}

// Ruleset returns the ruleset document the TestData currently serves, for
// writing a fixture file or inspecting what a builder produced. It is a
// deep copy (evaluator.Ruleset.Clone) that the caller owns: changing it
// changes nothing the TestData serves.
func (td *TestData) Ruleset() *evaluator.Ruleset {
	td.mu.Lock()
	defer td.mu.Unlock()
	rs, err := td.model(td.flags, td.segments)
	if err != nil { // cannot happen: the current flags were hashed when applied
		panic(err)
	}
	return rs.Clone()
}

// model is the ruleset served for flags and segments: hashed after
// HashValues.
func (td *TestData) model(flags map[string]evaluator.Flag, segments map[string]evaluator.Segment) (*evaluator.Ruleset, error) {
	rs := td.plainModel(flags, segments)
	if td.salt == "" {
		return rs, nil
	}
	return evaluator.HashRuleset(rs, td.salt)
}

func (td *TestData) plainModel(flags map[string]evaluator.Flag, segments map[string]evaluator.Segment) *evaluator.Ruleset {
	return &evaluator.Ruleset{
		SchemaVersion: evaluator.SchemaVersion,
		TenantID:      "test",
		Environment:   "test",
		Version:       "flagtest-" + strconv.Itoa(td.version),
		Flags:         maps.Clone(flags),
		Segments:      maps.Clone(segments),
	}
}

func (td *TestData) compile(flags map[string]evaluator.Flag, segments map[string]evaluator.Segment) (*evaluator.Evaluator, error) {
	rs, err := td.model(flags, segments)
	if err != nil {
		return nil, err
	}
	return evaluator.Compile(rs)
}

// HashValues makes the TestData serve its rulesets with values hashed
// under salt (evaluator.HashRuleset: targets, segment lists, in conditions
// of strings and integers), as a ruleset that names no one in clear would
// come from the flag service. Builders keep taking plain values; Ruleset
// returns the hashed form. It applies at once, to the current flags too.
func (td *TestData) HashValues(salt string) error {
	if salt == "" {
		return errors.New("flagtest: HashValues: the salt must not be empty")
	}
	td.mu.Lock()
	defer td.mu.Unlock()
	prev := td.salt
	td.salt = salt
	err := td.applyLocked(func(map[string]evaluator.Flag, map[string]evaluator.Segment) {})
	if err != nil {
		td.salt = prev
	}
	return err
}

// apply validates a change and, when valid, publishes it to every running
// provider, which emits PROVIDER_CONFIGURATION_CHANGED for the flags whose
// outcome changed.
func (td *TestData) apply(change func(flags map[string]evaluator.Flag, segments map[string]evaluator.Segment)) error {
	td.mu.Lock()
	defer td.mu.Unlock()
	return td.applyLocked(change)
}

// applyLocked is apply with td.mu held.
func (td *TestData) applyLocked(change func(flags map[string]evaluator.Flag, segments map[string]evaluator.Segment)) error {
	td.initLocked()
	flags, segments := maps.Clone(td.flags), maps.Clone(td.segments)
	change(flags, segments)
	td.version++
	ev, err := td.compile(flags, segments)
	if err != nil {
		td.version--
		return err
	}
	td.flags, td.segments, td.current = flags, segments, ev
	td.health = nil // a delivered ruleset ends any simulated outage
	for s := range td.sinks {
		s.Update(ev)
	}
	return nil
}

// Update adds or replaces the flags built by the builders. All of them are
// applied at once, as one new ruleset.
func (td *TestData) Update(builders ...*FlagBuilder) error {
	for i, b := range builders {
		if b == nil {
			return fmt.Errorf("flagtest: Update: builder %d is nil", i)
		}
	}
	return td.apply(func(flags map[string]evaluator.Flag, _ map[string]evaluator.Segment) {
		for _, b := range builders {
			flags[b.Key()] = b.Build()
		}
	})
}

// MustUpdate is Update for tests: it panics on an invalid flag.
func (td *TestData) MustUpdate(builders ...*FlagBuilder) {
	if err := td.Update(builders...); err != nil {
		panic(err)
	}
}

// UpdateSegment adds or replaces a segment.
func (td *TestData) UpdateSegment(name string, s evaluator.Segment) error {
	return td.apply(func(_ map[string]evaluator.Flag, segments map[string]evaluator.Segment) {
		segments[name] = s.Clone()
	})
}

// Delete removes flags.
func (td *TestData) Delete(keys ...string) error {
	return td.apply(func(flags map[string]evaluator.Flag, _ map[string]evaluator.Segment) {
		for _, k := range keys {
			delete(flags, k)
		}
	})
}

// Flag returns a builder for key, starting from the flag's current
// definition, or an empty flag when there is none. Nothing changes until
// the builder is passed to Update.
func (td *TestData) Flag(key string) *FlagBuilder {
	td.mu.Lock()
	f, ok := td.flags[key]
	td.mu.Unlock()
	if ok {
		return evaltest.FromFlag(key, f)
	}
	return evaltest.NewFlag(key)
}

// SetStale simulates a source that has not refreshed for its stale window:
// providers go STALE and keep serving.
func (td *TestData) SetStale() {
	td.outage(&outage{report: func(s provider.Sink) { s.Stale(errors.New("flagtest: simulated stale ruleset")) }})
}

// SetError simulates a failing source (err may be nil): providers emit
// PROVIDER_ERROR and keep serving the last ruleset.
func (td *TestData) SetError(err error) {
	if err == nil {
		err = errors.New("flagtest: simulated source error")
	}
	td.outage(&outage{report: func(s provider.Sink) { s.Error(err) }})
}

// SetFatal simulates an unrecoverable failure, such as invalid credentials.
// Providers that start after it get no ruleset and fail Init with
// PROVIDER_FATAL; running ones emit PROVIDER_ERROR with PROVIDER_FATAL.
// FATAL is terminal, as it is for a real provider: Recover and Update do
// not bring such a provider back; a test builds a new one.
func (td *TestData) SetFatal(err error) {
	if err == nil {
		err = errors.New("flagtest: simulated fatal error")
	}
	td.outage(&outage{report: func(s provider.Sink) { s.Fatal(err) }, fatal: true})
}

// Recover ends a simulated stale or error outage: providers return to
// READY. Providers in FATAL stay there (see SetFatal).
func (td *TestData) Recover() {
	td.mu.Lock()
	defer td.mu.Unlock()
	td.health = nil
	for s := range td.sinks {
		s.Healthy()
	}
}

func (td *TestData) outage(o *outage) {
	td.mu.Lock()
	defer td.mu.Unlock()
	td.health = o
	for s := range td.sinks {
		o.report(s)
	}
}
