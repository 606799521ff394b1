package evaluator

import (
	"math"
	"strconv"

	"github.com/cespare/xxhash/v2"
)

// BucketAlgorithm names the bucketing algorithm of schema version 1. Any
// change to the algorithm is a new schema version.
const BucketAlgorithm = "xxh64-v1"

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
	var buf [128]byte
	b := append(buf[:0], seed...)
	b = append(b, '.')
	b = append(b, value...)
	h := xxhash.Sum64(b)
	return h, h % Buckets
}

// rollout is a compiled Rollout.
type rollout struct {
	prefix     string // seed + "."
	bucketBy   attrRef
	byKey      bool     // bucketBy is targetingKey
	variants   []int    // indexes into flag.variants
	cumulative []uint64 // running sums of the weights
	total      uint64
}

// pick chooses the variant index for a bucket: the first i with
// bucket*total < cumulative[i]*Buckets. All integer arithmetic.
func (r *rollout) pick(bucket uint64) int {
	for i, c := range r.cumulative {
		if bucket*r.total < c*Buckets {
			return r.variants[i]
		}
	}
	return r.variants[len(r.variants)-1] // unreachable: cumulative[last] == total
}

// bucketOf hashes the bucketing attribute of ctx. It returns an error code
// when the attribute is missing or not a string or integer.
func (r *rollout) bucketOf(ctx map[string]any) (uint64, ErrorCode) {
	v, ok := r.bucketBy.lookup(ctx)
	var buf [128]byte
	b := append(buf[:0], r.prefix...)
	switch t := v.(type) {
	case string:
		if r.byKey && t == "" {
			ok = false
		}
		b = append(b, t...)
	case uint64:
		b = strconv.AppendUint(b, t, 10)
	case uint:
		b = strconv.AppendUint(b, uint64(t), 10)
	default:
		var n int64
		n, ok = wholeNumber(v)
		b = strconv.AppendInt(b, n, 10)
	}
	if !ok {
		if r.byKey {
			return 0, ErrorTargetingKeyMissing
		}
		return 0, ErrorInvalidContext
	}
	return xxhash.Sum64(b) % Buckets, ErrorNone
}

// wholeNumber accepts integers of any Go type, json.Number integers, and
// floats that are whole and exactly representable (|f| ≤ 2^53); larger
// floats are not exact integers and are rejected.
func wholeNumber(v any) (int64, bool) {
	n, ok := toNumber(v)
	switch {
	case !ok:
		return 0, false
	case n.isInt && !n.isUint:
		return n.i, true
	case n.f == math.Trunc(n.f) && math.Abs(n.f) <= 1<<53:
		return int64(n.f), true
	}
	return 0, false
}
