package provider_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/provider"
)

// events reads a provider's event channel directly, so tests see events
// in the exact order the provider emitted them. (The OpenFeature SDK runs
// handlers in goroutines, which may reorder them.)
type events struct {
	ch <-chan openfeature.Event
}

func eventsOf(p *provider.Provider) *events { return &events{ch: p.EventChannel()} }

// next waits for the next event, which must be of type want.
func (e *events) next(t *testing.T, want openfeature.EventType) openfeature.Event {
	t.Helper()
	select {
	case ev := <-e.ch:
		require.Equal(t, want, ev.EventType, "event %+v", ev)
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s event within 5s", want)
	}
	return openfeature.Event{}
}

// none checks that no event is waiting. The provider emits an event
// before the sink call that caused it returns, so after a synchronous
// source's call (flagtest's) there is nothing to wait for; for a source
// with goroutines of its own, call none inside a synctest bubble after
// synctest.Wait.
func (e *events) none(t *testing.T) {
	t.Helper()
	select {
	case ev := <-e.ch:
		t.Fatalf("unexpected %s event %+v", ev.EventType, ev)
	default:
	}
}

// initDirect initialises p without an OpenFeature API and shuts it down
// when the test ends.
func initDirect(t *testing.T, p *provider.Provider) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, p.InitWithContext(ctx, openfeature.EvaluationContext{}))
	t.Cleanup(p.Shutdown)
}

// setup registers p with a fresh isolated OpenFeature API, waits until it is
// ready, and returns a client. The API is shut down when the test ends.
func setup(t *testing.T, p *provider.Provider) *openfeature.Client {
	t.Helper()
	api := isolated.NewAPI()
	require.NoError(t, api.SetProviderAndWait(context.Background(), p))
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
	return api.NewClient()
}

// lockedWriter is a buffer that a logger may write while a test reads it.
type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
