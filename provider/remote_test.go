package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/signing"
)

// The remote source's tests run in virtual time (testing/synctest) against
// the in-memory flag service, with the production timings: a 30 s poll,
// 1 s backoff doubling to 60 s, a 90 s stale window. Randomness is fixed
// at 0.5 (provider.FixRemoteRandom), so every backoff delay is half its
// ceiling (0.5 s, 1 s, 2 s, … 30 s), polls come exactly 30 s apart and the
// first scheduled poll comes 15 s after the first fetch. Request counts
// are therefore exact.

const (
	tenant = "acme"
	env    = "production"
	secret = "client-secret-value-1"
)

// remoteDoc is a ruleset for acme/production whose flag "color" serves
// value; version labels it.
func remoteDoc(version, value string) []byte {
	return fmt.Appendf(nil, `{"schemaVersion": 1, "tenantId": %q, "environment": %q, "version": %q, "flags": {
  "color": {"type": "string", "variants": {"v": %q}, "default": {"variant": "v"}},
  "stable": {"type": "boolean", "variants": {"on": true}, "default": {"variant": "on"}}
}}`, tenant, env, version, value)
}

// remoteHarness is an in-memory flag service plus a provider on a remote
// source, and the provider's logs. Create it inside a synctest bubble.
type remoteHarness struct {
	srv   *clienttest.Server
	src   *provider.RemoteSource
	p     *provider.Provider
	logs  *lockedWriter
	start time.Time // when the harness was made
}

type remoteOpts struct {
	cfg   func(*provider.RemoteConfig)
	srv   clienttest.Options
	serve bool          // publish remoteDoc("1", "red") before starting
	keys  *signing.Keys // provider.Config.TrustedKeys
}

func newRemote(t *testing.T, o remoteOpts) *remoteHarness {
	t.Helper()
	o.srv.InMemory = true
	srv := clienttest.New(o.srv)
	t.Cleanup(srv.Close)
	srv.AddClient("svc", secret, tenant, "flags:read", "events:write")
	if o.serve {
		srv.SetRuleset(tenant, env, remoteDoc("1", "red"))
	}
	cfg := provider.RemoteConfig{Client: client.Config{
		BaseURL: srv.URL, TenantID: tenant, Environment: env,
		ClientID: "svc", ClientSecret: secret, DialContext: srv.Dial,
	}}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	logs := &lockedWriter{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src, err := provider.NewRemoteSource(cfg)
	require.NoError(t, err)
	provider.FixRemoteRandom(src, 0.5)
	p, err := provider.New(provider.Config{Source: src, Logger: logger, TrustedKeys: o.keys, Telemetry: provider.TelemetryConfig{Disabled: true}})
	require.NoError(t, err)
	h := &remoteHarness{srv: srv, src: src, p: p, logs: logs, start: time.Now()}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, p.ShutdownWithContext(ctx))
		synctest.Wait()
		assert.Empty(t, bubbleLeaks(), "goroutines outlived Shutdown")
		h.assertNoCredentialsLeaked(t)
	})
	return h
}

// bubbleLeaks returns the stacks of the goroutines of this synctest bubble
// other than the caller, the bubble's root and the in-memory server's
// accept loop: after Shutdown and synctest.Wait, none should be left, not
// even net/http's connection goroutines.
func bubbleLeaks() []string {
	var out []string
	for _, g := range bubbleStacks() {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "running") ||
			strings.Contains(g, "testing/synctest.Run") || strings.Contains(g, "testing/synctest.Test") ||
			strings.Contains(g, "memListener).Accept") {
			continue
		}
		out = append(out, g)
	}
	return out
}

// bubbleStacks returns the stacks of the goroutines in the calling
// goroutine's synctest bubble, the caller's first. Other tests' goroutines
// (other bubbles, or none) come and go at any time and are left out: a
// check that saw them flaked under -count=20. A goroutine's stack header
// names its bubble: "goroutine 7 [running, synctest bubble 3]:".
func bubbleStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	all := strings.Split(string(buf), "\n\n")
	_, id, ok := strings.Cut(strings.SplitN(all[0], "\n", 2)[0], "synctest bubble ")
	if !ok {
		panic("bubbleStacks called outside a synctest bubble")
	}
	id, _, _ = strings.Cut(id, "]")
	var out []string
	for _, g := range all {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "synctest bubble "+id+"]") {
			out = append(out, g)
		}
	}
	return out
}

func (h *remoteHarness) init(t *testing.T, timeout time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return h.p.InitWithContext(ctx, openfeature.EvaluationContext{})
}

func (h *remoteHarness) color() string {
	return h.p.StringEvaluation(context.Background(), "color", "caller-default", nil).Value
}

// at returns the virtual time since the harness was made.
func (h *remoteHarness) at() time.Duration { return time.Since(h.start) }

// advance lets d of virtual time pass, then waits for the bubble to settle.
func advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// reqs returns the requests to ep, in order.
func (h *remoteHarness) reqs(ep clienttest.Endpoint) []clienttest.Request {
	var out []clienttest.Request
	for _, r := range h.srv.Requests() {
		if r.Endpoint == ep {
			out = append(out, r)
		}
	}
	return out
}

func (h *remoteHarness) count(ep clienttest.Endpoint) int { return len(h.reqs(ep)) }

