package evaluator

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// hasher writes a model value into an xxhash digest field by field, with a
// tag byte and length before each part so different values never produce
// the same byte stream. It is the fingerprint behind ChangedFlags and costs
// far less than marshalling the model to JSON.
type hasher struct {
	d xxhash.Digest
	// buf[:n] gathers the parts, written to d when full: a Write per
	// part costs more than hashing the part.
	buf [128]byte
	n   int
}

func newHasher() *hasher {
	h := &hasher{}
	h.d.Reset()
	return h
}

func (h *hasher) u64(v uint64) {
	if h.n+9 > len(h.buf) {
		h.flush()
	}
	h.buf[h.n] = 'u'
	binary.LittleEndian.PutUint64(h.buf[h.n+1:], v)
	h.n += 9
}

func (h *hasher) str(s string) {
	h.u64(uint64(len(s)))
	if h.n+len(s) > len(h.buf) {
		h.flush()
		if len(s) > len(h.buf) {
			h.d.WriteString(s)
			return
		}
	}
	h.n += copy(h.buf[h.n:], s)
}

func (h *hasher) flush() {
	h.d.Write(h.buf[:h.n])
	h.n = 0
}

// sum is the digest of everything written.
func (h *hasher) sum() uint64 {
	h.flush()
	return h.d.Sum64()
}

func (h *hasher) boolean(b bool) {
	if b {
		h.u64(1)
	} else {
		h.u64(0)
	}
}

func (h *hasher) strs(list []string) {
	h.u64(uint64(len(list)))
	for _, s := range list {
		h.str(s)
	}
}

// value hashes a plain JSON value; numbers hash by numeric value, so 100
// and json.Number("100") are the same.
func (h *hasher) value(v any) {
	switch t := v.(type) {
	case nil:
		h.u64(0xA0)
	case string:
		h.u64(0xA1)
		h.str(t)
	case bool:
		h.u64(0xA2)
		h.boolean(t)
	case map[string]any:
		h.u64(0xA3)
		h.u64(uint64(len(t)))
		var room [8]string
		for _, k := range appendSortedKeys(room[:0], t) {
			h.str(k)
			h.value(t[k])
		}
	case []any:
		h.u64(0xA4)
		h.u64(uint64(len(t)))
		for _, e := range t {
			h.value(e)
		}
	default:
		if n, ok := toNumber(v); ok {
			switch {
			case n.isUint:
				h.u64(0xA8)
				h.u64(uint64(n.i))
			case n.isInt:
				h.u64(0xA5)
				h.u64(uint64(n.i))
			default:
				h.u64(0xA6)
				h.u64(math.Float64bits(n.f))
			}
			return
		}
		h.u64(0xA7) // not a JSON value; Compile has rejected it already
	}
}

func (h *hasher) values(list []any) {
	h.u64(uint64(len(list)))
	for _, v := range list {
		h.value(v)
	}
}

func (h *hasher) conditions(list []Condition) {
	h.u64(uint64(len(list)))
	for _, c := range list {
		h.str(c.Attribute)
		h.str(string(c.Operator))
		h.values(c.Values)
		h.boolean(c.Negate)
	}
}

func (h *hasher) serve(s *Serve) {
	if s == nil {
		h.u64(0xB0)
		return
	}
	h.str(s.Variant)
	if s.Rollout == nil {
		h.u64(0xB1)
		return
	}
	h.u64(0xB2)
	h.str(s.Rollout.BucketBy)
	if s.Rollout.Seed == nil {
		h.u64(0xC1)
	} else {
		h.u64(0xC2)
		h.str(*s.Rollout.Seed)
	}
	h.str(cmp.Or(s.Rollout.Algorithm, BucketAlgorithm)) // the default written out is the same flag
	h.u64(uint64(len(s.Rollout.Variants)))
	for _, w := range s.Rollout.Variants {
		h.str(w.Variant)
		h.u64(w.Weight)
	}
}

func (h *hasher) flag(f *Flag) {
	h.str(f.Type.String())
	h.boolean(f.Enabled == nil || *f.Enabled)
	h.value(mapOfAny(f.Variants))
	h.str(f.OffVariant)
	h.u64(uint64(len(f.Prerequisites)))
	for _, p := range f.Prerequisites {
		h.str(p.Flag)
		h.strs(p.Variants)
	}
	h.u64(uint64(len(f.Targets)))
	for _, t := range f.Targets {
		h.str(t.Variant)
		h.strs(t.Values)
	}
	h.u64(uint64(len(f.Rules)))
	for i := range f.Rules {
		r := &f.Rules[i]
		h.str(r.ID)
		h.conditions(r.Conditions)
		h.serve(&r.Serve)
		h.boolean(r.TrackEvents)
	}
	h.serve(f.Default)
	h.value(mapOfAny(f.Metadata))
	h.boolean(f.TrackEvents)
}

func (h *hasher) segment(s Segment) {
	// Membership lists are sets: order does not change the segment.
	h.strs(sortedCopy(s.Included))
	h.strs(sortedCopy(s.Excluded))
	h.u64(uint64(len(s.Rules)))
	for _, r := range s.Rules {
		h.conditions(r.Conditions)
	}
}

func mapOfAny(m map[string]any) any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func sortedCopy(list []string) []string {
	if slices.IsSorted(list) {
		return list
	}
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
