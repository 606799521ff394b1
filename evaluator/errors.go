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
