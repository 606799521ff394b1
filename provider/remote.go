package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/evaluator/flagd"
	"github.com/switchyardhq/switchyard/internal/backoff"
	"github.com/switchyardhq/switchyard/internal/protocol"
	"github.com/switchyardhq/switchyard/signing"
)

// Defaults of the remote source.
const (
	DefaultPollInterval = 30 * time.Second
	MinPollInterval     = 5 * time.Second
	// StreamHealthyAfter is how long a stream connection must stay open
	// before its reconnection backoff starts again from the first step, so
	// a proxy that cuts every stream after its first event still sees
	// reconnections slow down to about one a minute.
	StreamHealthyAfter = 30 * time.Second
)

// RemoteConfig configures a RemoteSource. Client is required; every other
// zero value is a default. The source logs through the provider's
// Config.Logger.
type RemoteConfig struct {
	// Client configures the connection to the flag service.
	Client client.Config
	// PollInterval is the polling period (default 30 s, minimum 5 s). With
	// streaming on, polling runs only while the stream is down.
	PollInterval time.Duration
	// DisableStreaming polls only.
	DisableStreaming bool
	// StaleAfter is how long without a successful refresh (a fetch, a 304,
	// or a connected stream) makes the provider STALE; zero means three
	// poll intervals (90 s by default). A timer of its own watches it, so
	// STALE comes on time whatever request or wait is in progress.
	StaleAfter time.Duration
	// Bootstrap is a ruleset document served when nothing better is
	// available, so Init succeeds while the service is unreachable. It may
	// be a signed envelope; like every document, it is checked against the
	// provider's Config.TrustedKeys when the source runs.
	Bootstrap []byte
	// BootstrapFile is read at construction instead of Bootstrap.
	BootstrapFile string
	// CacheDir enables the on-disk cache of the last good ruleset: files
	// are written atomically with mode 0600, checked against a SHA-256, and
	// never served to another tenant or environment. The cache holds the
	// body exactly as the service sent it (a signed envelope stays one), so
	// a restart verifies it again against Config.TrustedKeys.
	CacheDir string
}

// RemoteSource keeps a ruleset fresh from the flag service: an initial
// fetch, then the server-sent-events stream with ETag polling as the
// fallback, exponential backoff with full jitter, Retry-After, and an
// optional bootstrap ruleset and disk cache.
//
// Rulesets reach the provider in order through one writer: a document is
// applied only if the request or stream event that produced it began after
// the one that produced the document being served, and a poll still in
// flight when a stream event is applied is cancelled. The two validators
// are kept apart: If-None-Match carries the ETag of the GET whose document
// is served (none after a stream document), and Last-Event-ID the id of
// the last applied stream event, or after a GET the document's version.
type RemoteSource struct {
	cfg       RemoteConfig
	client    *client.Client
	bootstrap []byte // checked at construction, opened again at Run
	timing    timing
}

// timing holds the durations the source waits.
type timing struct {
	poll         time.Duration
	stale        time.Duration
	backoffBase  time.Duration
	backoffMax   time.Duration
	pollJitter   float64 // ±fraction
	streamEnable bool
	rand         func() float64 // in [0, 1): jitter and offsets; tests fix it
}

