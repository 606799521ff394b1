package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/internal/backoff"
)

// Defaults of the remote source (SPEC section 3).
const (
	DefaultPollInterval = 30 * time.Second
	MinPollInterval     = 5 * time.Second
)

// RemoteConfig configures a RemoteSource. Client is required; every other
// zero value is a default.
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
	// poll intervals (90 s by default).
	StaleAfter time.Duration
	// Bootstrap is a ruleset document served when nothing better is
	// available, so Init succeeds while the service is unreachable.
	Bootstrap []byte
	// BootstrapFile is read at construction instead of Bootstrap.
	BootstrapFile string
	// CacheDir enables the on-disk cache of the last good ruleset: files
	// are written atomically with mode 0600, checked against a SHA-256, and
	// never served to another tenant or environment.
	CacheDir string
	// Logger receives the source's logs; nil means slog.Default().
	Logger *slog.Logger
}

// RemoteSource keeps a ruleset fresh from the flag service: an initial
// fetch, then the server-sent-events stream with ETag polling as the
// fallback, exponential backoff with full jitter, Retry-After, and an
// optional bootstrap ruleset and disk cache.
type RemoteSource struct {
	cfg       RemoteConfig
	client    *client.Client
	bootstrap *evaluator.Evaluator
	logger    *slog.Logger
	timing    timing
}

// timing holds the durations the source waits; tests shorten them.
type timing struct {
	poll         time.Duration
	stale        time.Duration
	backoffBase  time.Duration
	backoffMax   time.Duration
	pollJitter   float64 // ±fraction
	streamEnable bool
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
	// A window shorter than one poll (plus its jitter) would report STALE
	// between two healthy polls.
	if minStale := cfg.PollInterval + cfg.PollInterval/10; cfg.StaleAfter != 0 && cfg.StaleAfter < minStale {
		return nil, fmt.Errorf("provider: RemoteConfig.StaleAfter is %v: use at least %v (the poll interval plus its jitter), or 0 for three poll intervals", cfg.StaleAfter, minStale)
	}
	s := &RemoteSource{cfg: cfg, client: c, logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	s.logger = s.logger.With("tenant", c.TenantID(), "environment", c.Environment())
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
		ev, err := evaluator.Load(boot)
		if err != nil {
			return nil, fmt.Errorf("provider: RemoteConfig bootstrap ruleset: %w", err)
		}
		if err := s.checkOwner(ev, false); err != nil {
			return nil, fmt.Errorf("provider: RemoteConfig bootstrap ruleset: %w", err)
		}
		s.bootstrap = ev
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
	}
	if s.timing.stale == 0 {
		s.timing.stale = 3 * cfg.PollInterval
	}
	return s, nil
}

// EventSink returns a sink that uploads telemetry batches to the flag
// service (POST /api/v1/events). Providers use it by default.
func (s *RemoteSource) EventSink() EventSink {
	return EventSinkFunc(s.client.PostEvents)
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
	s    *RemoteSource
	sink Sink

	mu          sync.Mutex
	served      bool      // a ruleset has been delivered in this run
	etag        string    // of the ruleset being served, from the service
	version     string    // stream event ID to resume from
	lastSuccess time.Time // last successful refresh (fetch, 304 or stream)
	streamUp    bool
	stale       bool
	reported    error // the failure last reported with Error, to avoid repeats
}

// Run delivers the bootstrap or cached ruleset at once if there is one,
// then keeps the ruleset fresh from the service until ctx ends.
func (s *RemoteSource) Run(ctx context.Context, sink Sink) error {
	r := &remoteRun{s: s, sink: sink, lastSuccess: time.Now()}
	r.startFromCacheOrBootstrap()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()

	// One loop fetches: first until a ruleset arrives (backing off on
	// failures), then on the polling schedule whenever the stream is down
	// or disabled. A per-instance offset spreads instances apart.
	b := backoff.Backoff{Base: s.timing.backoffBase, Max: s.timing.backoffMax}
	started := false // the first ruleset arrived and the schedule began
	var next time.Duration
	for {
		if !sleep(ctx, next) {
			return nil
		}
		if r.isStreaming() {
			next = r.jittered()
			r.checkStale()
			continue
		}
		wait, fatal := r.poll(ctx, &b)
		if fatal {
			return nil
		}
		switch {
		case wait > 0: // backing off after a failure
			next = wait
		case !started && r.hasFreshRuleset():
			started = true
			next = time.Duration(rand.Float64() * float64(s.timing.poll))
			if s.timing.streamEnable {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.streamLoop(ctx)
				}()
			}
		default:
			next = r.jittered()
		}
		r.checkStale()
	}
}

