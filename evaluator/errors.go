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
