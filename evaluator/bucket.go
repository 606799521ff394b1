package evaluator

import (
	"strconv"

	"github.com/cespare/xxhash/v2"
)

// BucketAlgorithm names the default bucketing algorithm of schema version
// 1. Any change to the algorithm is a new schema version.
const BucketAlgorithm = "xxh64-v1"

// BucketAlgorithmFlagd names the bucketing of flagd's fractional operator
// (see FlagdBucket), which a rollout chooses with its algorithm field so
// that contexts keep their variants when flags move from flagd.
const BucketAlgorithmFlagd = "murmur3-flagd"

// Buckets is the number of buckets: a rollout is split in 0.001 % steps.
const Buckets = 100000

// Bucket returns the xxh64-v1 hash and bucket for a seed and a bucketing
// value (a string, or an integer written in base 10):
//
//	h      = xxhash64(seed + "." + value)
//	bucket = h % 100000
//
// It is exported so other implementations can check themselves against the
// same known answers.
func Bucket(seed, value string) (hash uint64, bucket uint64) {
	h := hashJoined(seed+".", value, nil)
	return h, h % Buckets
}

// hashJoined returns xxhash64(prefix + s + digits) without allocating:
// the parts are joined in a stack buffer when they fit, and streamed
// through a Digest on the stack when they do not (a long targeting key or
// flag key). Both give the same hash.
func hashJoined(prefix, s string, digits []byte) uint64 {
	if len(prefix)+len(s)+len(digits) <= joinBuffer {
		var buf [joinBuffer]byte
		b := append(buf[:0], prefix...)
		b = append(b, s...)
		b = append(b, digits...)
		return xxhash.Sum64(b)
	}
	var d xxhash.Digest
	d.Reset()
	_, _ = d.WriteString(prefix)
	_, _ = d.WriteString(s)
	_, _ = d.Write(digits)
	return d.Sum64()
}

// joinBuffer is the stack buffer of hashJoined: enough for a flag key, a
// dot and a typical targeting key (a UUID, an email address).
const joinBuffer = 128

// rollout is a compiled Rollout.
type rollout struct {
	prefix   string // seed + "." (xxh64-v1), or seed (murmur3-flagd)
	bucketBy attrRef
	byKey    bool  // bucketBy is targetingKey
	flagd    bool  // algorithm murmur3-flagd
	variants []int // indexes into flag.variants
	// limits are what pick compares bucketOf's point with, one per
	// variant. xxh64-v1 serves the first i with bucket*total <
	// cumulative[i]*Buckets (bucket = h % Buckets): the point is
	// bucket*total, the limit cumulative[i]*Buckets. murmur3-flagd serves
	// the first i with (h*total)>>32 < cumulative[i]: the point is
	// (h*total)>>32, the limit cumulative[i]. h < 2^32 and total <= 2^32, so
	// no product overflows.
	limits []uint64
	total  uint64
}

// pick chooses the variant index for a point from bucketOf: the first i
// with point < limits[i]. All integer arithmetic.
func (r *rollout) pick(point uint64) int {
	for i, l := range r.limits {
		if point < l {
			return r.variants[i]
		}
	}
	return r.variants[len(r.variants)-1] // unreachable: point < limits[last]
}

// bucketOf hashes the bucketing attribute of ctx into the point pick
// places among the limits. It returns an error code when the attribute is
// missing or not a string or integer.
func (r *rollout) bucketOf(ctx map[string]any) (uint64, ErrorCode) {
	var v any
	var ok bool
	if r.bucketBy.ptr == nil { // lookup, in line for a top-level key: the call showed
		v, ok = ctx[r.bucketBy.key]
		ok = ok && v != nil
	} else {
		v, ok = r.bucketBy.lookup(ctx)
	}
	var str string
	var num [20]byte // the longest uint64 in base 10
	var digits []byte
	switch t := v.(type) {
	case string:
		if r.byKey && t == "" {
			ok = false
		}
		str = t
	case uint64:
		digits = strconv.AppendUint(num[:0], t, 10)
	case uint:
		digits = strconv.AppendUint(num[:0], uint64(t), 10)
	default:
		var n int64
		n, ok = wholeNumber(v)
		digits = strconv.AppendInt(num[:0], n, 10)
	}
	if !ok {
		if r.byKey {
			return 0, ErrorTargetingKeyMissing
		}
		return 0, ErrorInvalidContext
	}
	if r.flagd {
		return uint64(murmurJoined(r.prefix, str, digits)) * r.total >> 32, ErrorNone
	}
	return hashJoined(r.prefix, str, digits) % Buckets * r.total, ErrorNone
}

// cumulative returns the running sums of the weights (for Explain), which
// limits hold scaled by Buckets for xxh64-v1 and as they are for
// murmur3-flagd.
func (r *rollout) cumulative() []uint64 {
	out := make([]uint64, len(r.limits))
	for i, l := range r.limits {
		if r.flagd {
			out[i] = l
		} else {
			out[i] = l / Buckets
		}
	}
	return out
}