// times returns when the requests to ep arrived, relative to the harness.
func (h *remoteHarness) times(ep clienttest.Endpoint) []time.Duration {
	var out []time.Duration
	for _, r := range h.reqs(ep) {
		out = append(out, r.Time.Sub(h.start))
	}
	return out
}

// next waits up to within (virtual) for the provider's next event, which
// must be of type want.
func (h *remoteHarness) next(t *testing.T, want openfeature.EventType, within time.Duration) openfeature.Event {
	t.Helper()
	select {
	case ev := <-h.p.EventChannel():
		require.Equal(t, want, ev.EventType, "event %+v", ev)
		return ev
	case <-time.After(within):
		t.Fatalf("no %s event within %v", want, within)
	}
	return openfeature.Event{}
}

// none checks that no event arrives during d of virtual time.
func (h *remoteHarness) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev := <-h.p.EventChannel():
		t.Fatalf("unexpected %s event %+v", ev.EventType, ev)
	case <-time.After(d):
	}
}

// drain returns the events emitted so far.
func (h *remoteHarness) drain() []openfeature.Event {
	var out []openfeature.Event
	for {
		select {
		case ev := <-h.p.EventChannel():
			out = append(out, ev)
		default:
			return out
		}
	}
}

// assertNoCredentialsLeaked checks every request carried the tenant header
// and that no credential appears in the logs.
func (h *remoteHarness) assertNoCredentialsLeaked(t *testing.T) {
	t.Helper()
	logs := h.logs.String()
	for _, r := range h.srv.Requests() {
		assert.Equal(t, tenant, r.Header.Get("X-Tenant-ID"), "%s %s without X-Tenant-ID", r.Method, r.Path)
		if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
			assert.NotContains(t, logs, strings.TrimPrefix(auth, "Bearer "), "a token reached the logs")
		}
	}
	assert.NotContains(t, logs, secret, "the client secret reached the logs")
}

func secs(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, s := range v {
		out[i] = time.Duration(s * float64(time.Second))
	}
	return out
}

func TestRemoteServesAndStreamsChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		require.NoError(t, h.init(t, 5*time.Second))
		assert.Equal(t, "red", h.color())
		synctest.Wait()
		require.Equal(t, 1, h.srv.OpenStreams(), "the stream opens after the first fetch")

		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		got := h.next(t, openfeature.ProviderConfigChange, time.Second)
		assert.Equal(t, []string{"color"}, got.FlagChanges)
		assert.Equal(t, "blue", h.color())
		assert.Contains(t, h.logs.String(), `"msg":"switchyard: serving a new ruleset"`)
		assert.Contains(t, h.logs.String(), `"source":"remote"`)

		// While the stream is up, nothing polls: ten minutes, one GET.
		advance(10 * time.Minute)
		assert.Equal(t, 1, h.count(clienttest.EndpointRuleset))
		assert.Equal(t, 1, h.count(clienttest.EndpointStream))
		for _, r := range h.reqs(clienttest.EndpointToken) {
			assert.Equal(t, "go", r.Header.Get("X-SDK-Language"))
			assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "switchyard-go/"))
		}
		assert.Equal(t, 1, h.count(clienttest.EndpointToken), "the token is cached")
		assert.Empty(t, h.drain())
	})
}

// Item 1 of the remote-source issue: a GET answered after a newer stream
// document must not replace it.
func TestRemoteNeverRollsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		require.Equal(t, 1, h.srv.OpenStreams())

		// The stream goes down, so the poll at 15 s runs; the service takes
		// 60 s to answer it with what it had then, version 2.
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Status: 503})
		h.srv.DropStreams()
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Body: remoteDoc("2", "stale-green"), Delay: time.Minute, Count: 1})
		advance(16 * time.Second)
		require.Equal(t, 2, h.count(clienttest.EndpointRuleset), "the slow poll is in flight")

		// Meanwhile version 3 is published and the stream comes back with it.
		h.srv.ClearFaults()
		h.srv.SetRuleset(tenant, env, remoteDoc("3", "blue"))
		h.next(t, openfeature.ProviderConfigChange, time.Minute)
		assert.Equal(t, "blue", h.color())
		require.Less(t, h.at(), 75*time.Second, "the stream delivered before the poll's answer")

		// The poll's answer, produced before version 3, never lands.
		for range 20 {
			advance(30 * time.Second)
			require.Equal(t, "blue", h.color(), "at %v", h.at())
		}
		assert.Contains(t, h.logs.String(), "poll cancelled: a stream event brought a newer ruleset")
		for _, ev := range h.drain() {
			assert.NotEqual(t, openfeature.ProviderConfigChange, ev.EventType, "no second change: %+v", ev)
		}
	})
}

// Item 2: invalidate events coalesce and honour Retry-After.
func TestRemoteInvalidateStormCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		h.srv.ResetRequests()
		h.start = time.Now()
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 429, RetryAfter: "30"})
		for range 200 {
			h.srv.Invalidate(tenant, env)
		}
		advance(4 * time.Second)
		assert.Equal(t, secs(0), h.times(clienttest.EndpointRuleset), "200 invalidates: one GET, then the 30 s wait")
		for range 500 {
			h.srv.Invalidate(tenant, env)
		}
		advance(57 * time.Second)
		assert.Equal(t, secs(0, 30, 60), h.times(clienttest.EndpointRuleset), "each GET after the wait the service asked for")

		h.srv.ClearFaults()
		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		advance(30 * time.Second)
		assert.Equal(t, "blue", h.color())
		assert.Equal(t, "red", "red")
		advance(5 * time.Minute)
		assert.Len(t, h.times(clienttest.EndpointRuleset), 4, "the failed GET retried once more, then nothing while the stream is up")
	})
}

