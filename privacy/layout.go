package privacy

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/switchyardhq/switchyard/internal/jsonenc"
)

// A service builds its contexts the same way on every request, so the
// contexts a Redactor sees mostly share a handful of key sets. For each
// key set AppendJSON would otherwise find every key's private paths, sort
// the keys and escape each of them on every call. A layout does that once
// per key set: it holds the keys sorted, already encoded, with their
// private paths. It records attribute names only, never a value. The
// Redactor keeps layouts for the top level of contexts, and each node of
// its policy's tree that has private paths below it keeps layouts for the
// maps found there ("address" for "/address/street").

// maxLayoutMembers is the most keys a map may have for AppendJSON to use a
// layout: larger maps take the general path.
const maxLayoutMembers = 32

// layoutSlots is how many layouts a cache keeps, one per map size modulo
// layoutSlots, so that maps of a few different sizes do not evict one
// another's.
const layoutSlots = 4

// relayoutEvery says how often a map that has no layout makes a new one:
// on the first such map of a slot, then on every relayoutEvery-th. Maps
// whose keys change all the time thus cost a layout (a few small
// allocations) only once in relayoutEvery calls.
const relayoutEvery = 32

// layouts caches the layouts of recent key sets. Its zero value is empty;
// it is safe for concurrent use.
type layouts [layoutSlots]layoutSlot

// layoutSlot holds one slot's layout and how many maps missed it.
type layoutSlot struct {
	misses atomic.Uint32
	l      atomic.Pointer[layout]
}

// lookup returns the layout of m's slot, or nil. It may be another key
// set's: the caller checks.
func (c *layouts) lookup(m map[string]any) *layout {
	return c[len(m)%layoutSlots].l.Load()
}

// relayout records that m, encoded without a layout, had none, and
// reports whether the caller should store a layout of m's keys now.
func (c *layouts) relayout(m map[string]any) bool {
	if len(m) > maxLayoutMembers {
		return false
	}
	return c[len(m)%layoutSlots].misses.Add(1)%relayoutEvery == 1
}

// store makes l, the layout of m's keys, the one of m's slot.
func (c *layouts) store(m map[string]any, l *layout) {
	c[len(m)%layoutSlots].l.Store(l)
}

// layout is what AppendJSON needs to know about the members of maps with
// one set of keys. It is immutable once stored.
type layout struct {
	members []layoutMember // sorted by key
	metaAt  int            // top level: "_meta", when written, comes before members[metaAt]
}

// layoutMember is one key of a layout.
type layoutMember struct {
	key  string
	head string // the key encoded as JSON, then ':'
	node *node  // the private paths below the member; nil: none
	kind memberKind
}

// memberKind says how the top level of a context treats a member; every
// member of a nested map is a plainMember.
type memberKind uint8

const (
	plainMember     memberKind = iota // redacted through node, if any (targetingKey: never)
	anonymousMember                   // anonymous: the bool true makes the whole context anonymous
	allMember                         // removed whole by AllAttributesPrivate
)

// newLayout returns a layout of m's keys, each member's node its kid in
// n (nil n: none).
func newLayout(m map[string]any, n *node) *layout {
	keys := jsonenc.SortedKeys(make([]string, 0, len(m)), m)
	l := &layout{members: make([]layoutMember, len(keys))}
	for i, k := range keys {
		k = strings.Clone(k) // keep none of the caller's memory alive
		lm := &l.members[i]
		lm.key, lm.head = k, string(append(jsonenc.AppendString(nil, k), ':'))
		if n != nil {
			lm.node = n.kid(k)
		}
	}
	return l
}

// newMapLayout returns the layout of the keys of c, a map found at n's
// position.
func (n *node) newMapLayout(c map[string]any) *layout { return newLayout(c, n) }

