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

// MaxRetryAfter is the longest wait a Retry-After header can impose: a
// service (or a proxy in front of it) asking for more would park the SDK
// for hours.
const MaxRetryAfter = 5 * time.Minute

// RetryAfter is ParseRetryAfter without the capped report.
func RetryAfter(value string, now time.Time) (d time.Duration, ok bool) {
	d, ok, _ = ParseRetryAfter(value, now)
	return d, ok
}

// ParseRetryAfter parses a Retry-After header value, either delay-seconds
// or an HTTP date, relative to now. ok is false when the header is absent
// or malformed; negative delays and dates in the past become zero. capped
// reports that the value asked for more than MaxRetryAfter, which is
// returned instead.
func ParseRetryAfter(value string, now time.Time) (d time.Duration, ok, capped bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false, false
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, true, false
		}
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true, true
		}
		return time.Duration(secs) * time.Second, true, false
	} else if isDigits(value) { // too large for int64
		return MaxRetryAfter, true, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false, false
	}
	d = max(t.Sub(now), 0)
	if d > MaxRetryAfter {
		return MaxRetryAfter, true, true
	}
	return d, true, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
