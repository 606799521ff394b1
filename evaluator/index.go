package evaluator

import (
	"math/bits"
	"math/rand/v2"
	"slices"
)

// The lookups on the evaluation path (flag by key, targeting key in a
// segment or in individual targets, a string in a long `in` list) go
// through immutable hash tables built once at Compile and read
// concurrently. They exist because the flag lookup was most of the cost of
// evaluating a static flag: a Go map lookup calls the runtime to hash and
// to compare keys, while flagIndex.get does both in line.
//
// Both tables use linear probing at a load factor of at most one half,
// with a random seed per table so that no ruleset collides the same way in
// every process. A table whose longest probe sequence is still long after
// a few seeds is grown instead, so lookups stay bounded for any key set.
// Slots are small (a pointer, or a 32-bit position) so that a table costs
// about what a Go map of the same keys costs.

// maxProbe bounds the probe sequence of any key present in a table; a
// build that exceeds it retries with another seed or a larger table.
const maxProbe = 32

// tableSize returns the slot count for n keys: a power of two, at least 2n.
func tableSize(n int) int {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return size
}

// build calls place with growing tables and fresh seeds until it succeeds.
func build(n int, place func(size int, seed uint64) bool) {
	size := tableSize(n)
	for attempt := 1; !place(size, rand.Uint64()); attempt++ {
		if attempt%4 == 0 {
			size <<= 1
		}
	}
}

// flagIndex finds a compiled flag by key.
type flagIndex struct {
	slots []*flag
	mask  uint64
	seed  uint64
}

func newFlagIndex(flags []*flag) flagIndex {
	var x flagIndex
	if len(flags) == 0 {
		return x
	}
	build(len(flags), func(size int, seed uint64) bool {
		x = flagIndex{slots: make([]*flag, size), mask: uint64(size - 1), seed: seed}
		for _, f := range flags {
			h := hashString(f.key, seed) & x.mask
			for probe := 0; x.slots[h] != nil; probe++ {
				if probe == maxProbe {
					return false
				}
				h = (h + 1) & x.mask
			}
			x.slots[h] = f
		}
		return true
	})
	return x
}

// get returns the flag with key, or nil.
func (x *flagIndex) get(key string) *flag {
	// hashString(key, x.seed), written out: it is too large for the
	// inliner, and the call was a tenth of the static-flag benchmark.
	// TestIndexFindsEveryKey fails if the two ever disagree.
	n := len(key)
	h := x.seed ^ uint64(n)*mulA
	i := 0
	for ; n-i >= 8; i += 8 {
		h = bits.RotateLeft64((h^load64(key, i))*mulB, 29)
	}
	switch r := n - i; {
	case r >= 4:
		h = (h ^ (load32(key, i) | load32(key, n-4)<<32)) * mulB
	case r > 0:
		h = (h ^ (uint64(key[i]) | uint64(key[i+r>>1])<<8 | uint64(key[n-1])<<16)) * mulB
	}
	h ^= h >> 32
	h *= mulA
	h ^= h >> 29
	for {
		h &= x.mask
		if h >= uint64(len(x.slots)) { // an empty index; also drops the bounds check
			return nil
		}
		f := x.slots[h]
		if f == nil {
			return nil
		}
		// f.key == key, with keys of 4 to 16 bytes compared as two
		// overlapping words in line: == calls the runtime, and that call
		// was a tenth of the static-flag benchmark. (As a helper function
		// this is too large to be inlined, which loses the gain.)
		if k, n := f.key, len(key); len(k) == n {
			switch {
			case n >= 8 && n <= 16:
				if load64(k, 0) == load64(key, 0) && load64(k, n-8) == load64(key, n-8) {
					return f
				}
			case n >= 4 && n < 8:
				if load32(k, 0) == load32(key, 0) && load32(k, n-4) == load32(key, n-4) {
					return f
				}
			case k == key:
				return f
			}
		}
		h++
	}
}

// stringIndex finds a string's position in a list of distinct strings.
// Each slot holds 0 (empty) or 1 + a position in keys: one byte for lists
// of up to 254 strings (nearly every `in` list, and a ruleset holds
// thousands of them), 32 bits for longer lists, where probes are what
// matters (a byte-width switch in the probe loop cost the 100 000-key
// segment probe 10 %).
type stringIndex struct {
	keys  []string
	small []uint8  // lists of up to maxSmall keys
	slots []uint32 // longer lists
	mask  uint64
	seed  uint64
	// filter has, for lists with one-byte slots, bit h>>57 set for the
	// hash h of each key: a value it rules out is not looked for in the
	// table. At half full a value not listed finds its first slot taken
	// a third of the time, at random, and that branch was mispredicted
	// often enough to show; 128 bits pass about one value in seven.
	filter [2]uint64
}

// maxSmall is the longest list with one-byte slots.
const maxSmall = 1<<8 - 2