// newContextLayout returns the layout of the top-level keys of ctx,
// which has neither "privateAttributes" nor "_meta" (whose values change
// the redaction itself).
func (r *Redactor) newContextLayout(ctx map[string]any) *layout {
	var root *node
	if !r.all {
		root = r.root
	}
	l := newLayout(ctx, root)
	for i := range l.members {
		m := &l.members[i]
		switch {
		case m.key == keyTargetingKey:
			m.node = nil // never redacted by name (no policy path starts with it)
		case m.key == keyAnonymous:
			m.kind, m.node = anonymousMember, nil
		case r.all:
			m.kind = allMember
		}
	}
	l.metaAt, _ = slices.BinarySearchFunc(l.members, keyMeta, func(m layoutMember, k string) int { return strings.Compare(m.key, k) })
	return l
}

// contextMissed records that ctx, encoded without a layout, had none, and
// now and then gives its slot a layout of ctx's keys.
func (r *Redactor) contextMissed(ctx map[string]any) {
	if _, ok := ctx[keyPrivateAttributes]; ok {
		return
	}
	if _, ok := ctx[keyMeta]; ok {
		return
	}
	if r.layouts.relayout(ctx) {
		r.layouts.store(ctx, r.newContextLayout(ctx))
	}
}

// laidOutValues copies m's values into vals in l's order. It reports
// false when m's keys are not l's.
func laidOutValues(vals *[maxLayoutMembers]any, m map[string]any, l *layout) bool {
	if len(m) != len(l.members) {
		return false
	}
	// m has as many keys as l: if it has each of l's, it has no other.
	for i := range l.members {
		v, ok := m[l.members[i].key]
		if !ok {
			return false
		}
		vals[i] = v
	}
	return true
}

// appendContextLaidOut is AppendJSON for a context that may have l's
// keys. It reports false, having written nothing, when ctx's keys are not
// l's.
func (r *Redactor) appendContextLaidOut(dst []byte, ctx map[string]any, l *layout) ([]byte, bool, error) {
	var valsBuf [maxLayoutMembers]any
	if !laidOutValues(&valsBuf, ctx, l) {
		return dst, false, nil
	}
	n := len(l.members)
	vals := valsBuf[:n]

	// As in the general path: first what redaction removes, then the
	// members in order, with "_meta" in its place.
	var dropBuf [maxLayoutMembers]bool
	drop := dropBuf[:n]
	var removedBuf [8]string
	removed := removedBuf[:0]
	for i := range l.members {
		m := &l.members[i]
		switch m.kind {
		case anonymousMember:
			if anon, _ := vals[i].(bool); anon {
				return append(dst, `{"anonymous":true}`...), true, nil
			}
		case allMember:
			removed = append(removed, m.key)
			drop[i] = true
		case plainMember:
			if m.node != nil {
				removed = m.node.removedIn(vals[i], removed)
				drop[i] = m.node.removesWhole(vals[i])
			}
		}
	}
	if len(removed) > 1 {
		slices.Sort(removed)
		removed = slices.Compact(removed)
	}

	dst = append(dst, '{')
	first := true
	for i := 0; i <= n; i++ {
		if i == l.metaAt && len(removed) > 0 {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendMeta(dst, removed)
		}
		if i == n {
			break
		}
		if drop[i] {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, l.members[i].head...)
		var err error
		if dst, err = l.members[i].node.appendValue(dst, vals[i]); err != nil {
			return dst, true, err
		}
	}
	return append(dst, '}'), true, nil
}

// appendMapLaidOut is node.appendMap for a map that may have l's keys.
// It reports false, having written nothing, when c's keys are not l's.
func appendMapLaidOut(dst []byte, c map[string]any, l *layout) ([]byte, bool, error) {
	var valsBuf [maxLayoutMembers]any
	if !laidOutValues(&valsBuf, c, l) {
		return dst, false, nil
	}
	dst = append(dst, '{')
	first := true
	for i := range l.members {
		m := &l.members[i]
		if m.node.removesWhole(valsBuf[i]) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, m.head...)
		var err error
		if dst, err = m.node.appendValue(dst, valsBuf[i]); err != nil {
			return dst, true, err
		}
	}
	return append(dst, '}'), true, nil
}

// appendMeta appends the "_meta" member listing removed.
func appendMeta(dst []byte, removed []string) []byte {
	dst = append(dst, `"_meta":{"redactedAttributes":[`...)
	for j, name := range removed {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = jsonenc.AppendString(dst, name)
	}
	return append(dst, "]}"...)
}