// NewRemoteSource checks cfg, builds the client and reads the bootstrap
// ruleset. Bad configuration fails here, naming the field.
func NewRemoteSource(cfg RemoteConfig) (*RemoteSource, error) {
	c, err := client.New(cfg.Client)
	if err != nil {
		return nil, err
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.PollInterval < MinPollInterval {
		return nil, fmt.Errorf("provider: RemoteConfig.PollInterval %v is below the minimum of %v", cfg.PollInterval, MinPollInterval)
	}
	if cfg.StaleAfter < 0 {
		return nil, fmt.Errorf("provider: RemoteConfig.StaleAfter is %v: use a positive duration, or 0 for three poll intervals", cfg.StaleAfter)
	}
	// A window shorter than one poll (plus its jitter) would report STALE
	// between two healthy polls.
	if minStale := cfg.PollInterval + cfg.PollInterval/10; cfg.StaleAfter != 0 && cfg.StaleAfter < minStale {
		return nil, fmt.Errorf("provider: RemoteConfig.StaleAfter is %v: use at least %v (the poll interval plus its jitter), or 0 for three poll intervals", cfg.StaleAfter, minStale)
	}
	s := &RemoteSource{cfg: cfg, client: c}
	if cfg.Bootstrap != nil && cfg.BootstrapFile != "" {
		return nil, errors.New("provider: RemoteConfig sets both Bootstrap and BootstrapFile: choose one")
	}
	boot := cfg.Bootstrap
	if cfg.BootstrapFile != "" {
		if boot, err = os.ReadFile(cfg.BootstrapFile); err != nil {
			return nil, fmt.Errorf("provider: RemoteConfig.BootstrapFile: %w", err)
		}
	}
	if boot != nil {
		ev, _, err := checkDocument(boot, FormatRuleset, flagd.Options{})
		if err != nil {
			return nil, fmt.Errorf("provider: RemoteConfig bootstrap ruleset: %w", err)
		}
		if err := s.checkOwner(ev, false); err != nil {
			return nil, fmt.Errorf("provider: RemoteConfig bootstrap ruleset: %w", err)
		}
		s.bootstrap = bytes.Clone(boot)
	}
	if cfg.CacheDir != "" {
		if fi, err := os.Stat(cfg.CacheDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("provider: RemoteConfig.CacheDir %q is not a directory: create it or leave CacheDir empty", cfg.CacheDir)
		}
	}
	s.timing = timing{
		poll:         cfg.PollInterval,
		stale:        cfg.StaleAfter,
		backoffBase:  time.Second,
		backoffMax:   time.Minute,
		pollJitter:   0.1,
		streamEnable: !cfg.DisableStreaming,
		rand:         rand.Float64,
	}
	if s.timing.stale == 0 {
		s.timing.stale = 3 * cfg.PollInterval
	}
	return s, nil
}

// closeIdle closes the client's idle connections; the provider calls it
// last at Shutdown, after the final telemetry flush.
func (s *RemoteSource) closeIdle() { s.client.CloseIdleConnections() }

// Exporter returns an exporter that uploads telemetry batches to the flag
// service (POST /api/v1/events). Providers use it by default.
func (s *RemoteSource) Exporter() Exporter {
	return ExporterFunc(s.client.PostEvents)
}

// checkOwner rejects a ruleset of another tenant or environment. Documents
// from the service must name both; fixtures may leave them out.
func (s *RemoteSource) checkOwner(ev *evaluator.Evaluator, fromService bool) error {
	tenant, env := s.client.TenantID(), s.client.Environment()
	switch {
	case fromService && (ev.TenantID() == "" || ev.Environment() == ""):
		return errors.New("the document does not name its tenantId and environment; the flag service must send both")
	case ev.TenantID() != "" && ev.TenantID() != tenant:
		return fmt.Errorf("the document is for tenant %q, not the configured %q; it was rejected", ev.TenantID(), tenant)
	case ev.Environment() != "" && ev.Environment() != env:
		return fmt.Errorf("the document is for environment %q, not the configured %q; it was rejected", ev.Environment(), env)
	}
	return nil
}

// remoteRun is the state of one Run.
type remoteRun struct {
	s       *RemoteSource
	sink    Sink
	keys    *signing.Keys // the provider's trusted keys
	log     *slog.Logger
	refetch chan struct{} // capacity 1: invalidate events coalesce into one GET

	// writeMu makes apply the one writer: checking a document's sequence
	// number, handing it to the sink and caching it happen in order.
	writeMu sync.Mutex

	mu          sync.Mutex
	seq         uint64 // last sequence number handed to a request or stream event
	servedSeq   uint64 // of what produced the served document; 0 for local ones
	served      bool   // a ruleset (local or remote) is being served
	fromService bool   // the service has delivered a ruleset in this run
	version     string // of the served ruleset, for logs
	etag        string // If-None-Match: of the GET whose document is served
	lastEventID string // Last-Event-ID: of the last applied stream event, or the GET document's version
	lastSuccess time.Time
	streamUp    bool
	stale       bool
	reported    error              // the failure last reported with Error, to avoid repeats
	inflight    context.CancelFunc // cancels the GET in flight
	inflightSeq uint64
	warnedETag  bool // an invalid ETag was logged in this run
	warnedID    bool // an invalid event id was logged in this run
}

// warnOnce logs msg at Warn the first time *flag is false in this run.
func (r *remoteRun) warnOnce(flag *bool, msg string, args ...any) {
	r.mu.Lock()
	first := !*flag
	*flag = true
	r.mu.Unlock()
	if first {
		r.log.Warn(msg, args...)
	}
}

// origin says where a document came from.
type origin struct {
	seq       uint64
	stream    bool
	etag      string // of a GET
	id        string // of a stream event
	requestID string
}

// errSuperseded marks a document that arrived after a newer one was served.
var errSuperseded = errors.New("a newer ruleset is already served")

// Run delivers the bootstrap or cached ruleset at once if there is one,
// then keeps the ruleset fresh from the service until ctx ends.
func (s *RemoteSource) Run(ctx context.Context, sink Sink) error {
	if s == nil || s.client == nil {
		return errors.New("provider: RemoteSource is not initialised: create it with NewRemoteSource")
	}
	r := &remoteRun{
		s:           s,
		sink:        sink,
		keys:        sink.TrustedKeys(),
		log:         sink.Logger().With("tenant", s.client.TenantID(), "environment", s.client.Environment()),
		refetch:     make(chan struct{}, 1),
		lastSuccess: time.Now(),
	}
	r.startFromCacheOrBootstrap()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		// A token fetch, or connections kept alive for the next request
		// (two net/http goroutines each), would outlive the run.
		s.client.Close()
	}()
	wg.Go(func() { r.watchStale(ctx) })
	r.pollLoop(ctx, &wg)
	return nil
}

