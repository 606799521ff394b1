package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/evaltest"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// The @provider-status and @immutability scenarios, run with a provider
// that is really in each state: a flagtest source holding the conformance
// flags, put into an outage, or a source that never delivers a ruleset.

// neverReady is a Source that never delivers a ruleset: the provider stays
// NOT_READY until shutdown.
type neverReady struct{}

func (neverReady) Run(ctx context.Context, _ provider.Sink) error {
	<-ctx.Done()
	return nil
}

// conformanceTestData loads the translated flags into a flagtest source.
func conformanceTestData() (*flagtest.TestData, error) {
	data, err := os.ReadFile(conformanceFlags)
	if err != nil {
		return nil, err
	}
	rs, err := evaluator.Parse(data)
	if err != nil {
		return nil, err
	}
	td := flagtest.New()
	for name, seg := range rs.Segments {
		if err := td.UpdateSegment(name, seg); err != nil {
			return nil, err
		}
	}
	var flags []*flagtest.FlagBuilder
	for key, f := range rs.Flags {
		flags = append(flags, evaltest.FromFlag(key, f))
	}
	return td, td.Update(flags...)
}

// statusProvider registers a provider in the named state on a fresh
// isolated API, in place of the Background's stable one, and waits until
// the API's client reports that state.
func (s *conformanceScenario) statusProvider(ctx context.Context, status string) error {
	if err := s.shutdown(); err != nil {
		return err
	}
	td, err := conformanceTestData()
	if err != nil {
		return err
	}
	var src provider.Source = td
	if status == "not ready" {
		src = neverReady{}
	}
	if status == "fatal" {
		td.SetFatal(errors.New("conformance: simulated fatal error"))
	}
	p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	api := isolated.NewAPI()
	s.api, s.provider, s.client = api, p, api.NewClient()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()

	want := map[string]openfeature.State{
		"not ready": openfeature.NotReadyState, "error": openfeature.ErrorState,
		"fatal": openfeature.FatalState, "stale": openfeature.StaleState,
	}[status]
	arrived := make(chan struct{}, 1)
	signal := func(openfeature.EventDetails) {
		select {
		case arrived <- struct{}{}:
		default:
		}
	}
	for _, t := range []openfeature.EventType{openfeature.ProviderError, openfeature.ProviderStale} {
		api.AddHandler(t, &signal)
	}
	switch status {
	case "not ready":
		// Init waits for as long as its context lives: give it one that
		// outlives this step, or the provider turns ERROR when it ends.
		if err := api.SetProvider(context.WithoutCancel(ctx), p); err != nil {
			return err
		}
		return s.waitForState(ctx, want, nil)
	case "fatal":
		if err := api.SetProviderAndWait(ctx, p); err == nil {
			return errors.New("SetProviderAndWait succeeded on a fatal source")
		}
		return s.waitForState(ctx, want, nil)
	}
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		return fmt.Errorf("SetProviderAndWait: %w", err)
	}
	switch status {
	case "error":
		td.SetError(errors.New("conformance: simulated source error"))
	case "stale":
		td.SetStale()
	default:
		return fmt.Errorf("unknown provider status %q", status)
	}
	return s.waitForState(ctx, want, arrived)
}

// waitForState waits until the client reports want. The SDK updates a
// client's state when it handles the provider's event, on its own
// goroutine, so the step waits for the event handler (when given) and
// then for the state, re-checking each time an event arrives.
func (s *conformanceScenario) waitForState(ctx context.Context, want openfeature.State, arrived <-chan struct{}) error {
	for s.client.State() != want {
		if arrived == nil {
			// States set by Init's outcome: the SDK records them before
			// SetProvider(AndWait) returns or before the init event is
			// handled; poll gently without a fixed sleep.
			select {
			case <-ctx.Done():
				return fmt.Errorf("provider state %s, want %s", s.client.State(), want)
			case <-time.After(time.Millisecond):
			}
			continue
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return fmt.Errorf("provider state %s, want %s", s.client.State(), want)
		case <-time.After(time.Millisecond): // the handler may run before the state is recorded
		}
	}
	return nil
}

func (s *conformanceScenario) providerStatusShouldBe(want string) error {
	if s.client == nil {
		return errors.New("no provider in this scenario")
	}
	if got := s.client.State(); string(got) != want {
		return fmt.Errorf("provider status %s, want %s", got, want)
	}
	return nil
}

// modifiableContext gives the next evaluation a context with nested,
// modifiable values, and keeps a deep copy to compare with afterwards.
func (s *conformanceScenario) modifiableContext() {
	s.attrs = map[string]any{
		"email": "ana@example.com",
		"tags":  []any{"a", "b"},
		"org":   map[string]any{"id": "acme", "seats": int64(12)},
	}
	s.attrsCopy = deepCopy(s.attrs).(map[string]any)
}

func (s *conformanceScenario) contextShouldBeUnmodified() error {
	if !reflect.DeepEqual(s.attrs, s.attrsCopy) {
		return fmt.Errorf("the evaluation changed the context: %v, was %v", s.attrs, s.attrsCopy)
	}
	return nil
}

// detailsShouldBeImmutable changes what the last evaluation returned, then
// evaluates again: the new details must be as the first were.
func (s *conformanceScenario) detailsShouldBeImmutable(ctx context.Context) error {
	if err := s.needDetails(); err != nil {
		return err
	}
	first := s.last
	before := maps.Clone(first.details.FlagMetadata)
	if first.details.FlagMetadata != nil {
		first.details.FlagMetadata["changed-by-caller"] = true
		for k := range before {
			first.details.FlagMetadata[k] = "changed"
		}
	}
	if err := s.evaluate(ctx, first.kind, first.key, first.fallback, s.attrs, true); err != nil {
		return err
	}
	again := s.last
	if !reflect.DeepEqual(map[string]any(again.details.FlagMetadata), map[string]any(before)) || again.value != first.value {
		return fmt.Errorf("changing returned details changed the next evaluation: metadata %v, was %v", again.details.FlagMetadata, before)
	}
	return nil
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
