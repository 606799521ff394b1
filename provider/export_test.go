package provider

import "time"

// SetRemoteTiming shortens a RemoteSource's waits for tests, bypassing the
// 5 s polling minimum that protects the service in production.
func SetRemoteTiming(s *RemoteSource, poll, stale, backoffBase, backoffMax time.Duration) {
	s.timing.poll = poll
	s.timing.stale = stale
	s.timing.backoffBase = backoffBase
	s.timing.backoffMax = backoffMax
}
