// Package backoff computes retry delays: exponential growth with full
// jitter, and the Retry-After header.
package backoff

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff is exponential backoff with full jitter: the n-th delay is drawn
// uniformly from [0, min(Max, Base*2^n)). The zero value uses Base 1 s and
// Max 60 s. It is not safe for concurrent use.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
	// Rand returns a float in [0, 1); nil means math/rand/v2.
	Rand func() float64

	attempt int
}

// Next returns the next delay and advances the attempt count.
func (b *Backoff) Next() time.Duration {
	ceiling := b.Ceiling()
	b.attempt++
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return time.Duration(r() * float64(ceiling))
}

// Ceiling returns the upper bound of the next delay.
func (b *Backoff) Ceiling() time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = time.Second
	}
	if limit <= 0 {
		limit = time.Minute
	}
	d := base
	for i := 0; i < b.attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Reset starts again from the first attempt, after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// Attempts returns how many delays were handed out since the last Reset.
func (b *Backoff) Attempts() int { return b.attempt }

// RetryAfter parses a Retry-After header value, either delay-seconds or an
// HTTP date, relative to now. ok is false when the header is absent or
// malformed; negative delays become zero, and delays are capped at 24 h.
func RetryAfter(value string, now time.Time) (d time.Duration, ok bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, true
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
