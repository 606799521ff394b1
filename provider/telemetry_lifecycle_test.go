package provider_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// faultySink is an exporter whose behaviour the test switches while a flood
// runs: healthy, slow (2.5 s per batch), failing with a status, or hanging
// until the flush gives up. It records only the batches it accepts.
type faultySink struct {
	mu       sync.Mutex
	mode     string // "healthy", "slow", "status", "hang"
	status   int
	accepted []map[string]any
	calls    int
}

func (s *faultySink) set(mode string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode, s.status = mode, status
}

func (s *faultySink) Export(ctx context.Context, data []byte, _ string) error {
	s.mu.Lock()
	mode, status := s.mode, s.status
	s.calls++
	s.mu.Unlock()
	switch mode {
	case "slow":
		select {
		case <-time.After(2500 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	case "status":
		return &client.StatusError{Op: "post events", StatusCode: status}
	case "hang":
		<-ctx.Done()
		return ctx.Err()
	}
	var doc struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	s.mu.Lock()
	s.accepted = append(s.accepted, doc.Events...)
	s.mu.Unlock()
	return nil
}

// tally counts what the exporter accepted: track events, the dropped
// counts reported, and the evaluations summed in summaries.
func (s *faultySink) tally() (tracks, dropped, evaluations int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.accepted {
		switch ev["kind"] {
		case "track":
			tracks++
		case "summary":
			if d, ok := ev["droppedEvents"].(float64); ok {
				dropped += int(d)
			}
			flags, _ := ev["flags"].(map[string]any)
			for _, fs := range flags {
				for _, c := range fs.(map[string]any)["counters"].([]any) {
					evaluations += int(c.(map[string]any)["count"].(float64))
				}
			}
		}
	}
	return tracks, dropped, evaluations
}

// lost reads the counts Shutdown logged as undeliverable.
func lost(t *testing.T, logs string) (events, evaluations int) {
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		if strings.Contains(line["msg"].(string), "not delivered by shutdown") {
			events += int(line["events"].(float64))
			evaluations += int(line["summarizedEvaluations"].(float64))
		}
	}
	return events, evaluations
}

// TestTelemetryAccountingInvariant floods a small queue while the exporter
// misbehaves: every event produced is delivered, or counted in an
// accepted summary's droppedEvents, or logged as lost at Shutdown; every
// evaluation is in an accepted summary or logged as lost.
func TestTelemetryAccountingInvariant(t *testing.T) {
	faults := []struct {
		name   string
		mode   string
		status int
	}{
		{"healthy", "healthy", 0},
		{"slow", "slow", 0},
		{"5xx", "status", 503},
		{"413", "status", 413},
		{"timing out", "hang", 0},
	}
	for _, f := range faults {
		for _, recovers := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/recovers=%v", f.name, recovers), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					sink := &faultySink{}
					sink.set(f.mode, f.status)
					logs := &lockedWriter{}
					p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{
						Exporter: sink, QueueSize: 256, FlushInterval: 10 * time.Second,
					}, logs)
					ec := openfeature.NewEvaluationContext("user-1", map[string]any{"email": "ana@acme.com"})
					flat := openfeature.FlattenedContext{"targetingKey": "user-1"}
					const seconds, perSecond = 40, 500
					for s := range seconds {
						for range perSecond {
							p.Track(context.Background(), "clicked", ec, openfeature.NewTrackingEventDetails(1))
						}
						for range 25 {
							p.BooleanEvaluation(context.Background(), "plain", false, flat)
						}
						if s == 25 && recovers {
							sink.set("healthy", 0)
						}
						time.Sleep(time.Second)
					}
					time.Sleep(time.Minute)
					ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
					defer cancel()
					_ = p.ShutdownWithContext(ctx)

					tracks, dropped, evaluations := sink.tally()
					lostEvents, lostEvaluations := lost(t, logs.String())
					assert.Equal(t, seconds*perSecond, tracks+dropped+lostEvents,
						"produced = delivered %d + reported dropped %d + logged lost %d", tracks, dropped, lostEvents)
					assert.Equal(t, seconds*25, evaluations+lostEvaluations,
						"evaluations = summarised %d + logged lost %d", evaluations, lostEvaluations)
					if recovers {
						assert.Zero(t, lostEvents+lostEvaluations, "a recovered exporter gets every count")
					}
					if f.mode == "healthy" {
						assert.Greater(t, tracks, 256, "a healthy exporter gets more than one queue's worth")
					}
				})
			})
		}
	}
}

