package clienttest_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
)

// TestInMemoryServerInVirtualTime runs a client against an in-memory server
// inside a synctest bubble: a 20 s fault delay passes in virtual time, and
// the bubble ending proves no goroutine of either side was left behind.
func TestInMemoryServerInVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := clienttest.New(clienttest.Options{InMemory: true})
		defer srv.Close()
		srv.AddAPIKey("api-key-in-memory", "acme")
		srv.SetRuleset("acme", "prod", clienttest.BooleanRuleset("acme", "prod", "1", map[string]bool{"f": true}))
		srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Delay: 20 * time.Second, Count: 1})
		c, err := client.New(client.Config{
			BaseURL: srv.URL, TenantID: "acme", Environment: "prod",
			APIKey: "api-key-in-memory", DialContext: srv.Dial,
		})
		require.NoError(t, err)
		defer c.CloseIdleConnections()
		start := time.Now()
		rs, err := c.FetchRuleset(context.Background(), "")
		require.NoError(t, err)
		assert.Equal(t, 20*time.Second, time.Since(start), "the delay passed in virtual time")
		assert.NotEmpty(t, rs.Data)
		assert.Len(t, srv.Requests(), 1)
	})
}

func TestInMemoryServerRefusesAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := clienttest.New(clienttest.Options{InMemory: true})
		srv.Close()
		_, err := srv.Dial(context.Background(), "tcp", srv.URL)
		require.ErrorContains(t, err, "closed")
	})
}