// pollLoop fetches with GET: first until a ruleset arrives (backing off on
// failures), then on the polling schedule while the stream is down or
// disabled, after each invalidate event, and to retry a failed GET. It
// starts the stream after the first successful fetch. It returns when ctx
// ends or a fatal error leaves nothing to serve.
func (r *remoteRun) pollLoop(ctx context.Context, wg *sync.WaitGroup) {
	t := r.s.timing
	b := backoff.Backoff{Base: t.backoffBase, Max: t.backoffMax, Rand: t.rand}
	var (
		notBefore     time.Time // no GET before this: backoff or Retry-After
		retry         bool      // the last GET failed: retry it even while streaming
		streamStarted bool
	)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			if !retry && r.isStreaming() {
				timer.Reset(r.jittered())
				continue
			}
		case <-r.refetch:
			timer.Stop()
		}
		if d := time.Until(notBefore); d > 0 && !sleep(ctx, d) {
			return
		}
		// This GET answers every invalidate that came before it; one that
		// comes during it asks for another.
		select {
		case <-r.refetch:
		default:
		}
		res := r.poll(ctx)
		switch res.outcome {
		case pollStopped:
			return
		case pollFailed:
			retry = true
			wait := b.Next()
			if res.wait > 0 {
				wait = max(wait, res.wait)
			}
			if res.atMax {
				wait = t.backoffMax
			}
			wait = max(wait, time.Millisecond)
			notBefore = time.Now().Add(wait)
			timer.Reset(wait)
			continue
		}
		retry = false
		b.Reset()
		notBefore = time.Time{}
		if !streamStarted && r.hasServiceRuleset() {
			streamStarted = true
			// A per-instance offset spreads a fleet's polls apart.
			timer.Reset(time.Duration(t.rand() * float64(t.poll)))
			if t.streamEnable {
				wg.Go(func() { r.streamLoop(ctx) })
			}
			continue
		}
		timer.Reset(r.jittered())
	}
}

type pollOutcome int

const (
	pollOK         pollOutcome = iota // a document, a 304, or a result made moot by a newer one
	pollFailed                        // retry after wait
	pollStopped                       // ctx ended, or a fatal error
	pollSuperseded                    // cancelled because a stream event was applied
)

