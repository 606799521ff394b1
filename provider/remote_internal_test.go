package provider

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/evaluator"
	"github.com/switchyardhq/switchyard/signing"
)

// recordingSink keeps the versions a source delivered.
type recordingSink struct{ versions []string }

func (s *recordingSink) Update(ev *evaluator.Evaluator) {
	s.versions = append(s.versions, ev.Version())
}
func (s *recordingSink) Healthy()                   {}
func (s *recordingSink) Stale(error)                {}
func (s *recordingSink) Error(error)                {}
func (s *recordingSink) Fatal(error)                {}
func (s *recordingSink) FailInit(error)             {}
func (s *recordingSink) Logger() *slog.Logger       { return slog.New(slog.DiscardHandler) }
func (s *recordingSink) TrustedKeys() *signing.Keys { return nil }

// TestApplyKeepsOrder checks the sequence rule on its own, without the
// cancellation of the poll in flight that usually makes it moot: a
// document from a request that began before the served one's is dropped.
func TestApplyKeepsOrder(t *testing.T) {
	src, err := NewRemoteSource(RemoteConfig{Client: client.Config{
		BaseURL: "https://flags.example.com", TenantID: "acme", Environment: "production", APIKey: "api-key-value",
	}})
	require.NoError(t, err)
	sink := &recordingSink{}
	r := &remoteRun{s: src, sink: sink, log: sink.Logger()}
	doc := func(v string) []byte {
		return fmt.Appendf(nil, `{"schemaVersion": 1, "tenantId": "acme", "environment": "production", "version": %q, "flags": {}}`, v)
	}
	require.NoError(t, r.apply(doc("3"), origin{seq: 5, stream: true, id: "3"}))
	err = r.apply(doc("2"), origin{seq: 4, etag: `"e2"`})
	assert.True(t, errors.Is(err, errSuperseded), "a poll that began before the stream event: %v", err)
	require.NoError(t, r.apply(doc("4"), origin{seq: 6, etag: `"e4"`}))
	assert.Equal(t, []string{"3", "4"}, sink.versions)
	assert.Equal(t, `"e4"`, r.etag)
	assert.Equal(t, "4", r.lastEventID, "after a GET, Last-Event-ID is the document's version")
}
