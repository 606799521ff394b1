package evaluator

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidRuleset is matched by every error that rejects a ruleset
// document, so callers can use errors.Is without inspecting the details.
var ErrInvalidRuleset = errors.New("evaluator: invalid ruleset")

// ValidationError rejects a ruleset document. Path is the location in the
// document in dotted form, for example
// flags.checkout.rules[2].conditions[0].operator; malformed JSON carries
// the path it was found at as well as the line and column. Path is empty
// for errors about the document as a whole (an empty document, data after
// it).
//
// Messages quote keys and values taken from the ruleset document, never
// from an evaluation context.
type ValidationError struct {
	Path    string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Path == "" {
		return "evaluator: " + e.Message
	}
	return "evaluator: " + e.Path + ": " + e.Message
}

// Is reports whether target is ErrInvalidRuleset.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRuleset }

func errorf(path, format string, args ...any) *ValidationError {
	return &ValidationError{Path: path, Message: fmt.Sprintf(format, args...)}
}

// pathKey appends an object member to a path: a.b for simple keys and
// a["odd.key"] for keys that would be ambiguous in dotted form.
func pathKey(path, key string) string {
	if isPlainKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func pathIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// loc is a JSON path kept in pieces on the stack (the place it extends,
// then a member name or an array index) and joined into a string only
// when a problem is reported there. A valid ruleset reports none, and
// joining every rule's, condition's and value's path up front was a fifth
// of what Load allocated.
type loc struct {
	up    *loc
	name  string // a member of up (with pathKey's quoting); the whole path when up is nil
	index int    // an element of up, when elem is set
	elem  bool
}

// root is a loc whose path is already a string.
func root(path string) loc { return loc{name: path} }

// member is the place of member name of p.
func (p *loc) member(name string) loc { return loc{up: p, name: name} }

// at is the place of element i of p.
func (p *loc) at(i int) loc { return loc{up: p, index: i, elem: true} }

// String joins the path, as pathKey and pathIndex would have.
func (p *loc) String() string { return string(p.appendTo(nil)) }

// appendTo appends the path to b. It copies bytes only, so no part of p
// flows into the result, and locs stay on the stack.
func (p *loc) appendTo(b []byte) []byte {
	switch {
	case p.up == nil:
		return append(b, p.name...)
	case p.elem:
		b = append(p.up.appendTo(b), '[')
		return append(strconv.AppendInt(b, int64(p.index), 10), ']')
	}
	b = p.up.appendTo(b)
	if !isPlainKey(p.name) {
		return append(strconv.AppendQuote(append(b, '['), p.name), ']')
	}
	if len(b) > 0 {
		b = append(b, '.')
	}
	return append(b, p.name...)
}

// problem is a *ValidationError at p.
func (p *loc) problem(format string, args ...any) *ValidationError {
	return errorf(p.String(), format, args...)
}

func isPlainKey(key string) bool {
	if key == "" {
		return false
	}
	return !strings.ContainsFunc(key, func(r rune) bool {
		return !(r == '-' || r == '_' || r == ':' || r == '/' || r == '@' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'))
	})
}

// ValidationErrors rejects a ruleset document that has more than one
// problem; Errors lists every problem found: those of segments first,
// then those of flags, each in key order, each with its path. A single
// problem is rejected with that *ValidationError alone, so errors.As
// finds a *ValidationError in either case (the first problem).
//
// Problems of the document's shape (unknown fields, values of the wrong
// JSON type, missing fields) are all listed, each value in error skipped;
// the semantic checks run once the shape is right. A syntax error stops
// decoding and is the one problem reported.
type ValidationErrors struct {
	Errors []*ValidationError
}

// Error returns one line per problem, as errors.Join would.
func (e *ValidationErrors) Error() string {
	var b strings.Builder
	for i, p := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns every problem, for errors.Is and errors.As.
func (e *ValidationErrors) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, p := range e.Errors {
		out[i] = p
	}
	return out
}

// Is reports whether target is ErrInvalidRuleset.
func (e *ValidationErrors) Is(target error) bool { return target == ErrInvalidRuleset }

// Problems returns every problem that err carries: the list of a
// *ValidationErrors, the one *ValidationError, or nil for an error that
// is neither (nil, or an error of another kind).
func Problems(err error) []*ValidationError {
	var list *ValidationErrors
	if errors.As(err, &list) {
		return list.Errors
	}
	var one *ValidationError
	if errors.As(err, &one) {
		return []*ValidationError{one}
	}
	return nil
}

// problems collects the problems compiling a ruleset finds.
type problems struct {
	list []*ValidationError
}

// add records err, if any; a list is flattened.
func (p *problems) add(err error) {
	if err == nil {
		return
	}
	if more := Problems(err); more != nil {
		p.list = append(p.list, more...)
		return
	}
	p.list = append(p.list, &ValidationError{Message: err.Error()})
}

// err is nil, the single problem, or all of them.
func (p *problems) err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return p.list[0]
	}
	return &ValidationErrors{Errors: p.list}
}
