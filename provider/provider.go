package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/signing"
)

// Compile-time checks of the OpenFeature contracts the provider implements.
var (
	_ openfeature.FeatureProvider          = (*Provider)(nil)
	_ openfeature.ContextAwareStateHandler = (*Provider)(nil)
	_ openfeature.EventHandler             = (*Provider)(nil)
	_ openfeature.Tracker                  = (*Provider)(nil)
)

// DefaultName is the provider name reported in OpenFeature metadata.
const DefaultName = "Switchyard"

// eventBuffer is the capacity of the event channel. The OpenFeature SDK
// drains it continuously; if nobody does, further events are dropped (and
// logged) rather than blocking a source.
const eventBuffer = 1024

// Config configures a Provider. The zero value of every field but Source is
// a usable default.
type Config struct {
	// Source delivers rulesets. Required.
	Source Source
	// Logger receives the provider's logs: routine events at Debug,
	// failures at Warn and Error. Nil means slog.Default().
	Logger *slog.Logger
	// Name is reported as the provider's metadata name. Empty means
	// DefaultName.
	Name string
	// TrustedKeys are the public keys of signed rulesets (SPEC section 9).
	// With keys, every source of this module that reads bytes (remote GET
	// and stream, file, static JSON, bootstrap, on-disk cache) serves only
	// envelopes that verify with one of them; anything else is rejected
	// whole, with an error naming the key id and the reason, and the last
	// good ruleset keeps serving. Nil: plain documents load as before and
	// envelopes are refused (no key is known to verify them). Rulesets
	// built in code (NewStaticSource, flagtest) are trusted as code.
	TrustedKeys *signing.Keys
	// Telemetry configures summary, evaluation and track events. By
	// default they go to the source's sink (the remote source uploads to
	// the flag service); other sources send none unless a Sink is set.
	Telemetry TelemetryConfig
}

// Provider is an OpenFeature provider that evaluates flags locally with the
// evaluator package. It serves the last good ruleset its Source delivered,
// through every later failure, and reports state changes as OpenFeature
// events.
//
// A Provider is safe for concurrent use. Evaluations never lock: they read
// an atomic pointer to an immutable ruleset. Init starts the source and
// Shutdown stops it; a provider may be initialised again after Shutdown.
type Provider struct {
	source Source
	logger *slog.Logger
	keys   *signing.Keys
	name   string
	events chan openfeature.Event

	current   atomic.Pointer[evaluator.Evaluator]
	telemetry *telemetry // nil when off

	mu           sync.Mutex
	gen          uint64 // incremented per run; sinks of older runs are ignored
	running      bool
	cancel       context.CancelFunc
	done         chan struct{} // closed when the source's Run returns
	first        chan struct{} // closed at the first ruleset, a fatal error or FailInit
	firstDone    bool
	initErr      error // from FailInit: Init returns it at once
	initReturned bool  // Init gave up waiting: later recovery emits READY itself
	state        openfeature.State
	fatalErr     error
	lastErr      error
}

// New checks cfg and returns a provider that is NOT_READY until Init. A nil
// Source, or a RemoteSource, FileSource or StaticSource that its
// constructor did not build (a zero value or a nil pointer), fails here
// with an error that names the constructor to use.
func New(cfg Config) (*Provider, error) {
	if cfg.Source == nil {
		return nil, errors.New("provider: Config.Source is nil: use NewFileSource, NewStaticSource, NewRemoteSource or flagtest.New")
	}
	if b, ok := cfg.Source.(builtSource); ok {
		if err := b.built(); err != nil {
			return nil, err
		}
	} else if v := reflect.ValueOf(cfg.Source); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("provider: Config.Source is a nil %T: check the error from the function that built it", cfg.Source)
	}
	if cfg.TrustedKeys != nil && cfg.TrustedKeys.Len() == 0 {
		// An empty set would accept plain documents, as no set does: a key
		// list that came out empty (an unset variable) must not turn the
		// check off without a word.
		return nil, errors.New("provider: Config.TrustedKeys holds no key: give at least one (signing.NewKeys), or leave it nil to read unsigned rulesets")
	}
	p := &Provider{
		source: cfg.Source,
		logger: cfg.Logger,
		keys:   cfg.TrustedKeys,
		name:   cfg.Name,
		events: make(chan openfeature.Event, eventBuffer),
		state:  openfeature.NotReadyState,
	}
	if p.logger == nil {
		p.logger = slog.Default()
	}
	if p.name == "" {
		p.name = DefaultName
	}
	var err error
	if p.telemetry, err = newTelemetry(cfg.Telemetry, cfg.Source, p.logger); err != nil {
		return nil, err
	}
	return p, nil
}

