package provider

// FixRemoteRandom makes a RemoteSource's jitter deterministic: every draw
// in [0, 1) returns f, so backoff delays are half their ceiling, polls come
// exactly one interval apart and the first poll offset is f intervals.
func FixRemoteRandom(s *RemoteSource, f float64) {
	s.timing.rand = func() float64 { return f }
}