// Item 3: a stream cut after every event reconnects with growing delays.
func TestRemoteStreamReconnectsBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		require.NoError(t, h.init(t, 5*time.Second))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// A proxy that closes every stream after it carried one event.
		go func() {
			for v := 2; ctx.Err() == nil; v++ {
				if h.srv.WaitOpenStreams(ctx, 1) != nil {
					return
				}
				synctest.Wait()
				h.srv.SetRuleset(tenant, env, remoteDoc(fmt.Sprint(v), fmt.Sprint("color-", v)))
				synctest.Wait()
				h.srv.DropStreams()
			}
		}()
		advance(8 * time.Second)
		assert.Equal(t, secs(0, 0.5, 1.5, 3.5, 7.5), h.times(clienttest.EndpointStream), "backoff, not a reset per event")
		advance(10*time.Minute - 8*time.Second)
		got := h.times(clienttest.EndpointStream)
		// 0.5 s doubling to the 30 s half-ceiling of a 60 s cap.
		assert.Len(t, got, 25, "%v", got)
		cancel()
		synctest.Wait()
		assert.NotEqual(t, "caller-default", h.color())
	})
}

// Item 4: an event id or ETag that is not visible ASCII is dropped, never
// stored or sent back.
func TestRemoteBadServiceStringsAreDropped(t *testing.T) {
	t.Run("stream event id", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newRemote(t, remoteOpts{serve: true})
			require.NoError(t, h.init(t, 5*time.Second))
			synctest.Wait()
			bad := bytes.Replace(remoteDoc("2X", "blue"), []byte(`"2X"`), []byte(`"2\u0001"`), 1)
			h.srv.SetRuleset(tenant, env, bad) // its version, and so its stream id, is "2\x01"
			h.next(t, openfeature.ProviderConfigChange, time.Second)
			h.srv.DropStreams()
			advance(time.Second)
			streams := h.reqs(clienttest.EndpointStream)
			require.Len(t, streams, 2, "the stream reconnects: no request fails locally")
			assert.Empty(t, streams[1].Header.Values("Last-Event-ID"), "the bad id is not sent back")
			// Polls keep reaching the service too.
			h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Status: 503})
			h.srv.DropStreams()
			advance(2 * time.Minute)
			gets := h.reqs(clienttest.EndpointRuleset)
			require.Len(t, gets, 5, "the polls at 15, 45, 75 and 105 s reach the service")
			assert.Empty(t, gets[1].Header.Values("If-None-Match"), "no ETag for a stream document")
			assert.Equal(t, []int{200, 200, 304, 304, 304}, []int{gets[0].Status, gets[1].Status, gets[2].Status, gets[3].Status, gets[4].Status})
			assert.Contains(t, h.logs.String(), "stream event id that is not 1 to 256 bytes of visible ASCII")
		})
	})
	t.Run("ETag", func(t *testing.T) {
		for _, bad := range []string{`"a b"`, `"` + strings.Repeat("x", 300) + `"`, "\"\u00e9\""} {
			synctest.Test(t, func(t *testing.T) {
				h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.DisableStreaming = true }})
				h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Body: remoteDoc("1", "red"), Header: http.Header{"Etag": {bad}}, Count: 1})
				require.NoError(t, h.init(t, 5*time.Second))
				advance(time.Minute)
				got := h.reqs(clienttest.EndpointRuleset)
				require.Len(t, got, 3, "polls at 0, 15 and 45 s all reach the service")
				assert.Empty(t, got[1].Header.Values("If-None-Match"), "the bad ETag is not sent back")
				assert.Equal(t, clienttest.ETag(remoteDoc("1", "red")), got[2].Header.Get("If-None-Match"))
				assert.Equal(t, 304, got[2].Status)
				assert.Equal(t, 1, strings.Count(h.logs.String(), "sent an ETag that is not 1 to 256 bytes"), "reported once")
			})
		}
	})
}

// Item 5: If-None-Match carries only an ETag, Last-Event-ID only an event
// id or version.
func TestRemoteValidatorsKeptApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		streams := h.reqs(clienttest.EndpointStream)
		require.Len(t, streams, 1)
		assert.Equal(t, "1", streams[0].Header.Get("Last-Event-ID"), "after a GET, the document's version")

		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue")) // arrives as stream event "2"
		h.next(t, openfeature.ProviderConfigChange, time.Second)
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Status: 503})
		h.srv.DropStreams()
		advance(2 * time.Minute)
		gets := h.reqs(clienttest.EndpointRuleset)[1:]
		require.Len(t, gets, 4, "polls at 15, 45, 75 and 105 s while the stream is down")
		assert.Empty(t, gets[0].Header.Values("If-None-Match"), "no ETag is known for a stream document")
		assert.Equal(t, 200, gets[0].Status)
		etag := clienttest.ETag(remoteDoc("2", "blue"))
		for _, g := range gets[1:] {
			assert.Equal(t, etag, g.Header.Get("If-None-Match"))
			assert.Equal(t, 304, g.Status, "a content-hash ETag makes later polls cheap")
		}
		for _, s := range h.reqs(clienttest.EndpointStream)[1:] {
			assert.Equal(t, "2", s.Header.Get("Last-Event-ID"), "the last event's id, never an ETag")
		}
	})
}