// Item 6: Shutdown cancels a periodic flush in flight, then does the final
// flush, all within its deadline.
func TestShutdownCancelsAPeriodicFlushInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &faultySink{}
		sink.set("hang", 0)
		p := telemetryProvider(t, telemetryFlags(t), provider.TelemetryConfig{Exporter: sink, FlushInterval: 10 * time.Second}, nil)
		p.Track(context.Background(), "clicked", openfeature.NewEvaluationContext("u", nil), openfeature.NewTrackingEventDetails(1))
		time.Sleep(11 * time.Second) // the periodic flush at 10 s hangs
		synctest.Wait()
		require.Equal(t, 1, sink.calls)
		sink.set("healthy", 0)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		require.NoError(t, p.ShutdownWithContext(ctx))
		assert.Zero(t, time.Since(start), "the hung flush was cancelled at once")
		tracks, dropped, _ := sink.tally()
		assert.Equal(t, 1, tracks+dropped, "the final flush accounts for the event the cancelled flush held")
		assert.Equal(t, 2, sink.calls, "the final flush ran")
		synctest.Wait()
		assert.Empty(t, bubbleLeaks())
	})
}

// An expired context does not make Shutdown claim that a source that has
// stopped is still running (both are ready when Shutdown looks).
func TestShutdownWithExpiredContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for range 50 {
			td := flagtest.New()
			td.SetFatal(errors.New("credentials revoked"))
			p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			require.Error(t, p.InitWithContext(context.Background(), openfeature.EvaluationContext{}))
			synctest.Wait() // the fatal Init stopped the source; its Run has returned
			require.NoError(t, p.ShutdownWithContext(ctx))
		}
	})
}

// Item 7: a fatal Init stops the telemetry loop too.
func TestFatalInitStopsTelemetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		td := flagtest.New()
		td.SetFatal(errors.New("credentials revoked"))
		p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler),
			Telemetry: provider.TelemetryConfig{Exporter: &faultySink{}}})
		require.NoError(t, err)
		var initErr *openfeature.ProviderInitError
		require.ErrorAs(t, p.InitWithContext(context.Background(), openfeature.EvaluationContext{}), &initErr)
		synctest.Wait()
		assert.Empty(t, bubbleLeaks(), "nothing runs after a fatal Init")
		p.Shutdown()
	})
}

// The final flush of a remote provider opens a connection after the
// source's run closed its idle ones; Shutdown closes that one too.
func TestRemoteShutdownAfterFinalFlushLeavesNoConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := clienttest.New(clienttest.Options{InMemory: true})
		defer srv.Close()
		srv.AddClient("svc", secret, tenant)
		srv.SetRuleset(tenant, env, remoteDoc("1", "red"))
		src, err := provider.NewRemoteSource(provider.RemoteConfig{DisableStreaming: true, Client: client.Config{
			BaseURL: srv.URL, TenantID: tenant, Environment: env, ClientID: "svc", ClientSecret: secret, DialContext: srv.Dial,
		}})
		require.NoError(t, err)
		p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		require.NoError(t, p.InitWithContext(context.Background(), openfeature.EvaluationContext{}))
		p.Track(context.Background(), "clicked", openfeature.NewEvaluationContext("u", nil), openfeature.NewTrackingEventDetails(1))
		require.NoError(t, p.ShutdownWithContext(context.Background()))
		synctest.Wait()
		assert.Empty(t, bubbleLeaks())
		assert.Len(t, srv.Events(tenant), 1, "the track event was uploaded at Shutdown")
	})
}