// Metadata returns the provider's name.
func (p *Provider) Metadata() openfeature.Metadata { return openfeature.Metadata{Name: p.name} }

// Hooks returns no hooks.
func (p *Provider) Hooks() []openfeature.Hook { return nil }

// EventChannel returns the channel of provider events: READY on recovery,
// CONFIGURATION_CHANGED with the changed flag keys, STALE and ERROR.
func (p *Provider) EventChannel() <-chan openfeature.Event { return p.events }

// Evaluator returns the compiled ruleset being served, or nil before the
// first one.
func (p *Provider) Evaluator() *evaluator.Evaluator { return p.current.Load() }

// LastError returns the failure its source reported last, or nil when the
// last refresh succeeded. It is how an application learns why Init failed:
// OpenFeature's SetProviderWithContextAndWait returns only the context's
// error when its deadline passes first, and event handlers receive no
// error code for it.
func (p *Provider) LastError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastErr
}

// State returns the provider's own view of its state.
func (p *Provider) State() openfeature.State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// Init is InitWithContext without a deadline.
func (p *Provider) Init(evalCtx openfeature.EvaluationContext) error {
	return p.InitWithContext(context.Background(), evalCtx)
}

// InitWithContext starts the source and waits for its first ruleset until
// ctx is done. It returns nil once a ruleset is being served. A fatal source
// error fails it with an *openfeature.ProviderInitError (PROVIDER_FATAL).
// When ctx ends first it returns a plain error and the source keeps trying
// in the background; the provider emits PROVIDER_READY when a ruleset
// arrives.
func (p *Provider) InitWithContext(ctx context.Context, _ openfeature.EvaluationContext) error {
	p.mu.Lock()
	if !p.running {
		p.start()
	}
	first, done := p.first, p.done
	p.mu.Unlock()

	select {
	case <-first:
	case <-ctx.Done():
		select {
		case <-first: // both happened: the ruleset wins
		default:
			p.mu.Lock()
			p.initReturned = true
			last := p.lastErr
			p.mu.Unlock()
			if last != nil {
				return fmt.Errorf("provider: no ruleset before the init deadline (%w); still trying in the background; last error: %v", ctx.Err(), last)
			}
			return fmt.Errorf("provider: no ruleset before the init deadline (%w); still trying in the background", ctx.Err())
		}
	case <-done:
		select {
		case <-first:
		default:
			p.mu.Lock()
			p.initReturned = true
			last := p.lastErr
			p.mu.Unlock()
			return fmt.Errorf("provider: the source stopped before delivering a ruleset (last error: %v)", last)
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.initReturned = true
	if p.initErr != nil && p.current.Load() == nil {
		return fmt.Errorf("provider: no ruleset: %w; still trying in the background", p.initErr)
	}
	if p.fatalErr != nil {
		p.stopLocked()
		if p.telemetry != nil {
			p.telemetry.halt() // its loop ends now; Shutdown still flushes what was queued
		}
		return &openfeature.ProviderInitError{ErrorCode: openfeature.ProviderFatalCode, Message: p.fatalErr.Error()}
	}
	return nil
}

// start begins a new run of the source. p.mu is held.
func (p *Provider) start() {
	p.gen++
	ctx, cancel := context.WithCancel(context.Background())
	p.running = true
	p.cancel = cancel
	p.done = make(chan struct{})
	p.first = make(chan struct{})
	p.firstDone = false
	p.initReturned = false
	p.fatalErr = nil
	p.initErr = nil
	p.lastErr = nil
	p.state = openfeature.NotReadyState
	if p.telemetry != nil {
		p.telemetry.start()
	}
	s := &sink{p: p, gen: p.gen}
	done := p.done
	go func() {
		defer close(done)
		if err := p.source.Run(ctx, s); err != nil && !errors.Is(err, context.Canceled) {
			p.logger.Error("switchyard: ruleset source stopped", "error", err)
		}
	}()
}

// stopLocked cancels the current run and forgets the ruleset. p.mu is held.
// It returns the channel closed when the source's Run has returned.
func (p *Provider) stopLocked() <-chan struct{} {
	if !p.running {
		return nil
	}
	p.running = false
	p.gen++
	p.cancel()
	p.current.Store(nil)
	if p.state != openfeature.FatalState {
		p.state = openfeature.NotReadyState
	}
	return p.done
}

// Shutdown is ShutdownWithContext without a deadline.
func (p *Provider) Shutdown() { _ = p.ShutdownWithContext(context.Background()) }

// ShutdownWithContext stops the source, flushes queued telemetry, and
// waits, until ctx is done, for every goroutine the provider started to
// return. It is idempotent.
func (p *Provider) ShutdownWithContext(ctx context.Context) error {
	p.mu.Lock()
	done := p.stopLocked()
	if done == nil && p.done != nil {
		done = p.done // an earlier stop (fatal init) may still be winding down
	}
	p.mu.Unlock()
	var errs []error
	if p.telemetry != nil {
		if err := p.telemetry.shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("provider: shutdown: telemetry flush: %w", err))
		}
	}
	if done != nil {
		select {
		case <-done: // stopped, even if ctx has expired too
		default:
			select {
			case <-done:
			case <-ctx.Done():
				errs = append(errs, fmt.Errorf("provider: shutdown: the source did not stop in time: %w", ctx.Err()))
			}
		}
	}
	// The final flush may have opened a connection after the source's
	// run closed its idle ones.
	if c, ok := p.source.(interface{ closeIdle() }); ok {
		c.closeIdle()
	}
	return errors.Join(errs...)
}