// newStringIndex indexes keys, which must be distinct (a repeated key
// would lengthen its probe sequence however large the table). It keeps
// keys.
func newStringIndex(keys []string) stringIndex {
	var x stringIndex
	if len(keys) == 0 {
		return x
	}
	build(len(keys), func(size int, seed uint64) bool {
		x = stringIndex{keys: keys, mask: uint64(size - 1), seed: seed}
		if len(keys) <= maxSmall {
			x.small = make([]uint8, size)
			for _, k := range keys {
				b := hashString(k, seed) >> 57
				x.filter[b>>6] |= 1 << (b & 63)
			}
			return place(x.small, keys, seed)
		}
		x.slots = make([]uint32, size)
		return place(x.slots, keys, seed)
	})
	return x
}

// place fills slots with 1 + each key's position, by linear probing; it
// fails when a probe sequence grows beyond maxProbe.
func place[S uint8 | uint32](slots []S, keys []string, seed uint64) bool {
	mask := uint64(len(slots) - 1)
	for i, key := range keys {
		h := hashString(key, seed) & mask
		for probe := 0; slots[h] != 0; probe++ {
			if probe == maxProbe {
				return false
			}
			h = (h + 1) & mask
		}
		slots[h] = S(i + 1)
	}
	return true
}

// slot returns the content of slot h.
func (x *stringIndex) slot(h uint64) int {
	if x.small != nil {
		return int(x.small[h])
	}
	return int(x.slots[h])
}

// find returns key's position in the indexed list, or -1.
func (x *stringIndex) find(key string) int {
	if x.slots == nil {
		if x.small == nil {
			return -1
		}
		// Keys of up to 16 bytes are compared in line, as two
		// overlapping words (or, below 4 bytes, by their first, middle
		// and last byte): == calls the runtime, and that call was a
		// third of the time of a probe in a 20-string `in` list. (As a
		// helper function the comparison is too large to be inlined.)
		// hashString(key, x.seed), written out: the call was a tenth of
		// a probe (TestIndexFindsEveryKey fails if the two disagree).
		n := len(key)
		h := x.seed ^ uint64(n)*mulA
		i := 0
		for ; n-i >= 8; i += 8 {
			h = bits.RotateLeft64((h^load64(key, i))*mulB, 29)
		}
		switch r := n - i; {
		case r >= 4:
			h = (h ^ (load32(key, i) | load32(key, n-4)<<32)) * mulB
		case r > 0:
			h = (h ^ (uint64(key[i]) | uint64(key[i+r>>1])<<8 | uint64(key[n-1])<<16)) * mulB
		}
		h ^= h >> 32
		h *= mulA
		h ^= h >> 29
		if b := h >> 57; x.filter[b>>6]&(1<<(b&63)) == 0 {
			return -1
		}
		for h &= x.mask; ; h = (h + 1) & x.mask {
			p := int(x.small[h]) - 1
			if p < 0 {
				return -1
			}
			k := x.keys[p]
			if len(k) != n {
				continue
			}
			switch {
			case n >= 8 && n <= 16:
				if load64(k, 0) == load64(key, 0) && load64(k, n-8) == load64(key, n-8) {
					return p
				}
			case n >= 4 && n < 8:
				if load32(k, 0) == load32(key, 0) && load32(k, n-4) == load32(key, n-4) {
					return p
				}
			case n > 0 && n < 4:
				if k[0] == key[0] && k[n>>1] == key[n>>1] && k[n-1] == key[n-1] {
					return p
				}
			case k == key:
				return p
			}
		}
	}
	for h := hashString(key, x.seed) & x.mask; ; h = (h + 1) & x.mask {
		p := int(x.slots[h]) - 1
		if p < 0 || x.keys[p] == key {
			return p
		}
	}
}

// has reports whether key is in the indexed list.
func (x *stringIndex) has(key string) bool { return x.find(key) >= 0 }

// stringSet indexes the distinct strings of list.
func stringSet(list []string) stringIndex {
	keys := slices.Clone(list)
	slices.Sort(keys)
	return newStringIndex(slices.Compact(keys))
}

// Multipliers of hashString: odd 64-bit constants with well-spread bits
// (the golden ratio's and one of xxHash's primes).
const (
	mulA = 0x9E3779B97F4A7C15
	mulB = 0xC2B2AE3D27D4EB4F
)

// hashString is a fast seeded hash for table lookups (not a MAC, and not
// the bucketing hash, xxh64). It reads eight
// bytes at a time; the byte loads below compile to single loads.
func hashString(s string, seed uint64) uint64 {
	n := len(s)
	h := seed ^ uint64(n)*mulA
	i := 0
	for ; n-i >= 8; i += 8 {
		h = bits.RotateLeft64((h^load64(s, i))*mulB, 29)
	}
	switch r := n - i; {
	case r >= 4: // the last 4 to 7 bytes as two overlapping words
		h = (h ^ (load32(s, i) | load32(s, n-4)<<32)) * mulB
	case r > 0: // 1 to 3 bytes: first, middle and last cover them all
		h = (h ^ (uint64(s[i]) | uint64(s[i+r>>1])<<8 | uint64(s[n-1])<<16)) * mulB
	}
	h ^= h >> 32
	h *= mulA
	h ^= h >> 29
	return h
}

func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func load32(s string, i int) uint64 {
	s = s[i : i+4]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}
