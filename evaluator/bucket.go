package evaluator

import (
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
	return hashJoined(r.prefix, str, digits) % Buckets, ErrorNone
}
