package evaluator

import (
	"encoding/json"
	"strconv"
	"strings"
)

// attrRef locates an attribute in a context: a top-level key, or an RFC 6901
// JSON Pointer whose tokens were unescaped at load.
//
// It is small (every compiled condition holds one): a plain name is its
// key alone; a pointer's text and further tokens sit behind ptr.
type attrRef struct {
	key string       // top-level key (first pointer token for pointers)
	ptr *pointerPath // nil for a top-level key
}

type pointerPath struct {
	name string   // the pointer as written in the ruleset
	rest []string // tokens after the first
}

// name returns the attribute as written in the ruleset.
func (a *attrRef) name() string {
	if a.ptr != nil {
		return a.ptr.name
	}
	return a.key
}

// parseAttr compiles an attribute name; it reports a problem in words for
// invalid pointers.
func parseAttr(name string) (attrRef, string) {
	if !strings.HasPrefix(name, "/") {
		return attrRef{key: name}, ""
	}
	parts := strings.Split(name[1:], "/")
	for i, p := range parts {
		for j := 0; j < len(p); j++ {
			if p[j] == '~' && (j+1 == len(p) || (p[j+1] != '0' && p[j+1] != '1')) {
				return attrRef{}, "invalid JSON Pointer: \"~\" must be followed by 0 or 1 (write ~0 for \"~\" and ~1 for \"/\")"
			}
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return attrRef{key: parts[0], ptr: &pointerPath{name: name, rest: parts[1:]}}, ""
}

// lookup returns the attribute's value; ok is false when it is missing or
// null.
func (a *attrRef) lookup(ctx map[string]any) (any, bool) {
	v, ok := ctx[a.key]
	if !ok || v == nil {
		return nil, false
	}
	if a.ptr == nil {
		return v, true
	}
	rest := a.ptr.rest
	for i, tok := range rest {
		switch c := v.(type) {
		case map[string]any:
			v, ok = c[tok]
		case map[string]string:
			s, found := c[tok]
			if !found || i != len(rest)-1 {
				return nil, false // a string has no members to point into
			}
			return s, true
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) || (len(tok) > 1 && tok[0] == '0') {
				return nil, false
			}
			v, ok = c[i], true
		default:
			return nil, false
		}
		if !ok || v == nil {
			return nil, false
		}
	}
	return v, true
}

// copyJSON deep-copies a plain JSON value into encoding/json's shape, with
// json.Number converted to float64.
func copyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = copyJSON(e)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = copyJSON(e)
		}
		return out
	case json.Number:
		f, _ := strconv.ParseFloat(string(t), 64)
		return f
	}
	if n, ok := toNumber(v); ok {
		return n.f
	}
	return v
}
