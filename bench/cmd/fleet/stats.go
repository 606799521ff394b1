package main

import (
	"math"
	"slices"
	"time"
)

// summary is the distribution of a set of durations.
type summary struct {
	n             int
	p50, p99, max time.Duration
}

func summarize(ds []time.Duration) summary {
	s := slices.Clone(ds)
	slices.Sort(s)
	out := summary{n: len(s)}
	if len(s) == 0 {
		return out
	}
	out.p50, out.p99, out.max = percentile(s, 0.50), percentile(s, 0.99), s[len(s)-1]
	return out
}

// percentile returns the nearest-rank p-quantile (0 < p <= 1) of sorted:
// the smallest value with at least p of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// maxWindow returns the largest number of times that fall in any window
// [t, t+width), t anywhere (a sliding window, so no bin edge can split a
// burst), and the start of the first such window.
func maxWindow(times []time.Duration, width time.Duration) (count int, start time.Duration) {
	s := slices.Clone(times)
	slices.Sort(s)
	j := 0
	for i := range s {
		for s[i]-s[j] >= width {
			j++
		}
		if n := i - j + 1; n > count {
			count, start = n, s[j]
		}
	}
	return count, start
}

// bins counts times in consecutive bins of width over [0, span); times
// outside are ignored.
func bins(times []time.Duration, width, span time.Duration) []int {
	n := int((span + width - 1) / width)
	out := make([]int, n)
	for _, t := range times {
		if t >= 0 && t < span {
			out[int(t/width)]++
		}
	}
	return out
}

// perKey counts values per key and returns the mean over n keys (keys
// with no value count as 0) and the maximum.
func perKey(keys []string, n int) (mean float64, maxCount int) {
	counts := map[string]int{}
	for _, k := range keys {
		counts[k]++
		maxCount = max(maxCount, counts[k])
	}
	if n == 0 {
		return 0, maxCount
	}
	return float64(len(keys)) / float64(n), maxCount
}
