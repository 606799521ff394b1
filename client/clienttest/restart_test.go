package clienttest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/internal/leakcheck"
)

// TestStopStart restarts a socket server: streams end, connections are
// refused while it is stopped, and after Start the same URL serves the
// same state, tokens issued before the restart included.
func TestStopStart(t *testing.T) {
	for _, opts := range []clienttest.Options{{}, {TLS: true}, {TLS: true, HTTP2: true}} {
		t.Run(fmt.Sprintf("tls=%v,http2=%v", opts.TLS, opts.HTTP2), func(t *testing.T) {
			srv := newServer(t, opts)
			url, roots := srv.URL, srv.RootCAs()
			srv.AddClient("svc", "secret", "acme")
			srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
			tok := fetchToken(t, srv, "svc", "secret", "acme")
			auth := []string{"Authorization", "Bearer " + tok.AccessToken, "X-Tenant-ID", "acme"}
			before := srv.Client()

			c := openStream(t, srv, "prod", auth...)
			c.event()
			srv.Stop()
			c.expectEnd()
			assert.Equal(t, 0, srv.OpenStreams())
			srv.Stop() // idempotent

			_, err := before.Get(url + clienttest.RulesetPath("prod"))
			require.Error(t, err, "a stopped server refuses connections")
			recorded := len(srv.Requests())

			require.NoError(t, srv.Start())
			require.NoError(t, srv.Start(), "Start on a running server does nothing")
			assert.Equal(t, url, srv.URL)
			assert.Equal(t, recorded, len(srv.Requests()), "the request log survives, refused requests are not in it")
			if opts.TLS {
				assert.True(t, roots.Equal(srv.RootCAs()), "the certificate is the same")
			}
			for _, hc := range []*http.Client{before, srv.Client()} {
				r := send(t, hc, http.MethodGet, url+clienttest.RulesetPath("prod"), nil, auth...)
				assert.Equal(t, http.StatusOK, r.Status, "the token issued before the restart is valid: %s", r.Body)
			}
			c2 := openStream(t, srv, "prod", auth...)
			assert.Equal(t, "1", c2.event().ID)
			srv.SetRuleset("acme", "prod", doc("acme", "prod", "2"))
			assert.Equal(t, "2", c2.event().ID, "pushes reach streams opened after the restart")
		})
	}
}

// TestStopCutsRequestsInFlight: a request held by a fault delay gets no
// answer, and Stop does not wait for the delay.
func TestStopCutsRequestsInFlight(t *testing.T) {
	srv := newServer(t, clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Delay: time.Hour, Count: 1})
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+clienttest.RulesetPath("prod"), nil)
		req.Header.Set("X-API-Key", "k")
		req.Header.Set("X-Tenant-ID", "acme")
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("answered %d", resp.StatusCode)
		}
		errc <- err
	}()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 5*time.Second, time.Millisecond)
	start := time.Now()
	srv.Stop()
	assert.Less(t, time.Since(start), 3*time.Second)
	err := <-errc
	assert.NotContains(t, err.Error(), "answered", "the delayed request is cut, not answered")
	assert.Equal(t, 0, srv.Requests()[0].Status)
}

func TestStartAfterCloseFails(t *testing.T) {
	srv := clienttest.New(clienttest.Options{})
	srv.Stop()
	srv.Close()
	srv.Stop() // does nothing
	assert.ErrorContains(t, srv.Start(), "closed")
}

// TestStopStartInMemory restarts an in-memory server in virtual time: a
// client is refused while it is stopped and reconnects after Start.
func TestStopStartInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := clienttest.New(clienttest.Options{InMemory: true})
		defer srv.Close()
		srv.AddAPIKey("api-key-in-memory", "acme")
		srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
		c, err := client.New(client.Config{
			BaseURL: srv.URL, TenantID: "acme", Environment: "prod",
			APIKey: "api-key-in-memory", DialContext: srv.Dial,
		})
		require.NoError(t, err)
		defer c.Close()
		ctx := context.Background()

		ended := make(chan error, 1)
		go func() {
			ended <- c.Stream(ctx, "", func(client.StreamEvent) error { return nil })
		}()
		require.NoError(t, srv.WaitOpenStreams(ctx, 1))
		srv.Stop()
		assert.Error(t, <-ended)
		_, err = c.FetchRuleset(ctx, "")
		require.ErrorContains(t, err, "refused")

		time.Sleep(5 * time.Second) // an outage, in virtual time
		require.NoError(t, srv.Start())
		rs, err := c.FetchRuleset(ctx, "")
		require.NoError(t, err)
		assert.NotEmpty(t, rs.Data)
	})
}

func TestStopStartLeavesNoGoroutine(t *testing.T) {
	leaks := leakcheck.Take(t)
	srv := clienttest.New(clienttest.Options{})
	srv.AddAPIKey("k", "acme")
	srv.SetRuleset("acme", "prod", doc("acme", "prod", "1"))
	for range 2 {
		get(t, srv, clienttest.RulesetPath("prod"), "X-API-Key", "k", "X-Tenant-ID", "acme")
		srv.Stop()
		require.NoError(t, srv.Start())
	}
	srv.Close()
	srv.Client().CloseIdleConnections()
	leaks.Check(t)
}