type pollResult struct {
	outcome pollOutcome
	wait    time.Duration // at least this long before the next GET (Retry-After)
	atMax   bool          // retry at the maximum backoff (401, 403, 404)
}

// poll fetches the ruleset once.
func (r *remoteRun) poll(ctx context.Context) pollResult {
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	r.mu.Lock()
	r.seq++
	seq, etag := r.seq, r.etag
	r.inflight, r.inflightSeq = pcancel, seq
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		if r.inflightSeq == seq {
			r.inflight = nil
		}
		r.mu.Unlock()
	}()

	rs, err := r.s.client.FetchRuleset(pctx, etag)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return pollResult{outcome: pollStopped}
		case pctx.Err() != nil:
			r.log.Debug("switchyard: poll cancelled: a stream event brought a newer ruleset")
			return pollResult{outcome: pollSuperseded}
		}
		return r.failed(err)
	}
	if rs.InvalidETag {
		r.warnOnce(&r.warnedETag, "switchyard: the service sent an ETag that is not 1 to 256 bytes of visible ASCII; it was dropped, so the next fetch is unconditional", "requestId", rs.RequestID)
	}
	if rs.NotModified {
		r.succeeded()
		r.log.Debug("switchyard: ruleset unchanged", "requestId", rs.RequestID)
		return pollResult{outcome: pollOK}
	}
	err = r.apply(rs.Data, origin{seq: seq, etag: rs.ETag, requestID: rs.RequestID})
	switch {
	case errors.Is(err, errSuperseded):
		return pollResult{outcome: pollOK}
	case err != nil:
		return r.failed(err)
	}
	return pollResult{outcome: pollOK}
}