func (r *remoteRun) hasFreshRuleset() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.etag != ""
}

func (r *remoteRun) isStreaming() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.streamUp
}

// jittered returns the poll interval ±10 %.
func (r *remoteRun) jittered() time.Duration {
	t := r.s.timing
	f := 1 + t.pollJitter*(2*rand.Float64()-1)
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

// poll fetches the ruleset once. It returns how long to wait before the
// next attempt (zero after a success: the caller's schedule applies) and
// whether the run must end (a fatal error with nothing to serve).
func (r *remoteRun) poll(ctx context.Context, b *backoff.Backoff) (wait time.Duration, fatal bool) {
	r.mu.Lock()
	etag := r.etag
	r.mu.Unlock()
	rs, err := r.s.client.FetchRuleset(ctx, etag)
	if err != nil {
		if ctx.Err() != nil {
			return 0, true
		}
		return r.failed(err, b)
	}
	if rs.NotModified {
		b.Reset()
		r.succeeded(rs.RequestID)
		r.sink.Healthy()
		return 0, false
	}
	if err := r.apply(rs.Data, rs.ETag, "", rs.RequestID); err != nil {
		return r.failed(err, b)
	}
	b.Reset()
	return 0, false
}

// apply validates a document from the service and delivers it. The etag
// comes from a fetch, the id from a stream event; either may be empty.
func (r *remoteRun) apply(data []byte, etag, id, requestID string) error {
	ev, err := evaluator.Load(data)
	if err != nil {
		return &rejectedError{requestID: requestID, err: err}
	}
	if err := r.s.checkOwner(ev, true); err != nil {
		return &rejectedError{requestID: requestID, err: err}
	}
	r.mu.Lock()
	if etag == "" && id != "" {
		etag = `"` + id + `"`
	}
	if id == "" {
		// The stream's event ID is the ETag's opaque value: W/"v1" → v1.
		id = strings.Trim(strings.TrimPrefix(etag, "W/"), `"`)
	}
	r.etag, r.version = etag, id
	r.served = true
	r.reported = nil
	r.lastSuccess = time.Now()
	r.stale = false
	r.mu.Unlock()
	r.s.logger.Debug("switchyard: ruleset received", "rulesetVersion", ev.Version(), "requestId", requestID)
	r.sink.Update(ev)
	r.s.writeCache(data, etag)
	return nil
}

// rejectedError is a document the service sent that failed validation.
type rejectedError struct {
	requestID string
	err       error
}

func (e *rejectedError) Error() string {
	msg := "provider: ruleset from the flag service rejected; the last good ruleset keeps serving: " + e.err.Error()
	if e.requestID != "" {
		msg += " (request ID " + e.requestID + ")"
	}
	return msg
}
func (e *rejectedError) Unwrap() error { return e.err }

func (r *remoteRun) succeeded(requestID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastSuccess = time.Now()
	r.stale = false
	r.reported = nil
	_ = requestID
}

// failed classifies a failure, reports it, and returns the backoff delay.
func (r *remoteRun) failed(err error, b *backoff.Backoff) (time.Duration, bool) {
	r.mu.Lock()
	served := r.served
	r.mu.Unlock()

	var se *client.StatusError
	isStatus := errors.As(err, &se)
	var rejected *rejectedError
	switch {
	case errors.Is(err, client.ErrInvalidCredentials):
		if !served {
			r.s.logger.Error("switchyard: invalid credentials and no ruleset to serve", "error", err)
			r.sink.Fatal(err)
			return 0, true
		}
		r.report(err)
		return r.s.timing.backoffMax, false
	case errors.Is(err, client.ErrForbidden), errors.Is(err, client.ErrNotFound):
		r.report(err)
		return r.s.timing.backoffMax, false
	case errors.As(err, &rejected), errors.Is(err, client.ErrTooLarge):
		r.report(err)
	default:
		r.s.logger.Warn("switchyard: ruleset refresh failed", "error", err)
		if !served {
			r.sink.Error(err) // recorded for Init's timeout message
		}
	}
	wait := b.Next()
	if isStatus && (se.StatusCode == http.StatusTooManyRequests || se.StatusCode == http.StatusServiceUnavailable) {
		if ra, ok := backoff.RetryAfter(se.RetryAfter, time.Now()); ok {
			wait = max(wait, ra)
		}
	}
	return max(wait, time.Millisecond), false
}

// report sends a failure that needs attention to the provider once (not
// again until something succeeds or the failure changes).
func (r *remoteRun) report(err error) {
	r.mu.Lock()
	same := r.reported != nil && failureKey(r.reported) == failureKey(err)
	r.reported = err
	r.mu.Unlock()
	r.s.logger.Warn("switchyard: ruleset refresh failed", "error", err)
	if !same {
		r.sink.Error(err)
	}
}

// failureKey identifies a failure for de-duplication, ignoring the request
// ID that makes every occurrence's text unique.
func failureKey(err error) string {
	return requestIDPattern.ReplaceAllString(err.Error(), "")
}

var requestIDPattern = regexp.MustCompile(`request ID [^ ,;)]*`)

// checkStale reports STALE once the stale window has passed without a
// successful refresh.
func (r *remoteRun) checkStale() {
	r.mu.Lock()
	window := r.s.timing.stale
	goStale := r.served && !r.stale && !r.streamUp && time.Since(r.lastSuccess) > window
	if goStale {
		r.stale = true
	}
	since := time.Since(r.lastSuccess)
	r.mu.Unlock()
	if goStale {
		r.sink.Stale(fmt.Errorf("no successful refresh for %v", since.Round(time.Second)))
	}
}

// streamLoop keeps the stream open, reconnecting with backoff. While it is
// down the polling loop takes over.
func (r *remoteRun) streamLoop(ctx context.Context) {
	b := backoff.Backoff{Base: r.s.timing.backoffBase, Max: r.s.timing.backoffMax}
	for ctx.Err() == nil {
		r.mu.Lock()
		last := r.version
		r.mu.Unlock()
		connected := false
		err := r.s.client.Stream(ctx, last, func(ev client.StreamEvent) error {
			if !connected {
				connected = true
				b.Reset()
			}
			r.setStreamUp(true)
			switch ev.Type {
			case "ruleset":
				if err := r.apply(ev.Data, "", ev.ID, ""); err != nil {
					r.report(err)
				}
			case "invalidate":
				r.poll(ctx, &backoff.Backoff{Base: r.s.timing.backoffBase, Max: r.s.timing.backoffMax})
			}
			return nil
		})
		r.setStreamUp(false)
		if ctx.Err() != nil {
			return
		}
		wait := b.Next()
		var se *client.StatusError
		switch {
		case errors.Is(err, client.ErrInvalidCredentials), errors.Is(err, client.ErrForbidden), errors.Is(err, client.ErrNotFound):
			r.report(err)
			wait = r.s.timing.backoffMax
		case errors.As(err, &se) && (se.StatusCode == http.StatusTooManyRequests || se.StatusCode == http.StatusServiceUnavailable):
			if ra, ok := backoff.RetryAfter(se.RetryAfter, time.Now()); ok {
				wait = max(wait, ra)
			}
		}
		r.s.logger.Debug("switchyard: ruleset stream ended; polling until it reconnects", "error", err, "retryIn", wait)
		if !sleep(ctx, wait) {
			return
		}
	}
}

func (r *remoteRun) setStreamUp(up bool) {
	r.mu.Lock()
	changed := r.streamUp != up
	r.streamUp = up
	recovered := up && changed && r.stale
	if up {
		r.lastSuccess = time.Now()
		r.stale = false
	}
	r.mu.Unlock()
	if recovered {
		r.sink.Healthy()
	}
}
