package privacy

import (
	"encoding"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// parseName turns a private name into its path of tokens: a top-level
// name is a path of one token; a JSON Pointer (leading "/") is split on
// "/" and each token unescaped (~1 is "/", ~0 is "~"). A "~" followed by
// anything else stands for itself: redaction cannot reject a pointer, and
// reading it literally removes what its author most likely meant.
func parseName(name string) []string {
	if !strings.HasPrefix(name, "/") {
		return []string{name}
	}
	toks := strings.Split(name[1:], "/")
	for i, t := range toks {
		toks[i] = unescape(t)
	}
	return toks
}

// unescape decodes one JSON Pointer token, allocating only when it holds
// an escape.
func unescape(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// exempt reports whether a path's first token can never be redacted:
// targetingKey and anonymous are kept by rule, privateAttributes and _meta
// are not attributes.
func exempt(first string) bool {
	switch first {
	case keyTargetingKey, keyAnonymous, keyPrivateAttributes, keyMeta:
		return true
	}
	return false
}

// node is one step of the private paths of a redaction, so that every
// pointer is resolved against the input and each value is visited once.
type node struct {
	names []string         // private names and pointers that end here
	kids  map[string]*node // by unescaped token
	few   []nodeKid        // kids again, when they are few (see prepare)

	// layouts of the maps found at this node, when it has kids, in the
	// policy's tree (see prepare); nil in trees built for one call.
	layouts *layouts
}

// nodeKid is one of a node's kids and its token.
type nodeKid struct {
	tok    string
	prefix uint64 // keyPrefix(tok)
	n      *node
}

// maxFewKids is the most kids that kid finds by comparing tokens rather
// than by a map lookup, which hashes the token: comparing a handful of
// short strings, most of a different length, is cheaper.
const maxFewKids = 8

// kid returns n's kid for tok, or nil.
func (n *node) kid(tok string) *node {
	if n.few != nil {
		return n.kidWithPrefix(tok, keyPrefix(tok))
	}
	return n.kids[tok]
}

// kidWithPrefix is kid for a token whose keyPrefix the caller has: most
// tokens that differ then differ in one integer comparison.
func (n *node) kidWithPrefix(tok string, prefix uint64) *node {
	if n.few != nil {
		for i := range n.few {
			if k := &n.few[i]; k.prefix == prefix && k.tok == tok {
				return k.n
			}
		}
		return nil
	}
	return n.kids[tok]
}

// prepare lists the kids of every node of the tree n that has few of
// them, for kid, and gives every node with kids a layout cache. It is done
// once, by NewRedactor, for the policy's tree; trees built per call for a
// context's own list are used without it.
func (n *node) prepare() {
	if len(n.kids) > 0 {
		n.layouts = new(layouts)
	}
	if len(n.kids) <= maxFewKids {
		n.few = make([]nodeKid, 0, len(n.kids))
		for tok, kid := range n.kids {
			n.few = append(n.few, nodeKid{tok, keyPrefix(tok), kid})
		}
	}
	for _, kid := range n.kids {
		kid.prepare()
	}
}

// privatePath is one private name or pointer and its parsed tokens.
type privatePath struct {
	name string
	toks []string
}

// parseNames parses a list of private names, leaving out those that can
// never be redacted (see exempt).
func parseNames(names []string) []privatePath {
	out := make([]privatePath, 0, len(names))
	for _, name := range names {
		if toks := parseName(name); !exempt(toks[0]) {
			out = append(out, privatePath{name: name, toks: toks})
		}
	}
	return out
}

// buildTree merges the parsed paths of the given lists into one tree; its
// root's kids are keyed by top-level attribute name.
func buildTree(lists ...[]privatePath) *node {
	root := &node{}
	for _, list := range lists {
		for _, path := range list {
			n := root
			for _, tok := range path.toks {
				kid := n.kids[tok]
				if kid == nil {
					kid = &node{}
					if n.kids == nil {
						n.kids = make(map[string]*node)
					}
					n.kids[tok] = kid
				}
				n = kid
			}
			if !slices.Contains(n.names, path.name) {
				n.names = append(n.names, path.name)
			}
		}
	}
	return root
}

// action says what becomes of a value after redaction.
type action int

const (
	keep    action = iota // unchanged, share it
	replace               // use the returned copy
	remove                // drop it (a map key) or null it (an array element)
)

// edit is one change to a member of a map or array.
type edit struct {
	tok string
	val any
	act action
}

// redact applies the subtree n to the value v found at n's position,
// appending what it removes to removed.
func (n *node) redact(v any, removed *[]string) (any, action) {
	if len(n.names) > 0 {
		*removed = n.collectPresent(v, append(*removed, n.names...))
		return nil, remove
	}
	switch shapeOf(v) {
	case scalarShape:
		return v, keep // nothing to point into: no private value below
	case opaqueShape:
		// It may marshal to an object that holds a private member, and
		// Redact cannot see into it: drop it whole.
		for _, kid := range n.kids {
			*removed = kid.collectAll(*removed)
		}
		return nil, remove
	}
	var edits []edit
	for tok, kid := range n.kids {
		mv, ok := member(v, tok)
		if !ok {
			continue
		}
		if nv, act := kid.redact(mv, removed); act != keep {
			edits = append(edits, edit{tok, nv, act})
		}
	}
	if len(edits) == 0 {
		return v, keep
	}
	return withEdits(v, edits), replace
}

// collectPresent appends to removed the names of n's descendants that are
// present in v, which is being removed whole, and returns the result.
func (n *node) collectPresent(v any, removed []string) []string {
	if len(n.kids) == 0 {
		return removed
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
	if n.few != nil {
		for _, k := range n.few {
			if mv, ok := member(v, k.tok); ok {
				removed = k.n.collectPresent(mv, append(removed, k.n.names...))
			}
		}
		return removed
	}
	for tok, kid := range n.kids {
		if mv, ok := member(v, tok); ok {
			removed = kid.collectPresent(mv, append(removed, kid.names...))
		}
	}
	return removed
}

// collectAll appends every name of the subtree n to removed and returns
// the result.
func (n *node) collectAll(removed []string) []string {
	removed = append(removed, n.names...)
	for _, kid := range n.kids {
		removed = kid.collectAll(removed)
	}
	return removed
}

// shape is how encoding/json would render a value, as far as a JSON
// Pointer is concerned.
type shape int

const (
	scalarShape shape = iota // null, bool, number, string: no members
	objectShape              // a map with string keys
	arrayShape               // a slice or array
	opaqueShape              // may render with members Redact cannot see
)

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// shapeOf classifies v. Plain JSON values are recognised without
// reflection; other Go values follow encoding/json's rules, and whatever
// might render as an object or array through a MarshalJSON method, a
// pointer, a struct or non-string map keys is opaque.
func shapeOf(v any) shape {
	switch v.(type) {
	case nil, string, bool, float64, json.Number, int, int64, time.Time:
		return scalarShape // time.Time marshals as a string
	case map[string]any, map[string]string:
		return objectShape
	case []any, []string:
		return arrayShape
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	if t.Implements(jsonMarshalerType) {
		if t.Kind() == reflect.Pointer && rv.IsNil() {
			return scalarShape // renders as null
		}
		return opaqueShape
	}
	if t.Implements(textMarshalerType) {
		return scalarShape // renders as a JSON string
	}
	switch t.Kind() {
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return objectShape
		}
		return opaqueShape // integer keys render as an object too
	case reflect.Slice:
		if e := reflect.PointerTo(t.Elem()); t.Elem().Kind() == reflect.Uint8 &&
			!e.Implements(jsonMarshalerType) && !e.Implements(textMarshalerType) {
			return scalarShape // []byte renders as a base64 string
		}
		return arrayShape
	case reflect.Array:
		return arrayShape
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return scalarShape
		}
		return opaqueShape
	case reflect.Struct:
		return opaqueShape
	}
	return scalarShape
}

// member returns the member tok of an object or array value. Array
// indexes are canonical decimal numbers ("0", "12"; not "01", "-1" or
// "-").
func member(v any, tok string) (any, bool) {
	switch c := v.(type) {
	case map[string]any:
		mv, ok := c[tok]
		return mv, ok
	case map[string]string:
		mv, ok := c[tok]
		return mv, ok
	case []any:
		i, ok := index(tok, len(c))
		if !ok {
			return nil, false
		}
		return c[i], true
	case []string:
		i, ok := index(tok, len(c))
		if !ok {
			return nil, false
		}
		return c[i], true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		mv := rv.MapIndex(reflect.ValueOf(tok).Convert(rv.Type().Key()))
		if !mv.IsValid() {
			return nil, false
		}
		return mv.Interface(), true
	case reflect.Slice, reflect.Array:
		i, ok := index(tok, rv.Len())
		if !ok {
			return nil, false
		}
		return rv.Index(i).Interface(), true
	}
	return nil, false
}

// index parses an array index token for an array of length n.
func index(tok string, n int) (int, bool) {
	if tok == "" || (len(tok) > 1 && tok[0] == '0') || tok[0] < '0' || tok[0] > '9' {
		return 0, false
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i >= n {
		return 0, false
	}
	return i, true
}

// withEdits returns a copy of the object or array v with the edits made:
// a removed map member is deleted, a removed array element becomes null
// so that the other elements keep their indexes. Maps and slices of other
// types than map[string]any and []any are copied into those types.
func withEdits(v any, edits []edit) any {
	switch shapeOf(v) {
	case objectShape:
		var m map[string]any
		if c, ok := v.(map[string]any); ok {
			m = maps.Clone(c)
		} else {
			rv := reflect.ValueOf(v)
			m = make(map[string]any, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				m[it.Key().String()] = it.Value().Interface()
			}
		}
		for _, e := range edits {
			if e.act == remove {
				delete(m, e.tok)
			} else {
				m[e.tok] = e.val
			}
		}
		return m
	default: // arrayShape: only objects and arrays have members
		var a []any
		if c, ok := v.([]any); ok {
			a = slices.Clone(c)
		} else {
			rv := reflect.ValueOf(v)
			a = make([]any, rv.Len())
			for i := range a {
				a[i] = rv.Index(i).Interface()
			}
		}
		for _, e := range edits {
			i, _ := index(e.tok, len(a))
			if e.act == remove {
				a[i] = nil
			} else {
				a[i] = e.val
			}
		}
		return a
	}
}
