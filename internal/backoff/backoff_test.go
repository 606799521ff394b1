package backoff

import (
	"net/http"
	"testing"
	"time"
)

func TestCeilingDoublesToMax(t *testing.T) {
	b := Backoff{Rand: func() float64 { return 0.999999 }}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60}
	for i, w := range want {
		if got := b.Ceiling(); got != w*time.Second {
			t.Errorf("attempt %d: Ceiling() = %v, want %v", i, got, w*time.Second)
		}
		if got := b.Next(); got < (w*time.Second)*99/100 || got >= w*time.Second {
			t.Errorf("attempt %d: Next() = %v, want just under %v", i, got, w*time.Second)
		}
	}
	b.Reset()
	if got := b.Ceiling(); got != time.Second {
		t.Errorf("after Reset: Ceiling() = %v, want 1s", got)
	}
}

func TestFullJitterSpansTheRange(t *testing.T) {
	var b Backoff
	b.attempt = 3 // ceiling 8 s
	lo, hi := time.Hour, time.Duration(0)
	for range 2000 {
		b.attempt = 3
		d := b.Next()
		if d < 0 || d >= 8*time.Second {
			t.Fatalf("Next() = %v, want in [0, 8s)", d)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo > time.Second || hi < 7*time.Second {
		t.Errorf("2000 draws span [%v, %v]; full jitter should cover most of [0, 8s)", lo, hi)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in     string
		want   time.Duration
		ok     bool
		capped bool
	}{
		{"", 0, false, false},
		{"7", 7 * time.Second, true, false},
		{" 0 ", 0, true, false},
		{"-3", 0, true, false},
		{"300", 5 * time.Minute, true, false},
		{"301", MaxRetryAfter, true, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true, false},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true, false},
		{now.Add(6 * time.Hour).Format(http.TimeFormat), MaxRetryAfter, true, true},
		{"soon", 0, false, false},
		{"99999999999", MaxRetryAfter, true, true},
		{"99999999999999999999999", MaxRetryAfter, true, true},
	}
	for _, c := range cases {
		got, ok, capped := ParseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok || capped != c.capped {
			t.Errorf("ParseRetryAfter(%q) = %v, %v, %v; want %v, %v, %v", c.in, got, ok, capped, c.want, c.ok, c.capped)
		}
		if d, ok := RetryAfter(c.in, now); d != c.want || ok != c.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", c.in, d, ok, c.want, c.ok)
		}
	}
}
