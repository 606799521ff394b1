package privacy

import (
	"context"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// RedactedValue is the string that replaces the value of a private log
// attribute.
const RedactedValue = "[REDACTED]"

// maxGroupDepth bounds how many levels of nested maps Context.LogValue
// turns into groups; deeper maps are logged as values.
const maxGroupDepth = 16

// Context is an evaluation context that logs in its redacted form: its
// LogValue is a group holding Policy.Redact(Attributes), keys sorted,
// nested map[string]any values as nested groups. Attributes is read only
// when the value is logged, and never modified.
//
//	logger.Info("evaluated", "context", privacy.Context{Policy: policy, Attributes: ctx})
type Context struct {
	Policy     Policy
	Attributes map[string]any
}

// LogValue implements slog.LogValuer.
func (c Context) LogValue() slog.Value {
	return groupOf(c.Policy.Redact(c.Attributes), 0)
}

var _ slog.LogValuer = Context{}

func groupOf(m map[string]any, depth int) slog.Value {
	attrs := make([]slog.Attr, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if sub, ok := m[k].(map[string]any); ok && k != "" && depth < maxGroupDepth {
			attrs = append(attrs, slog.Attr{Key: k, Value: groupOf(sub, depth+1)})
		} else {
			attrs = append(attrs, slog.Any(k, m[k]))
		}
	}
	return slog.GroupValue(attrs...)
}

// ReplaceAttr redacts one log attribute; it is meant for
// slog.HandlerOptions.ReplaceAttr:
//
//	slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: policy.ReplaceAttr})
//
// An attribute is private when a top-level name in PrivateAttributes
// equals its key or the name of any group it is in, or when a JSON Pointer
// in PrivateAttributes is a prefix of its path (its groups and its key:
// group "user", key "email" is "/user/email", and "/user" covers it too).
// A private attribute keeps its key and gets the value RedactedValue.
// Otherwise an attribute whose value is a map[string]any is treated as an
// evaluation context and replaced by its Redact form; the pointers that
// reach into it from its path ("/user/email" for an attribute "user")
// are applied to it as well. A group value is redacted member by member.
//
// AllAttributesPrivate applies to such contexts only, not to every log
// attribute, and the built-in keys (time, level, msg, source) outside any
// group are never redacted. ReplaceAttr is safe for concurrent use.
func (p Policy) ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.TimeKey, slog.LevelKey, slog.MessageKey, slog.SourceKey:
			return a
		}
	}
	a, _ = p.redactAttr(groups, a)
	return a
}

// redactAttr redacts a at groups and reports whether it changed.
func (p Policy) redactAttr(groups []string, a slog.Attr) (slog.Attr, bool) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() != slog.KindGroup && p.privatePath(groups, a.Key) {
		return slog.String(a.Key, RedactedValue), true
	}
	switch a.Value.Kind() {
	case slog.KindGroup:
		// Redacted member by member, as the standard handlers call
		// ReplaceAttr: a group named private has every member redacted.
		members := a.Value.Group()
		sub := groups
		if a.Key != "" { // an empty key inlines the group's members
			sub = append(slices.Clip(groups), a.Key)
		}
		var out []slog.Attr
		for i, m := range members {
			r, changed := p.redactAttr(sub, m)
			if changed && out == nil {
				out = slices.Clone(members)
			}
			if out != nil {
				out[i] = r
			}
		}
		if out != nil {
			return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}, true
		}
	case slog.KindAny:
		if m, ok := contextMap(a.Value.Any()); ok {
			return slog.Any(a.Key, p.within(groups, a.Key).Redact(m)), true
		}
	}
	return a, false
}

// contextMap returns v as a context when it is one: a map[string]any, or
// any other map with string keys, such as openfeature.FlattenedContext
// (a named map type a plain type assertion would miss) or
// map[string]string. Other maps are copied into a map[string]any.
func contextMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	if v == nil || shapeOf(v) != objectShape {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return nil, false
	}
	if rv.Type().ConvertibleTo(contextType) {
		return rv.Convert(contextType).Interface().(map[string]any), true
	}
	m := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		m[it.Key().String()] = it.Value().Interface()
	}
	return m, true
}

var contextType = reflect.TypeFor[map[string]any]()

// privatePath reports whether the log attribute key inside groups is
// private.
func (p Policy) privatePath(groups []string, key string) bool {
	for _, name := range p.PrivateAttributes {
		if !strings.HasPrefix(name, "/") {
			if !exempt(name) && (name == key || slices.Contains(groups, name)) {
				return true
			}
			continue
		}
		if rest, ok := matchPath(name, groups, key); ok && rest == "" {
			return true
		}
	}
	return false
}

// within returns p plus, for each pointer of p that reaches below the
// attribute at (groups, key), the rest of that pointer, so that it applies
// to the attribute's value.
func (p Policy) within(groups []string, key string) Policy {
	var extra []string
	for _, name := range p.PrivateAttributes {
		if rest, ok := matchPath(name, groups, key); ok && rest != "" {
			extra = append(extra, rest)
		}
	}
	if extra == nil {
		return p
	}
	return Policy{
		PrivateAttributes:    append(slices.Clip(p.PrivateAttributes), extra...),
		AllAttributesPrivate: p.AllAttributesPrivate,
	}
}

// matchPath matches the JSON Pointer ptr against the path groups..., key.
// ok is false when ptr is not a pointer, is exempt, or diverges from the
// path; otherwise rest is "" when ptr ends within the path (it covers the
// attribute), or the remainder of ptr below the attribute, still escaped
// and starting with "/".
func matchPath(ptr string, groups []string, key string) (rest string, ok bool) {
	if !strings.HasPrefix(ptr, "/") {
		return "", false
	}
	rest = ptr
	for i := 0; i <= len(groups); i++ {
		if rest == "" {
			return "", true // ptr is a prefix of the path
		}
		tok, tail, found := strings.Cut(rest[1:], "/")
		tok = unescape(tok)
		if i == 0 && exempt(tok) {
			return "", false
		}
		elem := key
		if i < len(groups) {
			elem = groups[i]
		}
		if tok != elem {
			return "", false
		}
		if found {
			rest = "/" + tail
		} else {
			rest = ""
		}
	}
	return rest, true
}

// NewHandler returns a handler that redacts every attribute, those of
// records and those given to WithAttrs, within the groups opened by
// WithGroup, exactly as Policy.ReplaceAttr does, and passes the result to
// inner. Values of type map[string]any are logged in their Redact form.
// It copies p. The handler is safe for concurrent use if inner is.
func NewHandler(inner slog.Handler, p Policy) slog.Handler {
	p.PrivateAttributes = slices.Clone(p.PrivateAttributes)
	return &handler{inner: inner, policy: p}
}

// handler is the slog.Handler returned by NewHandler.
type handler struct {
	inner  slog.Handler
	policy Policy
	groups []string // opened by WithGroup, outermost first
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		a, _ = h.policy.redactAttr(h.groups, a)
		out.AddAttrs(a)
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	redacted := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		redacted[i], _ = h.policy.redactAttr(h.groups, a)
	}
	return &handler{inner: h.inner.WithAttrs(redacted), policy: h.policy, groups: h.groups}
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &handler{inner: h.inner.WithGroup(name), policy: h.policy, groups: append(slices.Clip(h.groups), name)}
}