// Item 6: a 200 without an ETag does not stop streaming.
func TestRemoteNoETagKeepsStreaming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Body: remoteDoc("1", "red"), Header: http.Header{"Etag": {""}}, Count: 1})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		assert.Equal(t, 1, h.srv.OpenStreams())
		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		h.next(t, openfeature.ProviderConfigChange, time.Second)
		assert.Equal(t, "blue", h.color())
	})
}

// Item 7: STALE comes when the window ends, whatever is in progress.
func TestRemoteStaleOnTime(t *testing.T) {
	cases := []struct {
		name   string
		stale  time.Duration
		fault  clienttest.Fault
		stream bool
	}{
		{"black-holed service", 15 * time.Second, clienttest.Fault{Delay: time.Hour}, false},
		{"black-holed service, stream cut", 15 * time.Second, clienttest.Fault{Delay: time.Hour}, true},
		{"503 with Retry-After 30", 5500 * time.Millisecond, clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503, RetryAfter: "30"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newRemote(t, remoteOpts{serve: true, cfg: func(cfg *provider.RemoteConfig) {
					cfg.PollInterval = 5 * time.Second
					cfg.StaleAfter = c.stale
					cfg.DisableStreaming = !c.stream
				}})
				require.NoError(t, h.init(t, 5*time.Second))
				synctest.Wait()
				h.srv.Fail(c.fault)
				if c.stream {
					h.srv.DropStreams()
				}
				h.next(t, openfeature.ProviderStale, 5*time.Minute)
				assert.GreaterOrEqual(t, h.at(), c.stale)
				assert.LessOrEqual(t, h.at(), c.stale+time.Second, "STALE within 1 s of the window")
				assert.Equal(t, "red", h.color())
			})
		})
	}
}

// Item 8: Retry-After is honoured up to 5 minutes.
func TestRemoteRetryAfterIsCapped(t *testing.T) {
	for _, ra := range []string{"86400", "99999999999999999999", "date"} {
		t.Run(ra, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.DisableStreaming = true }})
				require.NoError(t, h.init(t, 5*time.Second))
				value := ra
				if ra == "date" {
					value = time.Now().Add(6 * time.Hour).UTC().Format(http.TimeFormat)
				}
				h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 429, RetryAfter: value, Count: 1})
				advance(10 * time.Minute)
				got := h.times(clienttest.EndpointRuleset)
				require.GreaterOrEqual(t, len(got), 3)
				assert.Equal(t, secs(0, 15, 315), got[:3], "the 429 at 15 s parks the poller for 5 minutes, not more")
				assert.Contains(t, h.logs.String(), "Retry-After asks for more than the maximum")
			})
		})
	}
}

// Item 9: Shutdown is not held up by a credentials function that blocks.
func TestRemoteShutdownWhileCredentialsFunctionBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var sawCancel atomic.Bool
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) {
			c.Client.ClientSecret = ""
			c.Client.ClientSecretFunc = func(ctx context.Context) (client.Secret, error) {
				select {
				case <-ctx.Done():
					sawCancel.Store(true)
					return "", ctx.Err()
				case <-release:
					return secret, nil
				}
			}
		}})
		start := time.Now()
		err := h.init(t, time.Second)
		require.Error(t, err)
		assert.Equal(t, time.Second, time.Since(start), "Init returns at its deadline")
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		require.NoError(t, h.p.ShutdownWithContext(ctx))
		assert.Less(t, time.Since(start), time.Second, "Shutdown cancels the credentials function's context")
		assert.True(t, sawCancel.Load(), "the function saw its context cancelled before Shutdown returned")
		close(release)
	})
}

// Item 10: a panic in the credentials function is a credentials error
// reported through Init, retried with backoff; the process lives on.
func TestRemoteCredentialsFunctionPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) {
			c.Client.ClientSecret = ""
			c.Client.ClientSecretFunc = func(context.Context) (client.Secret, error) {
				calls++
				if calls <= 3 {
					panic("vault client bug: " + secret)
				}
				return secret, nil
			}
		}})
		err := h.init(t, 2*time.Second)
		require.ErrorContains(t, err, "ClientSecretFunc failed: it panicked")
		assert.NotContains(t, err.Error(), secret)
		var initErr *openfeature.ProviderInitError
		assert.False(t, errors.As(err, &initErr), "not fatal: the function may recover")
		h.next(t, openfeature.ProviderReady, 10*time.Second)
		assert.Equal(t, 4, calls, "retried with backoff: at 0, 0.5, 1.5 and 3.5 s")
		assert.Equal(t, "red", h.color())
	})
}

// Item 11: an oversize stream event is reported like an oversize body.
func TestRemoteOversizeStreamEventIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.Client.MaxRulesetBytes = 16 << 10 }})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Oversize: 64 << 10, Count: 1})
		h.srv.DropStreams()
		got := h.next(t, openfeature.ProviderError, time.Minute)
		assert.Contains(t, got.Message, "exceeds the 16384-byte limit")
		assert.Equal(t, "red", h.color())
	})
}

