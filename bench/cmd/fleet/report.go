package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// SPEC section 7, "Fleet".
const (
	targetP99         = time.Second
	targetWindowShare = 0.20 // of the instances, in any 1 s window
	targetRequests    = 3    // per instance, in the first minute after a restart
)

var plotColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"}

// plotSpan is how much of the window after a restart the plot shows: up
// to a second past the last reconnection.
func plotSpan(res *results) time.Duration {
	span := time.Second
	for _, r := range res.restarts {
		for _, t := range r.streamOpens {
			span = max(span, t+time.Second)
		}
		span = min(span, r.observe)
	}
	return span.Truncate(time.Second) + time.Second
}

func reconnectPlot(res *results) plot {
	p := plot{
		title:    fmt.Sprintf("Stream reconnections per 100 ms after the flag service restarts (%d providers)", res.cfg.n),
		xLabel:   "seconds after the service is back",
		yLabel:   "reconnections per 100 ms",
		binWidth: 0.1,
	}
	span := plotSpan(res)
	for i, r := range res.restarts {
		var vs []float64
		for _, c := range bins(r.streamOpens, 100*time.Millisecond, span) {
			vs = append(vs, float64(c))
		}
		p.series = append(p.series, series{name: fmt.Sprintf("after a %v outage", r.outage), color: plotColors[i%len(plotColors)], values: vs})
	}
	p.hline = float64(res.cfg.n) * targetWindowShare / 10
	p.hlineLabel = "20 % of the fleet per second, as a 100 ms rate"
	return p
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

// worstChange is the change with the highest p99.
func worstChange(cs []change) (change, summary) {
	var w change
	var ws summary
	for _, c := range cs {
		if s := summarize(c.latencies); s.p99 >= ws.p99 {
			w, ws = c, s
		}
	}
	return w, ws
}

func report(res *results) string {
	cfg := res.cfg
	n := float64(cfg.n)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("## Fleet simulation\n\n")
	w("%d remote-source providers (`provider.NewRemoteSource`, streaming, OAuth2 client credentials) and the flag-service test double (`client/clienttest`) in one process on loopback TCP, %s, %s, %s. ",
		cfg.n, res.platform, res.goVersion, res.started.Format("2006-01-02 15:04 UTC"))
	w("Command: `cd bench/cmd/fleet && %s`. Each provider has its own tenant, so the double's request log says whose each request was; the ruleset has %d boolean flags (%d bytes). All %d providers were initialised (%d at a time) and streaming after %v. Load average (1, 5, 15 min) %s at the start, %s at the end: the machine is shared, and a busy neighbour delays what the double records.\n\n",
		strings.TrimSpace(cfg.command), cfg.flags+1, res.docBytes, cfg.n, cfg.parallel, res.initTime.Round(time.Millisecond), res.loadBefore, res.loadAfter)

	// Targets.
	w("| SPEC 7 target | measured | |\n|---|---|---|\n")
	all := append(slices.Clone(res.changes), res.afterRestart...)
	if len(all) > 0 {
		wc, ws := worstChange(all)
		w("| a ruleset change reaches all providers over the stream, p99 ≤ 1 s | worst p99 of %d changes: %s (%s, max %s) | %s |\n",
			len(all), ms(ws.p99), wc.version, ms(ws.max), verdict(ws.p99 <= targetP99 && wc.missing == 0))
	}
	for _, r := range res.restarts {
		count, _ := maxWindow(r.streamOpens, time.Second)
		share := float64(count) / n
		w("| restart (%v outage): no 1 s window holds more than 20 %% of the reconnections | %.1f %% (%d of %d) in the worst sliding 1 s window | %s |\n",
			r.outage, 100*share, count, cfg.n, verdict(share <= targetWindowShare))
		mean, mx := meanMax(r.perInstance)
		v := verdict(mx <= targetRequests)
		if r.observe < time.Minute {
			v = "not checked: window shorter than a minute"
		}
		w("| restart (%v outage): the first minute costs ≤ 3 requests per instance | %.2f on average, at most %d (requests the service received over %v from its return) | %s |\n",
			r.outage, mean, mx, r.observe, v)
	}
	w("\n")

	// Propagation.
	if len(all) > 0 {
		w("**Change propagation.** Latency from a tenant's `SetRuleset` on the double to its provider's `PROVIDER_CONFIGURATION_CHANGED` event (sent right after the new ruleset is swapped in; one idle reader per provider, nothing polls). \"All\" is from the first publish to the last provider; publishing to the %d tenants one after another takes the time in the last column.\n\n", cfg.n)
		w("| change | p50 | p99 | max | all reached | missing | publish loop |\n|---|---|---|---|---|---|---|\n")
		for i, c := range all {
			s := summarize(c.latencies)
			label := c.version
			if i >= len(res.changes) {
				label += " (after a restart)"
			}
			w("| %s | %s | %s | %s | %s | %d | %s |\n", label, ms(s.p50), ms(s.p99), ms(s.max), ms(c.all), c.missing, ms(c.publish))
		}
		w("\n")
	}

	// Restarts.
	if len(res.restarts) > 0 {
		w("**Service restart.** `Server.Stop` ends every stream, refuses connections for the outage, then `Server.Start` serves again on the same address with the same state (%s). Reconnections are the stream requests the service answered 200, from its return; requests are token, ruleset and stream requests (event uploads excluded: no flag is evaluated, so there are none). Connection attempts are counted by each provider's dialer from the moment the service went down, refused ones included. %s\n\n", tokenState(cfg), retryState(cfg))
		w("| outage | reconnections | worst 1 s window | worst 100 ms window | all streams open after | requests per instance, mean / max | instances with 0 / 1 / 2 / 3 / >3 | token requests | connection attempts per instance, mean / max |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range res.restarts {
			c1, s1 := maxWindow(r.streamOpens, time.Second)
			c100, _ := maxWindow(r.streamOpens, 100*time.Millisecond)
			mean, mx := meanMax(r.perInstance)
			am, ax := meanMax(r.attempts)
			open := r.reconnected.Round(time.Millisecond).String()
			if r.reconnectErr != nil {
				open = "never (" + r.reconnectErr.Error() + ")"
			}
			w("| %v | %d | %.1f %% (from %.1f s) | %.1f %% | %s | %.2f / %d | %s | %d | %.2f / %d |\n",
				r.outage, len(r.streamOpens), 100*float64(c1)/n, s1.Seconds(), 100*float64(c100)/n, open, mean, mx, histogram(r.perInstance), r.tokenRequests, am, ax)
		}
		w("\n")
		for _, r := range res.restarts {
			secs := bins(r.streamOpens, time.Second, min(r.observe, plotSpan(res)))
			for len(secs) > 0 && secs[len(secs)-1] == 0 {
				secs = secs[:len(secs)-1]
			}
			var parts []string
			for _, c := range secs {
				parts = append(parts, fmt.Sprint(c))
			}
			w("Reconnections in each second after the %v outage (of %d): %s.\n\n", r.outage, cfg.n, strings.Join(parts, " · "))
		}
		w("![reconnections per 100 ms after a restart](%s)\n\n", filepath.Base(cfg.svg))
		missed := false
		for _, r := range res.restarts {
			c, _ := maxWindow(r.streamOpens, time.Second)
			missed = missed || float64(c)/n > targetWindowShare
		}
		if missed && cfg.streamRetry > 0 {
			w("The spread target is missed although the service paces reconnections over %v: each provider draws its reconnection uniformly over that time, so a second holding more than about 12 %% of the fleet means the process could not run when its timers fired (a busy machine; the per-second counts above then show stalls followed by bursts). On 2026-12-06 a run beside two fuzzers read 42.4 %% after an instant restart; the same run on a quieter machine 8.7 %%.\n\n", cfg.streamRetry)
		} else if missed {
			w("Why the spread target is missed: each stream reconnects on its own backoff, full jitter from 1 s doubling to 60 s (SPEC 3), so the first reconnection after a drop is drawn from [0, 1 s) and the next ones from [0, 2 s), [0, 4 s) …; when the service returns after a short outage, the fleet's next attempts fall within the few seconds of the step it has reached. It is the schedule, not CPU: the process is mostly idle during the restart. `bench/history.md` (2026-12-06) has the analysis and a measured alternative.\n\n")
		}
	}

	// Resources.
	d := func(a, b uint64) float64 { return float64(int64(a) - int64(b)) }
	heap := d(res.after.heapAlloc, res.before.heapAlloc)
	server := res.after.serverHeap - res.before.serverHeap
	w("**Per instance**, once all were synced (after `runtime.GC`, less the process before the providers started, divided by %d):\n\n", cfg.n)
	w("| measure | per instance |\n|---|---|\n")
	w("| token requests over the whole run (mean / max) | %.2f / %d |\n", res.tokenMean, res.tokenMax)
	w("| live heap, providers and the double's connections | %s |\n", kib(heap/n))
	w("| of which the double's side (heap profile, sampled at 32 KiB) | %s |\n", kib(server/n))
	w("| so the provider's side | %s |\n", kib((heap-server)/n))
	w("| heap in use (spans, `HeapInuse`) | %s |\n", kib(d(res.after.heapInuse, res.before.heapInuse)/n))
	w("| goroutine stacks (`StackInuse`) | %s |\n", kib(d(res.after.stack, res.before.stack)/n))
	w("| goroutines of the provider and its HTTP client | %.2f |\n", float64(res.after.gOther-res.before.gOther)/n)
	w("| goroutines of the double (net/http server) | %.2f |\n", float64(res.after.gServer-res.before.gServer)/n)
	w("| open file descriptors, both ends of the connections | %.2f |\n", float64(res.after.fds-res.before.fds)/n)
	if res.after.rss > 0 && res.before.rss > 0 {
		w("| resident memory of the process | %s |\n", kib(float64(res.after.rss-res.before.rss)/n))
	}
	w("\nThe goroutines of the event readers this program adds (%d) are not counted.\n", res.after.gHarness-res.before.gHarness)
	return b.String()
}

func tokenState(cfg config) string {
	if cfg.expireTokens {
		return "but every token it issued has expired: `-expire-tokens`"
	}
	return "tokens included"
}

func meanMax(xs []int) (float64, int) {
	if len(xs) == 0 {
		return 0, 0
	}
	sum, mx := 0, 0
	for _, x := range xs {
		sum += x
		mx = max(mx, x)
	}
	return float64(sum) / float64(len(xs)), mx
}

// histogram renders how many values are 0, 1, 2, 3 and more.
func histogram(xs []int) string {
	var h [5]int
	for _, x := range xs {
		h[min(x, 4)]++
	}
	return fmt.Sprintf("%d / %d / %d / %d / %d", h[0], h[1], h[2], h[3], h[4])
}

// retryState says whether the double set a reconnection time.
func retryState(cfg config) string {
	if cfg.streamRetry <= 0 {
		return "The service sets no reconnection time (`-stream-retry 0`): each stream open 30 s starts its backoff again from the first step (SPEC 3.1), so an instant restart brings the whole fleet back within a second."
	}
	return fmt.Sprintf("The service sets a reconnection time of %v on its streams (the SSE `retry` field, `-stream-retry`; `clienttest.Options.StreamRetry`): each provider spreads its reconnections over at least that long. Without one (`-stream-retry 0`) SPEC 3.1's reset brings the fleet back within a second of an instant restart (100 %% in one second; 24.6 %% after a 5 s outage, bench/history.md).", cfg.streamRetry)
}
