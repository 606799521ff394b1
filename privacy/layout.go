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
// private paths. It records attribute names only, never a value.

// maxLayoutMembers is the most keys a context may have for AppendJSON to
// use a layout: larger contexts take the general path.
const maxLayoutMembers = 32

// layoutSlots is how many layouts a Redactor keeps, one per context size
// modulo layoutSlots, so that contexts of a few different sizes do not
// evict one another's.
const layoutSlots = 4

// relayoutEvery says how often a context that has no layout makes a new
// one: on the first such context of a slot, then on every relayoutEvery-th.
// Contexts whose keys change all the time thus cost a layout (a few small
// allocations) only once in relayoutEvery calls.
const relayoutEvery = 32

// layout is what AppendJSON needs to know about the members of contexts
// with one set of keys, none of them "privateAttributes" or "_meta" (whose
// values change the redaction itself). It is immutable once published.
type layout struct {
	members []layoutMember // sorted by key
	metaAt  int            // "_meta", when written, comes before members[metaAt]
}

// layoutMember is one key of a layout.
type layoutMember struct {
	key  string
	head string // the key encoded as JSON, then ':'
	node *node  // the private paths below the member; nil: none
	kind memberKind
}

type memberKind uint8

const (
	plainMember     memberKind = iota // redacted through node, if any
	keptMember                        // targetingKey: never redacted
	anonymousMember                   // anonymous: the bool true makes the whole context anonymous
	allMember                         // removed whole by AllAttributesPrivate
)

// layoutSlot holds one slot's layout and how many contexts missed it.
type layoutSlot struct {
	misses atomic.Uint32
	l      atomic.Pointer[layout]
}

// layoutFor returns the layout of ctx's slot, or nil.
func (r *Redactor) layoutFor(ctx map[string]any) *layout {
	return r.slots[len(ctx)%layoutSlots].l.Load()
}

// missed records that ctx, just encoded by the general path, had no
// layout, and now and then gives its slot a layout made from ctx's keys.
func (r *Redactor) missed(ctx map[string]any) {
	if len(ctx) > maxLayoutMembers {
		return
	}
	if _, ok := ctx[keyPrivateAttributes]; ok {
		return
	}
	if _, ok := ctx[keyMeta]; ok {
		return
	}
	s := &r.slots[len(ctx)%layoutSlots]
	if s.misses.Add(1)%relayoutEvery != 1 {
		return
	}
	s.l.Store(r.newLayout(ctx))
}

// newLayout makes the layout of ctx's keys. ctx has neither
// "privateAttributes" nor "_meta".
func (r *Redactor) newLayout(ctx map[string]any) *layout {
	keys := jsonenc.SortedKeys(make([]string, 0, len(ctx)), ctx)
	l := &layout{members: make([]layoutMember, len(keys))}
	for i, k := range keys {
		k = strings.Clone(k) // keep none of the caller's memory alive
		m := &l.members[i]
		m.key, m.head = k, string(append(jsonenc.AppendString(nil, k), ':'))
		switch {
		case k == keyTargetingKey:
			m.kind = keptMember
		case k == keyAnonymous:
			m.kind = anonymousMember
		case r.all:
			m.kind = allMember
		default:
			m.node = r.root.kid(k)
		}
	}
	l.metaAt, _ = slices.BinarySearch(keys, keyMeta)
	return l
}

// appendLaidOut is AppendJSON for a context that may have l's keys. It
// reports false, having written nothing, when ctx's keys are not l's.
func (r *Redactor) appendLaidOut(dst []byte, ctx map[string]any, l *layout) ([]byte, bool, error) {
	n := len(l.members)
	if len(ctx) != n {
		return dst, false, nil
	}
	// ctx has as many keys as l: if it has each of l's, it has no other.
	var valsBuf [maxLayoutMembers]any
	vals := valsBuf[:n]
	for i := range l.members {
		v, ok := ctx[l.members[i].key]
		if !ok {
			return dst, false, nil
		}
		vals[i] = v
	}

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
