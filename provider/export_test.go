package provider

import (
	"context"
	"time"
)

// SetRemoteTiming shortens a RemoteSource's waits for tests, bypassing the
// 5 s polling minimum that protects the service in production.
func SetRemoteTiming(s *RemoteSource, poll, stale, backoffBase, backoffMax time.Duration) {
	s.timing.poll = poll
	s.timing.stale = stale
	s.timing.backoffBase = backoffBase
	s.timing.backoffMax = backoffMax
}

// FlushTelemetry sends what p's telemetry holds now, as a periodic flush
// would, so that a benchmark can empty the queue between timed rounds.
func FlushTelemetry(p *Provider) {
	if p.telemetry != nil {
		_ = p.telemetry.flush(context.Background())
	}
}
