package client

import "time"

// SetClock replaces the clock the client's token cache reads, so tests can
// move past a token's refresh point without sleeping.
func SetClock(c *Client, now func() time.Time) {
	if c.tokens != nil {
		c.tokens.now = now
	}
}