// apply validates a document from the service and, unless a newer one is
// already served, delivers it.
func (r *remoteRun) apply(data []byte, o origin) error {
	ev, _, keyID, err := openDocument(data, r.keys, FormatRuleset, flagd.Options{})
	if err == nil {
		err = r.s.checkOwner(ev, true)
	}
	if err != nil {
		// A validation message quotes the document (an unknown field's
		// name), which the service controls: scrub the credentials.
		return &rejectedError{requestID: o.requestID, msg: r.s.client.Redact(err.Error()), err: err}
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.mu.Lock()
	if o.seq < r.servedSeq {
		served := r.version
		r.mu.Unlock()
		r.log.Debug("switchyard: discarded a ruleset that a newer one overtook", "discardedVersion", ev.Version(), "rulesetVersion", served)
		return errSuperseded
	}
	r.servedSeq = o.seq
	if o.stream {
		r.etag, r.lastEventID = "", o.id
		if r.inflight != nil && r.inflightSeq < o.seq {
			r.inflight() // its answer could only be older
		}
	} else {
		r.etag, r.lastEventID = o.etag, ""
		if protocol.ValidServiceString(ev.Version()) {
			r.lastEventID = ev.Version()
		}
	}
	r.served, r.fromService, r.version = true, true, ev.Version()
	r.reported = nil
	r.lastSuccess = time.Now()
	r.stale = false
	r.mu.Unlock()
	via := "poll"
	if o.stream {
		via = "stream"
	}
	r.log.Debug("switchyard: ruleset received", "rulesetVersion", ev.Version(), "via", via, "requestId", o.requestID, "signedBy", keyID)
	r.sink.Update(ev)          // ends STALE and ERROR
	r.writeCache(data, o.etag) // as received: an envelope is verified again on restart
	return nil
}

// rejectedError is a document the service sent that failed validation.
type rejectedError struct {
	requestID string
	msg       string // err's text, with credentials redacted
	err       error
}

func (e *rejectedError) Error() string {
	msg := "provider: ruleset from the flag service rejected; the last good ruleset keeps serving: " + e.msg
	if e.requestID != "" {
		msg += " (request ID " + e.requestID + ")"
	}
	return msg
}
func (e *rejectedError) Unwrap() error { return e.err }

// succeeded records a refresh that brought nothing new (a 304).
func (r *remoteRun) succeeded() {
	r.mu.Lock()
	r.lastSuccess = time.Now()
	r.stale = false
	r.reported = nil
	r.mu.Unlock()
	r.sink.Healthy()
}

// failed classifies a failed GET and reports it.
func (r *remoteRun) failed(err error) pollResult {
	r.mu.Lock()
	served, version := r.served, r.version
	r.mu.Unlock()
	log := r.log.With("rulesetVersion", version)
	var rejected *rejectedError
	switch {
	case errors.Is(err, client.ErrInvalidCredentials):
		if !served {
			r.sink.Fatal(err)
			return pollResult{outcome: pollStopped}
		}
		r.report(err)
		return pollResult{outcome: pollFailed, atMax: true}
	case errors.Is(err, client.ErrForbidden), errors.Is(err, client.ErrNotFound):
		err = r.misconfigured(err)
		if !served {
			r.sink.FailInit(err)
		} else {
			r.report(err)
		}
		return pollResult{outcome: pollFailed, atMax: true}
	case errors.As(err, &rejected), errors.Is(err, client.ErrTooLarge):
		r.report(err)
	default:
		log.Warn("switchyard: ruleset refresh failed", "error", err)
		if !served {
			r.sink.Error(err) // recorded for Init's timeout message
		}
	}
	return pollResult{outcome: pollFailed, wait: r.retryAfter(err)}
}

// misconfigured says what a 403 or 404 most likely means.
func (r *remoteRun) misconfigured(err error) error {
	tenant, env := r.s.client.TenantID(), r.s.client.Environment()
	if errors.Is(err, client.ErrForbidden) {
		return fmt.Errorf("the flag service refused tenant %q (wrong tenant, or credentials of another tenant? check client.Config.TenantID and the credentials): %w", tenant, err)
	}
	return fmt.Errorf("the flag service has no environment %q for tenant %q (check client.Config.Environment): %w", env, tenant, err)
}

// retryAfter is the wait a 429 or 503 asks for, capped at
// backoff.MaxRetryAfter.
func (r *remoteRun) retryAfter(err error) time.Duration {
	var se *client.StatusError
	if !errors.As(err, &se) || (se.StatusCode != http.StatusTooManyRequests && se.StatusCode != http.StatusServiceUnavailable) {
		return 0
	}
	d, ok, capped := backoff.ParseRetryAfter(se.RetryAfter, time.Now())
	switch {
	case capped:
		r.log.Warn("switchyard: Retry-After asks for more than the maximum; waiting the maximum", "retryAfter", se.RetryAfter, "wait", backoff.MaxRetryAfter)
	case !ok && se.RetryAfter != "":
		r.log.Warn("switchyard: unreadable Retry-After; backing off as usual", "status", se.StatusCode)
	}
	return d
}

// report sends a failure that needs attention to the provider once (not
// again until something succeeds or the failure changes). The provider
// logs it.
func (r *remoteRun) report(err error) {
	r.mu.Lock()
	same := r.reported != nil && failureKey(r.reported) == failureKey(err)
	r.reported = err
	version := r.version
	r.mu.Unlock()
	if same {
		r.log.Debug("switchyard: ruleset refresh failed again", "rulesetVersion", version, "error", err)
		return
	}
	r.sink.Error(err)
}

// failureKey identifies a failure for de-duplication, ignoring the request
// ID that makes every occurrence's text unique.
func failureKey(err error) string {
	return requestIDPattern.ReplaceAllString(err.Error(), "")
}

var requestIDPattern = regexp.MustCompile(`request ID [^ ,;)]*`)

func (r *remoteRun) hasServiceRuleset() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fromService
}

func (r *remoteRun) isStreaming() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.streamUp
}

// jittered returns the poll interval ±10 %.
func (r *remoteRun) jittered() time.Duration {
	t := r.s.timing
	f := 1 + t.pollJitter*(2*t.rand()-1)
	return time.Duration(float64(t.poll) * f)
}