// Track queues a track event with the redacted context and the details'
// attributes (private names removed). It never blocks; without telemetry it
// does nothing.
func (p *Provider) Track(_ context.Context, name string, ec openfeature.EvaluationContext, details openfeature.TrackingEventDetails) {
	if p.telemetry == nil {
		return
	}
	flat := ec.Attributes()
	if key := ec.TargetingKey(); key != "" {
		flat[openfeature.TargetingKey] = key
	}
	p.telemetry.track(name, details.Value(), details.Attributes(), flat)
}

// emit sends an event without blocking. p.mu is held, which keeps events in
// the order of the state changes they report.
func (p *Provider) emit(t openfeature.EventType, details openfeature.ProviderEventDetails) {
	select {
	case p.events <- openfeature.Event{ProviderName: p.name, EventType: t, ProviderEventDetails: details}:
	default:
		p.logger.Warn("switchyard: provider event dropped: nobody reads the event channel", "event", string(t))
	}
}

func rulesetAttrs(ev *evaluator.Evaluator) []any {
	return []any{"tenant", ev.TenantID(), "environment", ev.Environment(), "rulesetVersion", ev.Version()}
}

// sink is the provider's side of a Source run.
type sink struct {
	p   *Provider
	gen uint64
}

// lock locks the provider and reports whether this sink's run is current.
func (s *sink) lock() bool {
	s.p.mu.Lock()
	if s.gen != s.p.gen {
		s.p.mu.Unlock()
		return false
	}
	return true
}

func (s *sink) Update(ev *evaluator.Evaluator) {
	if ev == nil || !s.lock() {
		return
	}
	p := s.p
	defer p.mu.Unlock()
	if p.state == openfeature.FatalState {
		p.logger.Debug("switchyard: ruleset ignored: provider is FATAL", rulesetAttrs(ev)...)
		return
	}
	old := p.current.Swap(ev)
	p.lastErr = nil
	p.logger.Info("switchyard: serving a new ruleset", append(rulesetAttrs(ev), "flags", len(ev.Keys()), "source", sourceName(p.source))...)
	if !p.firstDone || p.initErr != nil {
		first := !p.firstDone
		p.firstDone = true
		p.initErr = nil
		p.state = openfeature.ReadyState
		if first {
			close(p.first)
		}
		if p.initReturned {
			p.emit(openfeature.ProviderReady, openfeature.ProviderEventDetails{Message: "first ruleset loaded after init gave up waiting"})
		}
		return
	}
	if p.state != openfeature.ReadyState {
		p.state = openfeature.ReadyState
		p.logger.Info("switchyard: provider recovered", rulesetAttrs(ev)...)
		p.emit(openfeature.ProviderReady, openfeature.ProviderEventDetails{Message: "ruleset source recovered"})
	}
	changed := evaluator.ChangedFlags(old, ev)
	p.logger.Debug("switchyard: ruleset updated", append(rulesetAttrs(ev), "changedFlags", len(changed))...)
	if len(changed) > 0 {
		p.emit(openfeature.ProviderConfigChange, openfeature.ProviderEventDetails{
			Message:       "ruleset updated",
			FlagChanges:   changed,
			EventMetadata: map[string]any{"rulesetVersion": ev.Version()},
		})
	}
}

