package privacy

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/switchyardhq/switchyard/internal/jsonenc"
)

// AppendJSON appends the JSON encoding of r.Redact(ctx) to dst: byte for
// byte what json.Marshal(r.Redact(ctx)) writes, keys sorted, but without
// building the redacted maps. Values with no private member below them
// are encoded as they are; plain JSON values (maps with string keys,
// slices, strings, numbers, bools) without reflection, others through
// encoding/json. It fails, as json.Marshal would, on a value JSON cannot
// represent (NaN, a channel); dst then holds a partial encoding.
//
// AppendJSON never modifies ctx and is safe for concurrent use.
func (r *Redactor) AppendJSON(dst []byte, ctx map[string]any) ([]byte, error) {
	if l := r.layouts.lookup(ctx); l != nil {
		if out, ok, err := r.appendContextLaidOut(dst, ctx, l); ok {
			return out, err
		}
	}
	dst, err := r.appendGeneral(dst, ctx)
	if err == nil {
		r.contextMissed(ctx)
	}
	return dst, err
}

// appendGeneral is AppendJSON for any context, without a layout.
func (r *Redactor) appendGeneral(dst []byte, ctx map[string]any) ([]byte, error) {
	// One pass over ctx collects the members and the entries redaction
	// treats specially, so that none of them costs a lookup of its own.
	var membersBuf [16]redactedMember
	members := membersBuf[:0]
	var own, meta any
	for k, v := range ctx {
		switch k {
		case keyAnonymous:
			if anon, _ := v.(bool); anon {
				return append(dst, `{"anonymous":true}`...), nil
			}
		case keyPrivateAttributes:
			own = v
			continue
		case keyMeta:
			meta = v
			continue
		}
		var m *redactedMember
		members, m = addMember(members)
		m.key, m.val, m.prefix = k, v, keyPrefix(k)
	}
	root := r.root
	if !r.all && own != nil {
		if names := stringList(own); len(names) > 0 {
			root = buildTree(r.paths, parseNames(names))
		}
	}

	// Then the members are redacted in place: dropped, or given the
	// private paths below them, and what they remove is listed. "_meta" is
	// written among the sorted keys, so its place is known only once every
	// key is.
	var removedBuf [8]string
	removed := removedBuf[:0]
	for i := range members {
		m := &members[i]
		if m.key == keyTargetingKey || m.key == keyAnonymous {
			continue
		}
		if r.all {
			removed = append(removed, m.key)
			m.drop = true
			continue
		}
		if m.node = root.kidWithPrefix(m.key, m.prefix); m.node != nil {
			removed = m.node.removedIn(m.val, removed)
			m.drop = m.node.removesWhole(m.val)
		}
	}
	if meta, ok := meta.(map[string]any); ok {
		removed = append(removed, stringList(meta[keyRedacted])...)
	}
	if len(removed) > 0 {
		slices.Sort(removed)
		removed = slices.Compact(removed)
		var m *redactedMember
		members, m = addMember(members)
		m.key, m.prefix = keyMeta, keyPrefix(keyMeta)
	}
	var orderBuf [len(membersBuf)]int
	order := sortMembers(orderBuf[:0], members)

	dst = append(dst, '{')
	for i, o := range order {
		m := &members[o]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(jsonenc.AppendString(dst, m.key), ':')
		if m.key == keyMeta {
			dst = append(dst, `{"redactedAttributes":[`...)
			for j, name := range removed {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = jsonenc.AppendString(dst, name)
			}
			dst = append(dst, "]}"...)
			continue
		}
		var err error
		if dst, err = m.node.appendValue(dst, m.val); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// keyPrefix returns the first eight bytes of s as a big-endian number,
// padded with zeros. Prefixes that differ order their strings as
// strings.Compare does, and strings with different prefixes differ.
func keyPrefix(s string) uint64 {
	if len(s) >= 8 {
		return bits.ReverseBytes64(load64(s))
	}
	var p uint64
	for i := range len(s) {
		p = p<<8 | uint64(s[i])
	}
	return p << (64 - 8*len(s)) // len(s) < 8: a shift by less than 64
}

// load64 returns the first eight bytes of s, little-endian (one load on
// most machines).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// sortMembers appends to order the positions of the members that are not
// dropped, sorted by key. It sorts positions rather than the members: a
// member holds pointers, and moving it costs a write barrier while the
// garbage collector runs, and a comparison through a closure costs a
// call, which together made sorting a dozen members half the cost of
// AppendJSON. A few members are sorted by insertion on one integer each,
// the first seven bytes of the key above the position, so that most
// comparisons are of integers.
func sortMembers(order []int, members []redactedMember) []int {
	const maxPacked = 24 // insertion sort up to here; at most 256
	if len(members) > maxPacked {
		for i := range members {
			if !members[i].drop {
				order = append(order, i)
			}
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(members[a].key, members[b].key) })
		return order
	}
	var packedBuf [maxPacked]uint64
	packed := packedBuf[:0]
	for i := range members {
		if !members[i].drop {
			packed = append(packed, members[i].prefix&^0xff|uint64(i))
		}
	}
	for i := 1; i < len(packed); i++ {
		o := packed[i]
		j := i
		for ; j > 0; j-- {
			prev := packed[j-1]
			if o>>8 == prev>>8 { // the same seven bytes: compare the rest
				if members[o&0xff].key > members[prev&0xff].key {
					break
				}
			} else if o > prev {
				break
			}
			packed[j] = prev
		}
		packed[j] = o
	}
	for _, o := range packed {
		order = append(order, int(o&0xff))
	}
	return order
}

// redactedMember is a member of an object that AppendJSON writes: its
// key, its value, the private paths below it (nil: none), and whether
// redaction removes it whole.
type redactedMember struct {
	key    string
	val    any
	node   *node
	prefix uint64 // keyPrefix(key)
	drop   bool
}

// addMember extends members by one zero member and returns it to be
// filled in. (Setting its fields in place, rather than appending a
// composite literal, spares a copy through the stack that the processor
// cannot forward from the stores just made.)
func addMember(members []redactedMember) ([]redactedMember, *redactedMember) {
	if len(members) < cap(members) {
		members = members[:len(members)+1]
	} else {
		members = append(members, redactedMember{})
	}
	return members, &members[len(members)-1]
}

// removedIn appends to removed the names that redacting v, found at n's
// position, removes (what n.redact lists, without building the result),
// and returns the result: n's own names if it has any, and those of its
// descendants present in v.
func (n *node) removedIn(v any, removed []string) []string {
	return n.collectPresent(v, append(removed, n.names...))
}

// removesWhole reports whether redacting v at n's position removes it
// (n.redact's remove); a nil n removes nothing.
func (n *node) removesWhole(v any) bool {
	if n == nil {
		return false
	}
	return len(n.names) > 0 || (len(n.kids) > 0 && shapeOf(v) == opaqueShape)
}

// appendValue appends the JSON of v, found at n's position (nil: nothing
// private below), redacted by n. v is not removed whole (see removesWhole).
func (n *node) appendValue(dst []byte, v any) ([]byte, error) {
	if n == nil || len(n.kids) == 0 {
		return jsonenc.Append(dst, v)
	}
	switch c := v.(type) {
	case map[string]any:
		if c == nil {
			break
		}
		if n.layouts != nil {
			if l := n.layouts.lookup(c); l != nil {
				if out, ok, err := appendMapLaidOut(dst, c, l); ok {
					return out, err
				}
			}
		}
		dst, err := n.appendMap(dst, c)
		if err == nil && n.layouts != nil && n.layouts.relayout(c) {
			n.layouts.store(c, n.newMapLayout(c))
		}
		return dst, err
	case []any:
		if c == nil {
			break
		}
		dst = append(dst, '[')
		for i, e := range c {
			if i > 0 {
				dst = append(dst, ',')
			}
			var kid *node
			if len(n.kids) > 0 {
				kid = n.kid(strconv.Itoa(i)) // no allocation below 100
			}
			if kid.removesWhole(e) {
				dst = append(dst, "null"...)
				continue
			}
			var err error
			if dst, err = kid.appendValue(dst, e); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	// Other shapes (typed maps and slices, scalars): redact into a copy,
	// as Redact does, and encode that.
	var scratch []string
	nv, act := n.redact(v, &scratch)
	if act == keep {
		nv = v
	}
	return jsonenc.Append(dst, nv)
}

// appendMap appends the JSON of c, a map found at n's position, redacted
// by n, without a layout. n has kids.
func (n *node) appendMap(dst []byte, c map[string]any) ([]byte, error) {
	// As at the top level: collect the members in one pass, then write
	// them in the order of their keys.
	var membersBuf [16]redactedMember
	members := membersBuf[:0]
	for k, mv := range c {
		p := keyPrefix(k)
		kid := n.kidWithPrefix(k, p)
		if !kid.removesWhole(mv) {
			var m *redactedMember
			members, m = addMember(members)
			m.key, m.val, m.node, m.prefix = k, mv, kid, p
		}
	}
	var orderBuf [len(membersBuf)]int
	dst = append(dst, '{')
	for i, o := range sortMembers(orderBuf[:0], members) {
		if i > 0 {
			dst = append(dst, ',')
		}
		m := &members[o]
		dst = append(jsonenc.AppendString(dst, m.key), ':')
		var err error
		if dst, err = m.node.appendValue(dst, m.val); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}