// sleep waits d or until ctx ends; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// watchStale reports STALE when the stale window has passed without a
// successful refresh. It runs on its own timer, so a request or a wait in
// progress cannot delay it; a connected stream counts as refreshing.
func (r *remoteRun) watchStale(ctx context.Context) {
	window := r.s.timing.stale
	t := time.NewTimer(window)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		next := window
		var since time.Duration
		goStale := false
		if !r.streamUp {
			since = time.Since(r.lastSuccess)
			if since < window {
				next = window - since
			} else if r.served && !r.stale {
				r.stale, goStale = true, true
			}
		}
		version := r.version
		r.mu.Unlock()
		if goStale {
			r.log.Debug("switchyard: stale window passed", "rulesetVersion", version, "since", since)
			r.sink.Stale(fmt.Errorf("no successful refresh for %v", since.Round(time.Second)))
		}
		t.Reset(next)
	}
}

// streamLoop keeps the stream open, reconnecting with its own backoff.
// While it is down the polling loop takes over.
//
// A service may set a reconnection time (the SSE retry field): from then
// on each reconnection is spread at random over at least that long
// (capped at backoff.MaxRetryAfter), so that a fleet of providers does not
// come back in the same second after the service restarts. Without one,
// the backoff alone decides (SPEC 3: full jitter from 1 s, starting again
// from the first step after a stream open 30 s).
func (r *remoteRun) streamLoop(ctx context.Context) {
	b := backoff.Backoff{Base: r.s.timing.backoffBase, Max: r.s.timing.backoffMax, Rand: r.s.timing.rand}
	var pace time.Duration // the service's reconnection time; 0 for none
	for ctx.Err() == nil {
		r.mu.Lock()
		last := r.lastEventID
		r.mu.Unlock()
		var opened time.Time
		err := r.s.client.Stream(ctx, last, func(ev client.StreamEvent) error {
			switch ev.Type {
			case client.StreamOpened:
				opened = time.Now()
				r.setStreamUp(true)
			case "ruleset":
				if ev.InvalidID {
					r.warnOnce(&r.warnedID, "switchyard: the service sent a stream event id that is not 1 to 256 bytes of visible ASCII; it was dropped and is not sent back as Last-Event-ID")
				}
				r.mu.Lock()
				r.seq++
				seq := r.seq
				r.mu.Unlock()
				if err := r.apply(ev.Data, origin{seq: seq, stream: true, id: ev.ID}); err != nil && !errors.Is(err, errSuperseded) {
					r.report(err)
				}
			case "invalidate":
				select {
				case r.refetch <- struct{}{}:
				default: // a GET is already asked for
				}
			}
			return nil
		})
		r.setStreamUp(false)
		if ctx.Err() != nil {
			return
		}
		if !opened.IsZero() && time.Since(opened) >= StreamHealthyAfter {
			b.Reset()
		}
		if d, ok := client.ReconnectionTime(err); ok {
			pace = min(d, backoff.MaxRetryAfter)
		}
		ceiling := b.Ceiling()
		wait := b.Next()
		if pace > ceiling {
			wait = time.Duration(r.s.timing.rand() * float64(pace))
		}
		switch {
		case errors.Is(err, client.ErrInvalidCredentials):
			r.report(err)
			wait = r.s.timing.backoffMax
		case errors.Is(err, client.ErrForbidden), errors.Is(err, client.ErrNotFound):
			r.report(r.misconfigured(err))
			wait = r.s.timing.backoffMax
		case errors.Is(err, client.ErrTooLarge):
			r.report(err)
		default:
			wait = max(wait, r.retryAfter(err))
		}
		r.log.Debug("switchyard: ruleset stream ended; polling until it reconnects", "error", err, "retryIn", wait)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// setStreamUp records the stream's state. An open stream is a successful
// refresh: it ends STALE, and its end restarts the stale window.
func (r *remoteRun) setStreamUp(up bool) {
	r.mu.Lock()
	was := r.streamUp
	r.streamUp = up
	if up || was {
		r.lastSuccess = time.Now()
	}
	recovered := up && r.stale
	if up {
		r.stale = false
		r.reported = nil
	}
	r.mu.Unlock()
	if recovered || (up && !was) {
		r.sink.Healthy()
	}
}