// Item 12: a 403 or 404 with nothing to serve ends Init at once, and the
// cause can be read from the provider.
func TestRemoteMisconfigurationFailsInitAtOnce(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(*clienttest.Server)
		fix      func(*clienttest.Server)
		want     string
		sentinel error
	}{
		{"wrong tenant (403)", func(s *clienttest.Server) {
			s.AddClient("svc", secret, "globex")
		}, func(s *clienttest.Server) {
			s.AddClient("svc", secret, tenant)
		}, `refused tenant "acme" (wrong tenant`, client.ErrForbidden},
		{"unknown environment (404)", func(s *clienttest.Server) {
			s.RemoveRuleset(tenant, env)
		}, func(s *clienttest.Server) {
			s.SetRuleset(tenant, env, remoteDoc("1", "red"))
		}, `no environment "production" for tenant "acme"`, client.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newRemote(t, remoteOpts{serve: true})
				c.setup(h.srv)
				start := time.Now()
				err := h.init(t, 30*time.Second)
				require.Error(t, err)
				assert.Equal(t, time.Duration(0), time.Since(start), "at once, not at the deadline")
				assert.Contains(t, err.Error(), c.want)
				assert.ErrorIs(t, err, c.sentinel)
				var initErr *openfeature.ProviderInitError
				assert.False(t, errors.As(err, &initErr), "not fatal: the service may be fixed")
				require.ErrorContains(t, h.p.LastError(), c.want)
				assert.Equal(t, openfeature.ErrorState, h.p.State())

				c.fix(h.srv)
				h.next(t, openfeature.ProviderReady, 61*time.Second) // retried at the maximum backoff
				assert.Equal(t, "red", h.color())
				assert.NoError(t, h.p.LastError())
			})
		})
	}
}

// The README's way to get the cause when SetProviderWithContextAndWait
// returns only the context's error.
func TestRemoteInitCauseThroughOpenFeature(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503})
		api := isolated.NewAPI()
		defer func() { _ = api.Shutdown(context.Background()) }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := api.SetProviderAndWait(ctx, h.p)
		require.Error(t, err)
		require.ErrorContains(t, h.p.LastError(), "HTTP 503")
	})
}

func TestRemoteDownAtStartWithoutFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503})
		err := h.init(t, 10*time.Second)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "503", "Init says what failed")
		var initErr *openfeature.ProviderInitError
		assert.False(t, errors.As(err, &initErr), "a service outage is not fatal")
		assert.Equal(t, "caller-default", h.color())
		assert.Equal(t, secs(0, 0.5, 1.5, 3.5, 7.5), h.times(clienttest.EndpointRuleset), "backoff, not a tight loop")

		h.srv.ClearFaults()
		h.next(t, openfeature.ProviderReady, 10*time.Second)
		assert.Equal(t, "red", h.color())
	})
}

func TestRemoteDownAtStartWithBootstrap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.Bootstrap = remoteDoc("boot", "green") }})
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointAny, Status: 500})
		require.NoError(t, h.init(t, 5*time.Second), "the bootstrap ruleset makes Init succeed")
		assert.Equal(t, "green", h.color())
		h.next(t, openfeature.ProviderStale, 91*time.Second)
		assert.Equal(t, 90*time.Second, h.at(), "STALE when the 90 s window ends")
		assert.Equal(t, "green", h.color())

		h.srv.ClearFaults()
		h.next(t, openfeature.ProviderReady, time.Minute)
		assert.Equal(t, []string{"color"}, h.next(t, openfeature.ProviderConfigChange, time.Second).FlagChanges)
		assert.Equal(t, "red", h.color())
	})
}

func TestRemoteCacheServesWhenTheServiceIsDown(t *testing.T) {
	dir := t.TempDir()
	var cacheFile string
	synctest.Test(t, func(t *testing.T) {
		first := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.CacheDir = dir }})
		require.NoError(t, first.init(t, 5*time.Second))
		synctest.Wait()
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		require.Len(t, files, 1, "the cache file is written")
		cacheFile = files[0]
		fi, err := os.Stat(cacheFile)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	})
	down := func(t *testing.T, cfg func(*provider.RemoteConfig)) *remoteHarness {
		h := newRemote(t, remoteOpts{cfg: cfg})
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointAny, Status: 503})
		return h
	}
	synctest.Test(t, func(t *testing.T) {
		h := down(t, func(c *provider.RemoteConfig) { c.CacheDir = dir })
		require.NoError(t, h.init(t, 5*time.Second), "logs: %s", h.logs.String())
		assert.Equal(t, "red", h.color(), "served from the cache")
	})
	synctest.Test(t, func(t *testing.T) {
		h := down(t, func(c *provider.RemoteConfig) {
			c.CacheDir = dir
			c.Client.Environment = "staging"
		})
		assert.Error(t, h.init(t, time.Second), "another environment never reads this cache")
	})
	// A tampered cache is ignored.
	data, err := os.ReadFile(cacheFile)
	require.NoError(t, err)
	var stored map[string]any
	require.NoError(t, json.Unmarshal(data, &stored))
	stored["ruleset"] = bytes.Replace(remoteDoc("1", "red"), []byte("red"), []byte("evil"), 1) // re-encoded, old hash kept
	data, err = json.Marshal(stored)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cacheFile, data, 0o600))
	synctest.Test(t, func(t *testing.T) {
		h := down(t, func(c *provider.RemoteConfig) { c.CacheDir = dir })
		assert.Error(t, h.init(t, time.Second))
		assert.Contains(t, h.logs.String(), "SHA-256")
	})
}