func (s *sink) Healthy() {
	if !s.lock() {
		return
	}
	p := s.p
	defer p.mu.Unlock()
	p.lastErr = nil
	if p.firstDone && (p.state == openfeature.StaleState || p.state == openfeature.ErrorState) {
		p.state = openfeature.ReadyState
		p.logger.Info("switchyard: provider recovered", rulesetAttrs(p.current.Load())...)
		p.emit(openfeature.ProviderReady, openfeature.ProviderEventDetails{Message: "ruleset source recovered"})
	}
}

func (s *sink) Stale(err error) {
	if !s.lock() {
		return
	}
	p := s.p
	defer p.mu.Unlock()
	if p.firstDone && p.state == openfeature.ReadyState {
		p.state = openfeature.StaleState
		p.logger.Warn("switchyard: ruleset is stale; serving the last good one", append(rulesetAttrs(p.current.Load()), "error", errString(err))...)
		p.emit(openfeature.ProviderStale, openfeature.ProviderEventDetails{Message: "ruleset is stale: " + errString(err)})
	}
}

func (s *sink) Error(err error) {
	if !s.lock() {
		return
	}
	p := s.p
	defer p.mu.Unlock()
	p.lastErr = err
	if !p.firstDone && !p.initReturned {
		p.logger.Warn("switchyard: ruleset source failed before the first ruleset", "error", errString(err))
		return // Init reports it if the deadline passes
	}
	if p.state == openfeature.FatalState {
		return
	}
	p.state = openfeature.ErrorState
	p.logger.Warn("switchyard: ruleset source failed; serving the last good ruleset", append(rulesetAttrs(p.current.Load()), "error", errString(err))...)
	p.emit(openfeature.ProviderError, openfeature.ProviderEventDetails{Message: errString(err), ErrorCode: openfeature.GeneralCode})
}

func (s *sink) FailInit(err error) {
	if !s.lock() {
		return
	}
	p := s.p
	if p.firstDone || p.initReturned {
		p.mu.Unlock()
		s.Error(err)
		return
	}
	defer p.mu.Unlock()
	p.lastErr = err
	p.initErr = err
	p.firstDone = true
	p.state = openfeature.ErrorState
	p.logger.Error("switchyard: ruleset source cannot start; still trying in the background", "error", errString(err))
	close(p.first) // Init returns the error
}

func (s *sink) Logger() *slog.Logger { return s.p.logger }

func (s *sink) TrustedKeys() *signing.Keys { return s.p.keys }

func (s *sink) Fatal(err error) {
	if !s.lock() {
		return
	}
	p := s.p
	defer p.mu.Unlock()
	if p.state == openfeature.FatalState {
		return
	}
	p.state = openfeature.FatalState
	p.fatalErr = err
	p.lastErr = err
	p.logger.Error("switchyard: ruleset source failed fatally", "error", errString(err))
	if !p.firstDone && !p.initReturned {
		p.firstDone = true
		close(p.first) // Init returns PROVIDER_FATAL
		return
	}
	p.emit(openfeature.ProviderError, openfeature.ProviderEventDetails{Message: errString(err), ErrorCode: openfeature.ProviderFatalCode})
}

// sourceName names a source kind for logs.
func sourceName(src Source) string {
	switch src.(type) {
	case *RemoteSource:
		return "remote"
	case *FileSource:
		return "file"
	case *StaticSource:
		return "static"
	}
	return fmt.Sprintf("%T", src)
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
