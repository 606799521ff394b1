package provider

import "context"

// FixRemoteRandom makes a RemoteSource's jitter deterministic: every draw
// in [0, 1) returns f, so backoff delays are half their ceiling, polls come
// exactly one interval apart and the first poll offset is f intervals.
func FixRemoteRandom(s *RemoteSource, f float64) {
	s.timing.rand = func() float64 { return f }
}

// FlushTelemetry sends what p's telemetry holds now, as a periodic flush
// would, so that a benchmark can empty the queue between timed rounds.
func FlushTelemetry(p *Provider) {
	if p.telemetry != nil {
		_ = p.telemetry.flush(context.Background())
	}
}