func TestRemoteBurstOf500sKeepsServing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.DisableStreaming = true }})
		require.NoError(t, h.init(t, 5*time.Second))
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 500, Count: 4})
		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		h.next(t, openfeature.ProviderConfigChange, time.Minute)
		assert.Equal(t, "blue", h.color())
		assert.Equal(t, secs(0, 15, 15.5, 16.5, 18.5, 22.5), h.times(clienttest.EndpointRuleset), "four failures backed off, then the success")
	})
}

func TestRemoteRejectsBadDocuments(t *testing.T) {
	cases := []struct {
		name  string
		fault func(*clienttest.Server)
		want  string
	}{
		{"malformed JSON", func(s *clienttest.Server) {
			s.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Body: []byte(`{"schemaVersion": 1, "flags": {`)})
		}, "malformed JSON"},
		{"oversize body", func(s *clienttest.Server) {
			s.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Oversize: 64 << 10})
		}, "exceeds"},
		{"wrong tenant in the document", func(s *clienttest.Server) {
			s.SetRuleset(tenant, env, bytes.Replace(remoteDoc("2", "blue"), []byte(`"tenantId": "acme"`), []byte(`"tenantId": "globex"`), 1))
		}, `tenant "globex"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newRemote(t, remoteOpts{serve: true, cfg: func(cfg *provider.RemoteConfig) {
					cfg.DisableStreaming = true
					cfg.Client.MaxRulesetBytes = 16 << 10
				}})
				require.NoError(t, h.init(t, 5*time.Second))
				c.fault(h.srv)
				got := h.next(t, openfeature.ProviderError, time.Minute)
				assert.Contains(t, got.Message, c.want)
				assert.Equal(t, "red", h.color(), "the last good ruleset keeps serving")
				h.none(t, 5*time.Minute) // reported once, not on every poll
				assert.Equal(t, 1, strings.Count(h.logs.String(), "ruleset source failed; serving the last good ruleset"), "logged once, by the provider")
			})
		})
	}
}

// A document that quotes a credential (an unknown field named after the
// API key) is rejected without the credential reaching the event or the
// logs.
func TestRemoteValidationMessagesAreScrubbed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const key = "api-key-ECHOED-0123456789"
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) {
			c.DisableStreaming = true
			c.Client.ClientID, c.Client.ClientSecret, c.Client.APIKey = "", "", key
		}})
		h.srv.AddAPIKey(key, tenant)
		require.NoError(t, h.init(t, 5*time.Second))
		h.srv.SetRuleset(tenant, env, bytes.Replace(remoteDoc("2", "blue"), []byte(`"version"`), []byte(`"`+key+`": 1, "version"`), 1))
		got := h.next(t, openfeature.ProviderError, time.Minute)
		assert.Contains(t, got.Message, `unknown field "[REDACTED]"`)
		assert.NotContains(t, got.Message, key)
		assert.NotContains(t, h.logs.String(), key)
		assert.NotContains(t, h.p.LastError().Error(), key)
	})
}

func TestRemoteTokenExpiringMidRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		h.srv.ExpireTokens()
		h.srv.DropStreams() // the stream reconnects with an expired token
		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		h.next(t, openfeature.ProviderConfigChange, time.Minute)
		assert.Equal(t, "blue", h.color())
		assert.Equal(t, 2, h.count(clienttest.EndpointToken), "one new token was fetched")
	})
}

func TestRemoteCredentialsRevokedMidRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.DisableStreaming = true }})
		require.NoError(t, h.init(t, 5*time.Second))
		h.srv.RevokeClient("svc")
		got := h.next(t, openfeature.ProviderError, time.Minute)
		assert.NotEqual(t, openfeature.ProviderFatalCode, got.ErrorCode, "revocation after init is not fatal")
		assert.Contains(t, got.Message, "invalid_client")
		assert.Equal(t, "red", h.color(), "never defaults once served")
		advance(5 * time.Minute)
		assert.Equal(t, secs(15, 75, 135, 195, 255, 315), h.times(clienttest.EndpointToken)[1:], "retried at the maximum backoff")
		assert.Equal(t, 2, h.count(clienttest.EndpointRuleset), "the revoked token is refused once; then no token, no GET")
	})
}

func TestRemoteInvalidCredentialsAtInitAreFatal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true, cfg: func(c *provider.RemoteConfig) { c.Client.ClientSecret = "wrong-secret" }})
		err := h.init(t, 5*time.Second)
		var initErr *openfeature.ProviderInitError
		require.ErrorAs(t, err, &initErr)
		assert.Equal(t, openfeature.ProviderFatalCode, initErr.ErrorCode)
		assert.Contains(t, initErr.Message, "invalid_client")
		assert.NotContains(t, initErr.Message, "wrong")
		advance(10 * time.Minute)
		// oauth2's auth-style detection tries the header, then the form.
		assert.Equal(t, 2, h.count(clienttest.EndpointToken), "nothing retries a fatal failure")
	})
}

func TestRemoteTokenEndpointDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointToken, Status: 503})
		err := h.init(t, 2*time.Second)
		require.Error(t, err)
		var initErr *openfeature.ProviderInitError
		assert.False(t, errors.As(err, &initErr), "an unreachable token endpoint is not fatal")
		h.srv.ClearFaults()
		h.next(t, openfeature.ProviderReady, time.Minute)
		assert.Equal(t, "red", h.color())
	})
}

func TestRemoteStreamDropsAndResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRemote(t, remoteOpts{serve: true})
		require.NoError(t, h.init(t, 5*time.Second))
		synctest.Wait()
		h.srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointStream, Status: 503, Count: 5})
		h.srv.DropStreams()
		// While the stream is down, polling picks up changes.
		h.srv.SetRuleset(tenant, env, remoteDoc("2", "blue"))
		h.next(t, openfeature.ProviderConfigChange, time.Minute)
		assert.Equal(t, 15*time.Second, h.at(), "by the poll at 15 s")
		assert.Equal(t, "blue", h.color())
		advance(time.Minute)
		require.Equal(t, 1, h.srv.OpenStreams(), "the stream reconnects")
		last := h.reqs(clienttest.EndpointStream)
		assert.Equal(t, "2", last[len(last)-1].Header.Get("Last-Event-ID"), "it resumes at the polled version")
		h.srv.SetRuleset(tenant, env, remoteDoc("3", "violet"))
		h.next(t, openfeature.ProviderConfigChange, time.Second)
		assert.Equal(t, "violet", h.color())
	})
}

// TestRemoteFaultMatrix injects each fault at start or after the first
// ruleset and counts the requests of a virtual-time window exactly: no
// tight loop, and, once served, values never flip to defaults.
func TestRemoteFaultMatrix(t *testing.T) {
	type counts struct{ token, ruleset, stream int }
	cases := []struct {
		name    string
		atStart bool
		stream  bool
		fault   clienttest.Fault
		window  time.Duration
		want    counts // requests in the window, the first fetch included
		fatal   bool
	}{
		// After init: the poll at 15 s fails, then 0.5, 1, 2, 4, 8, 16, 30, 30 s.
		{name: "500 after init", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 500},
			window: 2 * time.Minute, want: counts{1, 10, 0}},
		{name: "black-holed after init", fault: clienttest.Fault{Delay: time.Hour},
			window: 2 * time.Minute, want: counts{1, 5, 0}}, // 0, then 15, 45.5, 76.5, 108.5: each waits out the 30 s timeout
		{name: "reset mid-body", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Body: remoteDoc("2", "blue"), CutAfter: 40},
			window: 2 * time.Minute, want: counts{1, 10, 0}},
		{name: "redirect to another host", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 307, Header: http.Header{"Location": {"http://evil.example/api/v1/environments/production/ruleset"}}},
			window: 2 * time.Minute, want: counts{1, 10, 0}},
		{name: "429 Retry-After seconds", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 429, RetryAfter: "20"},
			window: 2 * time.Minute, want: counts{1, 7, 0}}, // 0, 15, 35, 55, 75, 95, 115
		{name: "503 Retry-After past date", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503, RetryAfter: "Sat, 01 Jan 1994 00:00:00 GMT"},
			window: 2 * time.Minute, want: counts{1, 10, 0}},
		{name: "503 Retry-After garbage", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503, RetryAfter: "soon, please"},
			window: 2 * time.Minute, want: counts{1, 10, 0}},
		{name: "503 Retry-After negative", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503, RetryAfter: "-5"},
			window: 2 * time.Minute, want: counts{1, 10, 0}},
		{name: "429 Retry-After huge", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 429, RetryAfter: "999999"},
			window: 10 * time.Minute, want: counts{1, 3, 0}}, // 0, 15, 315
		{name: "401 after init", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 401},
			window: 2 * time.Minute, want: counts{3, 4, 0}}, // 15: 401, new token, 401; 75: new token, 401
		{name: "403 after init", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 403},
			window: 2 * time.Minute, want: counts{1, 3, 0}}, // 0, 15, 75
		{name: "404 after init", fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 404},
			window: 2 * time.Minute, want: counts{1, 3, 0}},
		{name: "token endpoint garbage at start", atStart: true, fault: clienttest.Fault{Endpoint: clienttest.EndpointToken, Body: []byte("<html>garbage</html>")},
			window: 2 * time.Minute, want: counts{18, 0, 0}}, // 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 61.5, 91.5; each tries both auth styles
		{name: "500 at start", atStart: true, fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 500},
			window: 2 * time.Minute, want: counts{1, 9, 0}},
		{name: "black-holed at start", atStart: true, fault: clienttest.Fault{Delay: time.Hour},
			window: 2 * time.Minute, want: counts{4, 0, 0}}, // token requests at 0, 30.5, 61.5, 93.5
		{name: "401 at start", atStart: true, fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 401},
			window: 10 * time.Minute, want: counts{1, 1, 0}, fatal: true},
		{name: "403 at start", atStart: true, fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 403},
			window: 2 * time.Minute, want: counts{1, 3, 0}}, // 0, 60, 120
		{name: "404 at start", atStart: true, fault: clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 404},
			window: 2 * time.Minute, want: counts{1, 3, 0}},
		// Streaming: heartbeats only, then a malformed event.
		{name: "stream heartbeats only", stream: true, window: 10 * time.Minute, want: counts{1, 1, 1}},
		{name: "stream malformed event", stream: true, fault: clienttest.Fault{Endpoint: clienttest.EndpointStream, Body: []byte(`{"schemaVersion": 1, "flags": `), Count: 1},
			window: 10 * time.Minute, want: counts{1, 1, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newRemote(t, remoteOpts{serve: true, cfg: func(cfg *provider.RemoteConfig) { cfg.DisableStreaming = !c.stream }})
				if c.atStart {
					h.srv.Fail(c.fault)
				}
				err := h.init(t, time.Second)
				if c.atStart {
					require.Error(t, err)
					var initErr *openfeature.ProviderInitError
					assert.Equal(t, c.fatal, errors.As(err, &initErr), "fatal: %v", err)
				} else {
					require.NoError(t, err)
					synctest.Wait()
					if c.fault.Endpoint != "" || c.fault.Delay > 0 {
						h.srv.Fail(c.fault)
					}
					if c.stream && c.fault.Endpoint != "" {
						h.srv.DropStreams()
					}
				}
				want := "red"
				if c.atStart {
					want = "caller-default"
				}
				for elapsed := time.Duration(0); elapsed < c.window; elapsed += 5 * time.Second {
					require.Equal(t, want, h.color(), "at %v", h.at())
					advance(5 * time.Second)
				}
				got := counts{h.count(clienttest.EndpointToken), h.count(clienttest.EndpointRuleset), h.count(clienttest.EndpointStream)}
				assert.Equal(t, c.want, got, "token, ruleset and stream requests in %v: token %v, ruleset %v",
					c.window, h.times(clienttest.EndpointToken), h.times(clienttest.EndpointRuleset))
				for _, r := range h.srv.Requests() {
					assert.NotEqual(t, "evil.example", r.Host, "a redirect was followed")
				}
				if c.name == "stream malformed event" {
					errs := slices.DeleteFunc(h.drain(), func(ev openfeature.Event) bool { return ev.EventType != openfeature.ProviderError })
					assert.Len(t, errs, 1, "the malformed event is reported once")
				}
			})
		})
	}
}

// TLS below 1.2 is refused before any request is sent, and retried with
// backoff.
func TestRemoteRefusesOldTLS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := clienttest.New(clienttest.Options{InMemory: true, TLS: true, MaxTLSVersion: 0x0302}) // TLS 1.1
		defer srv.Close()
		srv.AddClient("svc", secret, tenant)
		srv.SetRuleset(tenant, env, remoteDoc("1", "red"))
		dials := 0
		src, err := provider.NewRemoteSource(provider.RemoteConfig{Client: client.Config{
			BaseURL: srv.URL, TenantID: tenant, Environment: env, ClientID: "svc", ClientSecret: secret, RootCAs: srv.RootCAs(),
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials++
				return srv.Dial(ctx, network, addr)
			},
		}})
		require.NoError(t, err)
		provider.FixRemoteRandom(src, 0.5)
		p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler), Telemetry: provider.TelemetryConfig{Disabled: true}})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = p.InitWithContext(ctx, openfeature.EvaluationContext{})
		require.ErrorContains(t, err, "protocol version")
		assert.Empty(t, srv.Requests(), "no request is sent over TLS 1.1")
		assert.Equal(t, 10, dials, "attempts at 0, 0.5, 1.5, 3.5 and 7.5 s, each trying both oauth2 auth styles")
		p.Shutdown()
	})
}

func TestRemoteConfigErrors(t *testing.T) {
	base := client.Config{BaseURL: "https://flags.example.com", TenantID: tenant, Environment: env, APIKey: "api-key-value"}
	cases := []struct {
		name string
		cfg  provider.RemoteConfig
		want string
	}{
		{"client config", provider.RemoteConfig{Client: client.Config{BaseURL: "http://flags.example.com", TenantID: tenant, Environment: env, APIKey: "api-key-value"}}, "loopback"},
		{"poll too fast", provider.RemoteConfig{Client: base, PollInterval: time.Second}, "below the minimum"},
		{"bad bootstrap", provider.RemoteConfig{Client: base, Bootstrap: []byte(`{"schemaVersion": 1, "flags": []}`)}, "bootstrap ruleset"},
		{"bootstrap for another tenant", provider.RemoteConfig{Client: base, Bootstrap: []byte(`{"schemaVersion": 1, "tenantId": "globex"}`)}, `tenant "globex"`},
		{"missing cache dir", provider.RemoteConfig{Client: base, CacheDir: "/no/such/dir"}, "CacheDir"},
		{"negative stale window", provider.RemoteConfig{Client: base, StaleAfter: -time.Second}, "RemoteConfig.StaleAfter is -1s"},
		{"stale window shorter than a poll", provider.RemoteConfig{Client: base, PollInterval: 10 * time.Second, StaleAfter: 10 * time.Second}, "use at least 11s"},
		{"both bootstraps", provider.RemoteConfig{Client: base, Bootstrap: []byte(`{"schemaVersion": 1}`), BootstrapFile: "x.json"}, "both Bootstrap and BootstrapFile"},
		{"missing bootstrap file", provider.RemoteConfig{Client: base, BootstrapFile: "/no/such/file.json"}, "RemoteConfig.BootstrapFile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := provider.NewRemoteSource(c.cfg)
			require.ErrorContains(t, err, c.want)
		})
	}
}
