package privacy

import (
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
	if anon, _ := ctx[keyAnonymous].(bool); anon {
		return append(dst, `{"anonymous":true}`...), nil
	}
	root := r.root
	if !r.all {
		if own := PrivateAttributes(ctx); len(own) > 0 {
			root = buildTree(r.paths, parseNames(own))
		}
	}

	// One pass over ctx finds the members that stay and the names that
	// are removed. "_meta" is written among the sorted keys, so its place
	// is known only once every key is.
	var membersBuf [16]redactedMember
	var removedBuf [8]string
	members, removed := membersBuf[:0], removedBuf[:0]
	for k, v := range ctx {
		var n *node
		switch k {
		case keyPrivateAttributes, keyMeta:
			continue
		case keyTargetingKey, keyAnonymous:
		default:
			if r.all {
				removed = append(removed, k)
				continue
			}
			if n = root.kids[k]; n != nil {
				removed = n.removedIn(v, removed)
				if n.removesWhole(v) {
					continue
				}
			}
		}
		members = append(members, redactedMember{key: k, val: v, node: n})
	}
	if meta, ok := ctx[keyMeta].(map[string]any); ok {
		removed = append(removed, stringList(meta[keyRedacted])...)
	}
	if len(removed) > 0 {
		slices.Sort(removed)
		removed = slices.Compact(removed)
		members = append(members, redactedMember{key: keyMeta})
	}
	slices.SortFunc(members, func(a, b redactedMember) int { return strings.Compare(a.key, b.key) })

	dst = append(dst, '{')
	for i, m := range members {
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

// redactedMember is a top-level member that AppendJSON writes: its key,
// its value and the private paths below it (nil: none).
type redactedMember struct {
	key  string
	val  any
	node *node
}

// removedIn appends to removed the names that redacting v, found at n's
// position, removes (what n.redact lists, without building the result),
// and returns the result.
func (n *node) removedIn(v any, removed []string) []string {
	if len(n.names) > 0 {
		return n.collectPresent(v, append(removed, n.names...))
	}
	switch shapeOf(v) {
	case scalarShape:
		return removed
	case opaqueShape:
		for _, kid := range n.kids {
			removed = kid.collectAll(removed)
		}
		return removed
	}
	for tok, kid := range n.kids {
		if mv, ok := member(v, tok); ok {
			removed = kid.removedIn(mv, removed)
		}
	}
	return removed
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
		var keysBuf [16]string
		keys := jsonenc.SortedKeys(keysBuf[:0], c)
		dst = append(dst, '{')
		first := true
		for _, k := range keys {
			kid := n.kids[k]
			if kid.removesWhole(c[k]) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(jsonenc.AppendString(dst, k), ':')
			var err error
			if dst, err = kid.appendValue(dst, c[k]); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
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
				kid = n.kids[strconv.Itoa(i)] // no allocation below 100
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
