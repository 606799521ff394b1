package evaluator

import "math/bits"

// MurmurHash3 x86_32 with seed 0, the hash of flagd's fractional operator,
// for rollouts with algorithm murmur3-flagd. It is written here from the
// published algorithm (Austin Appleby's MurmurHash3, public domain) and
// checked against known answers in testdata/murmur3_flagd_vectors.json.

const (
	murmurC1 = 0xcc9e2d51
	murmurC2 = 0x1b873593
)

// murmur3 hashes its input in parts, so that seed and value are hashed as
// one string without being joined, and without allocating.
type murmur3 struct {
	h    uint32
	n    int     // bytes written
	tail [4]byte // a partial block
	nt   int     // bytes in tail
}

func murmurBlock(h, k uint32) uint32 {
	k *= murmurC1
	k = bits.RotateLeft32(k, 15)
	k *= murmurC2
	h ^= k
	h = bits.RotateLeft32(h, 13)
	return h*5 + 0xe6546b64
}

func murmurWrite[T string | []byte](m *murmur3, p T) {
	m.n += len(p)
	i := 0
	for m.nt > 0 && m.nt < 4 && i < len(p) { // complete a partial block
		m.tail[m.nt] = p[i]
		m.nt++
		i++
	}
	if m.nt == 4 {
		m.h = murmurBlock(m.h, uint32(m.tail[0])|uint32(m.tail[1])<<8|uint32(m.tail[2])<<16|uint32(m.tail[3])<<24)
		m.nt = 0
	}
	for ; i+4 <= len(p); i += 4 {
		m.h = murmurBlock(m.h, uint32(p[i])|uint32(p[i+1])<<8|uint32(p[i+2])<<16|uint32(p[i+3])<<24)
	}
	for ; i < len(p); i++ {
		m.tail[m.nt] = p[i]
		m.nt++
	}
}

func (m *murmur3) sum() uint32 {
	h := m.h
	if m.nt > 0 {
		var k uint32
		for i := m.nt - 1; i >= 0; i-- {
			k = k<<8 | uint32(m.tail[i])
		}
		k *= murmurC1
		k = bits.RotateLeft32(k, 15)
		k *= murmurC2
		h ^= k
	}
	h ^= uint32(m.n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// murmurJoined returns MurmurHash3_x86_32(prefix + s + digits) without
// joining the parts.
func murmurJoined(prefix, s string, digits []byte) uint32 {
	var m murmur3
	murmurWrite(&m, prefix)
	murmurWrite(&m, s)
	murmurWrite(&m, digits)
	return m.sum()
}

// FlagdBucket returns the murmur3-flagd hash of a seed and a bucketing
// value (a string, or an integer written in base 10), and the bucket it
// falls in for a rollout whose weights add up to total:
//
//	h      = MurmurHash3_x86_32(seed + value, seed 0)
//	bucket = (h * total) >> 32      // 0 .. total-1
//
// The first variant whose cumulative weight exceeds the bucket is served,
// as flagd's fractional operator (v2) chooses. total must be at most 2^32,
// as a valid rollout's is. Exported so other implementations can check
// themselves against the same known answers.
func FlagdBucket(seed, value string, total uint64) (hash uint32, bucket uint64) {
	h := murmurJoined(seed, value, nil)
	return h, uint64(h) * total >> 32
}
