package privacy

import (
	"fmt"
	"slices"
	"strings"
)

// Keys of a flattened evaluation context that redaction treats specially.
const (
	keyTargetingKey      = "targetingKey"
	keyAnonymous         = "anonymous"
	keyPrivateAttributes = "privateAttributes"
	keyMeta              = "_meta"
	keyRedacted          = "redactedAttributes"
)

// Policy says which attributes never leave the process. The zero value
// redacts only what a context marks private itself.
//
// A Policy is a plain value: it holds no state, and its methods are safe
// for concurrent use as long as nobody modifies PrivateAttributes at the
// same time. NewHandler copies the Policy it is given.
//
// Validate reports entries that cannot mean what their author intended;
// the provider refuses a telemetry policy that fails it. Redaction itself
// never fails: it ignores the entries Validate rejects for naming a key
// that is never redacted by name, and reads the others as written.
type Policy struct {
	// PrivateAttributes applies to every context: each entry is a
	// top-level attribute name ("email"), or, when it starts with "/", an
	// RFC 6901 JSON Pointer into nested values ("/address/street",
	// "/orders/0/card"). Entries that name targetingKey or anonymous
	// (as a name, or as a pointer's first token) are ignored, and so are
	// entries naming privateAttributes or _meta, which are not attributes.
	PrivateAttributes []string

	// AllAttributesPrivate makes every attribute private except
	// targetingKey and anonymous.
	AllAttributesPrivate bool
}

// Validate checks the policy's entries: each must be a non-empty attribute
// name or a JSON Pointer with valid escapes ("~0", "~1"), and none may
// name targetingKey or anonymous (which redaction keeps by rule: mark such
// contexts anonymous instead) or privateAttributes or _meta (which are not
// attributes). The error names the entry and the fix.
func (p Policy) Validate() error {
	for i, name := range p.PrivateAttributes {
		problem := ""
		toks := parseName(name)
		switch {
		case name == "" || name == "/":
			problem = "name an attribute or a JSON Pointer such as /address/street"
		case toks[0] == keyTargetingKey || toks[0] == keyAnonymous:
			problem = "which is never redacted by name: mark such contexts anonymous instead"
		case exempt(toks[0]):
			problem = "which is not an attribute: remove it"
		case strings.HasPrefix(name, "/") && badEscape(name):
			problem = `invalid JSON Pointer: "~" must be followed by 0 or 1 (write ~0 for "~" and ~1 for "/")`
		default:
			continue
		}
		if strings.HasPrefix(problem, "which") {
			return fmt.Errorf("privacy: PrivateAttributes[%d] is %q, %s", i, name, problem)
		}
		return fmt.Errorf("privacy: PrivateAttributes[%d] is %q: %s", i, name, problem)
	}
	return nil
}

// badEscape reports a "~" not followed by 0 or 1.
func badEscape(ptr string) bool {
	for i := 0; i < len(ptr); i++ {
		if ptr[i] == '~' && (i+1 == len(ptr) || (ptr[i+1] != '0' && ptr[i+1] != '1')) {
			return true
		}
	}
	return false
}

// Redact returns the telemetry form of an evaluation context given as a
// flattened map (OpenFeature's FlattenedContext shape): the targeting key
// under "targetingKey", attributes (possibly nested map[string]any and []any
// values), an optional "privateAttributes" list and an optional
// "anonymous": true.
//
// The private names and pointers are the Policy's plus the context's own
// "privateAttributes" ([]string, or []any of strings; a lone string counts
// as a list of one name, and anything else is ignored). Redact removes each
// of them that is present, and adds "_meta": {"redactedAttributes": [...]}
// listing, sorted, every name or pointer that was present and removed; it
// omits "_meta" when nothing was removed. With AllAttributesPrivate, every
// attribute but targetingKey and anonymous is removed and listed by its
// top-level name. The "privateAttributes" list itself is never in the
// result. A context with "anonymous": true (the bool) becomes exactly
// {"anonymous": true}. The package documentation gives the details
// (pointers into arrays, values Redact cannot see into, an incoming
// "_meta").
//
// Redact never modifies ctx or anything reachable from it. The result is
// a new map; nested maps and slices that needed no change are shared with
// ctx rather than copied, so treat the result as read-only below its top
// level. Redact of a nil or empty ctx returns an empty, non-nil map (it
// marshals as {}). Redact is safe for concurrent use with other readers of
// ctx.
func (p Policy) Redact(ctx map[string]any) map[string]any {
	return NewRedactor(p).Redact(ctx)
}

// Redactor is a Policy prepared for repeated use: its private names and
// pointers are parsed once, by NewRedactor, instead of on every call of
// Policy.Redact. A Redactor is safe for concurrent use; it keeps no
// reference to the Policy's slice. Its policy never changes; AppendJSON
// remembers the key sets of a few recent contexts (the attribute names,
// never a value) to encode contexts with the same keys faster.
type Redactor struct {
	all     bool
	paths   []privatePath // the Policy's, parsed
	root    *node         // the tree of paths, for contexts without their own list
	layouts layouts       // for the top level of contexts
}

// NewRedactor parses p's private names and pointers.
func NewRedactor(p Policy) *Redactor {
	r := &Redactor{all: p.AllAttributesPrivate}
	if !r.all {
		r.paths = parseNames(p.PrivateAttributes)
		r.root = buildTree(r.paths)
		r.root.prepare()
	}
	return r
}

// Redact is Policy.Redact with the Policy given to NewRedactor: the same
// result, the same guarantees. Only the context's own "privateAttributes",
// when it has any, are parsed per call.
func (r *Redactor) Redact(ctx map[string]any) map[string]any {
	if anon, _ := ctx[keyAnonymous].(bool); anon {
		return map[string]any{keyAnonymous: true}
	}
	out := make(map[string]any, len(ctx)+1)
	var removed []string
	root := r.root
	if !r.all {
		if own := PrivateAttributes(ctx); len(own) > 0 {
			root = buildTree(r.paths, parseNames(own))
		}
	}
	for k, v := range ctx {
		switch k {
		case keyPrivateAttributes, keyMeta:
			continue
		case keyTargetingKey, keyAnonymous:
			out[k] = v
			continue
		}
		if r.all {
			removed = append(removed, k)
			continue
		}
		n := root.kids[k]
		if n == nil {
			out[k] = v
			continue
		}
		switch nv, act := n.redact(v, &removed); act {
		case keep:
			out[k] = v
		case replace:
			out[k] = nv
		}
	}
	if meta, ok := ctx[keyMeta].(map[string]any); ok {
		removed = append(removed, stringList(meta[keyRedacted])...)
	}
	if len(removed) > 0 {
		slices.Sort(removed)
		removed = slices.Compact(removed)
		out[keyMeta] = map[string]any{keyRedacted: removed}
	}
	return out
}

// PrivateAttributes returns the names and pointers that ctx marks
// private itself, from its "privateAttributes" entry: a []string, the
// strings of a []any (other elements are ignored), or a lone string taken
// as a list of one name. Any other type yields nil: a malformed list does
// not make the whole context private, which would silently empty every
// event. The result is a new slice.
func PrivateAttributes(ctx map[string]any) []string {
	return stringList(ctx[keyPrivateAttributes])
}

// stringList reads a list of names in any of the accepted shapes into a
// new slice.
func stringList(v any) []string {
	switch l := v.(type) {
	case []string:
		return slices.Clone(l)
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{l}
	}
	return nil
}
