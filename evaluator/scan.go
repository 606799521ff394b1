package evaluator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// decoder is a small streaming JSON reader: the schema decoding in parse.go
// pulls values from it straight into the wire model, with no intermediate
// tree. It checks the JSON grammar, rejects duplicate keys at any depth,
// and keeps the current JSON path on a stack that is rendered only when an
// error needs it. encoding/json is not used because it cannot report
// duplicate keys or the path of an unknown field, and its token API costs
// several times more per value.
type decoder struct {
	data []byte
	pos  int
	path []pathSeg
	// probs collects the shape problems of members (an unknown field, a
	// value of the wrong type, a missing field): object and array skip
	// the member's value and go on, so that one pass reports them all.
	// A syntax error, or one set fatal, stops the decoding instead.
	probs  problems
	broken bool // a syntax error: the position cannot be trusted
	fatal  bool // an error that makes the rest meaningless (schema version)
	// interned holds short strings already read, so that the values a
	// large ruleset repeats (variant names, country codes, operators,
	// field names) are one allocation each, not one per occurrence.
	interned map[string]any // each string boxed once (see internBox)
	strStart int            // where the string stringBody last read starts
	recent   [512]any       // a cache in front of interned
	// Scratch lists, reused for every list of their kind (see keep).
	vals    []any
	conds   []Condition
	rules   []Rule
	strList []string
	weights []WeightedVariant

	// Direct mode (loadDirect): the first pass records the flag keys and
	// where the flags object starts (flagsAt, -1 without one) and ends;
	// the second decodes one flag at a time with views set, so that a
	// flag's lists are views of the scratch lists and its variants and
	// metadata maps are reused, all valid until reset.
	direct   bool
	noIntern bool // reading a string that is seldom repeated: a flag key, a rollout seed
	// uniqueKeys tells the next object not to check its keys for
	// duplicates: loadDirect sorts the flag keys and checks them itself.
	uniqueKeys         bool
	views              bool
	flagKeys           []string
	flagsAt, flagsEnd  int
	variants, metadata map[string]any
}

// newMap returns an empty map for a model's variants or metadata: a new
// one, or in views mode the decoder's own *m, emptied.
func (d *decoder) newMap(m *map[string]any) map[string]any {
	if !d.views {
		return map[string]any{}
	}
	if *m == nil {
		*m = map[string]any{}
	}
	clear(*m)
	return *m
}

// reset ends the life of the views handed out since the last reset: the
// scratch lists are emptied (and zeroed, so nothing they held is kept
// alive, and a view used after its reset reads zero values, which the
// tests comparing loadDirect with Compile would notice).
func (d *decoder) reset() {
	clear(d.vals)
	clear(d.conds)
	clear(d.rules)
	clear(d.strList)
	clear(d.weights)
	d.vals, d.conds, d.rules, d.strList, d.weights = d.vals[:0], d.conds[:0], d.rules[:0], d.strList[:0], d.weights[:0]
}

// errNotDirect stops loadDirect's decoding at something it leaves to the
// full decoder.
var errNotDirect = errors.New("evaluator: not for loadDirect")

// skipObject moves past an object without building it, finding its end
// by counting brackets outside strings. It checks nothing else: loadDirect
// decodes every object it skipped, strictly, in its second pass.
func (d *decoder) skipObject() error {
	if d.peek() != '{' {
		return errNotDirect
	}
	data, depth := d.data, 0
	for i := d.pos; i < len(data); i++ {
		switch data[i] {
		case '"':
			for {
				j := bytes.IndexByte(data[i+1:], '"')
				if j < 0 {
					return errNotDirect
				}
				i += j + 1
				escapes := 0
				for k := i - 1; data[k] == '\\'; k-- {
					escapes++
				}
				if escapes%2 == 0 {
					break
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				d.pos = i + 1
				return nil
			}
		}
	}
	return errNotDirect
}

// Interning bounds: strings up to maxInterned bytes, and at most
// maxInternedCount distinct ones (the repeated strings of a document
// appear early; a document of unique keys must not grow the table).
const (
	maxInterned      = 32
	maxInternedCount = 4096
)

// intern returns raw as a string, shared with earlier occurrences.
func (d *decoder) intern(raw []byte) string {
	if v := d.internBox(raw); v != nil {
		return v.(string)
	}
	return string(raw)
}

// internBox returns raw as a string in an interface value, shared with
// earlier occurrences, so that a repeated value decoded into an any (a
// condition's values) costs no allocation either; nil for a string that
// is not interned (too long, or the table is full).
func (d *decoder) internBox(raw []byte) any {
	if len(raw) > maxInterned || len(raw) == 0 || d.noIntern {
		return nil
	}
	// Most strings of a document are its field names and a few repeated
	// values: a slot chosen from the length and three of the bytes finds
	// them for less than the map, which hashes the whole string.
	x := uint(len(raw))*0x9E3779B1 ^ uint(raw[0])<<8 ^ uint(raw[len(raw)-1])<<16 ^ uint(raw[len(raw)/2])
	slot := &d.recent[(x^x>>13)%uint(len(d.recent))]
	if s, ok := (*slot).(string); ok && s == string(raw) {
		return *slot
	}
	if v, ok := d.interned[string(raw)]; ok {
		*slot = v
		return v
	}
	var v any = string(raw)
	if d.interned == nil {
		d.interned = make(map[string]any, 256)
	}
	if len(d.interned) < maxInternedCount {
		d.interned[v.(string)] = v
	}
	*slot = v
	return v
}

// recover records err, a shape problem of the value at start, and skips
// that value; it returns err itself when decoding cannot go on.
func (d *decoder) recover(err error, start, depth int) error {
	if d.broken || d.fatal {
		return err
	}
	var ve *ValidationError
	if !errors.As(err, &ve) && Problems(err) == nil {
		return err
	}
	d.probs.add(err)
	d.pos, d.path = start, d.path[:depth]
	if _, err := d.plain(); err != nil {
		return err
	}
	return nil
}

type pathSeg struct {
	key   string
	index int
	isIdx bool
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 512

// pathString renders the current path, such as flags.x.rules[2].serve.
func (d *decoder) pathString() string {
	p := ""
	for _, s := range d.path {
		if s.isIdx {
			p = pathIndex(p, s.index)
		} else {
			p = pathKey(p, s.key)
		}
	}
	return p
}

// fail returns a *ValidationError at the current path.
func (d *decoder) fail(format string, args ...any) error {
	return errorf(d.pathString(), format, args...)
}

func (d *decoder) where(off int) string {
	before := d.data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("at line %d, column %d", line, col)
}

func (d *decoder) syntax(what string) error {
	d.broken = true
	if d.pos >= len(d.data) {
		return &ValidationError{Path: d.pathString(), Message: "malformed JSON " + d.where(len(d.data)) + ": document ends early, " + what}
	}
	r, _ := utf8.DecodeRune(d.data[d.pos:])
	return &ValidationError{Path: d.pathString(), Message: fmt.Sprintf("malformed JSON %s: %s, found %q", d.where(d.pos), what, r)}
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.space()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// kind names the JSON type of the next value for error messages.
func (d *decoder) kind() string {
	switch c := d.peek(); {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case d.atLiteral("true"), d.atLiteral("false"):
		return "a boolean"
	case d.atLiteral("null"):
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return "invalid JSON"
}

// wrongType fails with "expected X, got Y" unless the next value is
// malformed, in which case the syntax error is more useful.
func (d *decoder) wrongType(want string) error {
	got := d.kind()
	if got == "invalid JSON" {
		return d.syntax("expected a value")
	}
	return d.fail("expected %s, got %s", want, got)
}

// object reads an object, calling member for each key with the decoder
// positioned at its value and the key pushed on the path. member must
// consume the value. Duplicate keys are rejected.
func (d *decoder) object(member func(key string) error) error {
	// Small objects are checked for duplicates by scanning, large by a set
	// (loadDirect checks the flag keys itself: see uniqueKeys).
	checkDups := !d.uniqueKeys
	d.uniqueKeys = false
	if d.peek() != '{' {
		return d.wrongType("an object")
	}
	if len(d.path) > maxDepth {
		// Fatal: skipping the value to go on would meet the same depth
		// again, once for every level above (exponential time and memory).
		d.fatal = true
		return d.fail("nesting deeper than %d levels", maxDepth)
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	var small [16]string
	seen := small[:0]
	var set map[string]struct{}
	for {
		if d.peek() != '"' {
			return d.syntax("expected a string key")
		}
		d.noIntern = !checkDups // the flag keys: unique, not worth interning
		key, err := d.rawString()
		d.noIntern = false
		if err != nil {
			return err
		}
		d.path = append(d.path, pathSeg{key: key})
		dup := false
		switch {
		case !checkDups:
		case set == nil && len(seen) == cap(small):
			set = make(map[string]struct{}, 4*len(seen))
			for _, k := range seen {
				set[k] = struct{}{}
			}
			fallthrough
		case set != nil:
			_, dup = set[key]
			set[key] = struct{}{}
		default:
			for _, k := range seen {
				if k == key {
					dup = true
					break
				}
			}
			seen = append(seen, key)
		}
		if dup {
			return d.fail("duplicate key %q: each key may appear once in an object", key)
		}
		if d.peek() != ':' {
			return d.syntax("expected ':' after an object key")
		}
		d.pos++
		d.space()
		start, depth := d.pos, len(d.path)
		if err := member(key); err != nil {
			if err := d.recover(err, start, depth); err != nil {
				return err
			}
		}
		d.path = d.path[:len(d.path)-1]
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.syntax("expected ',' or '}' in an object")
		}
	}
}

// array reads an array, calling elem for each index with the decoder
// positioned at the element and the index pushed on the path.
func (d *decoder) array(elem func(i int) error) error {
	if d.peek() != '[' {
		return d.wrongType("an array")
	}
	if len(d.path) > maxDepth {
		// Fatal: skipping the value to go on would meet the same depth
		// again, once for every level above (exponential time and memory).
		d.fatal = true
		return d.fail("nesting deeper than %d levels", maxDepth)
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		return nil
	}
	for i := 0; ; i++ {
		d.path = append(d.path, pathSeg{index: i, isIdx: true})
		d.space()
		start, depth := d.pos, len(d.path)
		if err := elem(i); err != nil {
			if err := d.recover(err, start, depth); err != nil {
				return err
			}
		}
		d.path = d.path[:len(d.path)-1]
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return nil
		default:
			return d.syntax("expected ',' or ']' in an array")
		}
	}
}

// str reads a string value.
func (d *decoder) str() (string, error) {
	if d.peek() != '"' {
		return "", d.wrongType("a string")
	}
	return d.rawString()
}

// boolean reads true or false.
func (d *decoder) boolean() (bool, error) {
	switch {
	case d.literal("true"):
		return true, nil
	case d.literal("false"):
		return false, nil
	}
	return false, d.wrongType("true or false")
}

// num reads a number as a json.Number.
func (d *decoder) num(want string) (json.Number, error) {
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return "", d.wrongType(want)
	}
	return d.rawNumber()
}

// strs reads an array of strings.
func (d *decoder) strs() ([]string, error) {
	base := len(d.strList)
	err := d.array(func(int) error {
		s, err := d.str()
		d.strList = append(d.strList, s)
		return err
	})
	return keep(d.views, &d.strList, base), err
}

// keep returns the elements a list appended to *scratch after base, in a
// slice of their exact length (nil when there are none, as appending to a
// nil slice would have left it), and truncates *scratch back to base. The
// decoder grows one scratch list per kind and reuses it for every list of
// the document, so decoding makes one allocation per list, not the series
// of a growing slice. Taking the elements from base on keeps nested use
// correct.
func keep[T any](views bool, scratch *[]T, base int) []T {
	list := (*scratch)[base:]
	if len(list) == 0 {
		return nil
	}
	if views {
		return slices.Clip(list) // left in place until reset
	}
	out := make([]T, len(list))
	copy(out, list)
	clear(list) // drop references the scratch would otherwise keep alive
	*scratch = (*scratch)[:base]
	return out
}

// plain reads any JSON value into map[string]any, []any, string,
// json.Number, bool or nil.
func (d *decoder) plain() (any, error) {
	switch c := d.peek(); {
	case c == '{':
		m := map[string]any{}
		err := d.object(func(key string) error {
			v, err := d.plain()
			m[key] = v
			return err
		})
		return m, err
	case c == '[':
		a := []any{}
		err := d.array(func(int) error {
			v, err := d.plain()
			a = append(a, v)
			return err
		})
		return a, err
	case c == '"':
		return d.stringAny()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.rawNumber()
	case d.literal("true"):
		return true, nil
	case d.literal("false"):
		return false, nil
	case d.literal("null"):
		return nil, nil
	}
	return nil, d.syntax("expected a value")
}

// end checks that nothing but whitespace follows the document.
func (d *decoder) end() error {
	if d.peek() != 0 {
		return &ValidationError{Message: "unexpected data after the top-level JSON value " + d.where(d.pos)}
	}
	return nil
}

func (d *decoder) literal(word string) bool {
	d.space()
	if d.atLiteral(word) {
		d.pos += len(word)
		return true
	}
	return false
}

// atLiteral reports whether the input at the current position is the
// whole word (not a prefix of "truex").
func (d *decoder) atLiteral(word string) bool {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(word)) {
		return false
	}
	end := d.pos + len(word)
	return end == len(d.data) || !isIdentByte(d.data[end])
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// rawString reads a JSON string at the current position. Strings without
// escapes are sliced directly; others are decoded by encoding/json for
// exact escape and surrogate handling.
func (d *decoder) rawString() (string, error) {
	body, err := d.stringBody()
	if body == nil || err != nil {
		return d.unescape(err)
	}
	return d.intern(body), nil
}

// stringAny reads a string into an interface value, boxed once per
// interned string.
func (d *decoder) stringAny() (any, error) {
	body, err := d.stringBody()
	if body == nil || err != nil {
		return d.unescape(err)
	}
	if v := d.internBox(body); v != nil {
		return v, nil
	}
	return string(body), nil
}

// unescape finishes a string that stringBody did not: one with escapes
// or invalid UTF-8, whose token ends at d.pos (err is stringBody's).
func (d *decoder) unescape(err error) (string, error) {
	if err != nil {
		return "", err
	}
	start := d.strStart
	var out string
	if err := json.Unmarshal(d.data[start:d.pos], &out); err != nil {
		d.pos = start
		return "", d.syntax("invalid escape in a string")
	}
	return out, nil
}

// stringBody reads a string token and returns what is between its
// quotes, or nil (with the token's start in d.strStart) when it has
// escapes or is not valid UTF-8.
func (d *decoder) stringBody() ([]byte, error) {
	data, start := d.data, d.pos
	d.strStart = start
	simple, ascii := true, true
	i := start + 1 // after the opening quote
	for i < len(data) {
		for i < len(data) && plainByte[data[i]] {
			i++
		}
		if i >= len(data) {
			break
		}
		switch c := data[i]; {
		case c == '"':
			d.pos = i + 1
			body := data[start+1 : i]
			if simple && (ascii || utf8.Valid(body)) {
				return body, nil
			}
			return nil, nil
		case c == '\\':
			simple = false
			i += 2
		case c < 0x20:
			d.pos = i
			return nil, d.syntax("control character in a string (escape it)")
		default: // a byte of a multi-byte character
			ascii = false
			i++
		}
	}
	d.pos = i
	return nil, d.syntax("unterminated string")
}

// plainByte marks the bytes a string holds as they are: printable ASCII
// other than the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// rawNumber reads a JSON number, checking its grammar.
func (d *decoder) rawNumber() (json.Number, error) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.data[d.pos] == '-' {
		d.pos++
	}
	intStart := d.pos
	if digits() == 0 {
		return "", d.syntax("expected a digit")
	}
	if d.data[intStart] == '0' && d.pos-intStart > 1 {
		d.pos = intStart
		return "", d.syntax("leading zero in a number")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return "", d.syntax("expected a digit after '.'")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return "", d.syntax("expected a digit in the exponent")
		}
	}
	return json.Number(d.data[start:d.pos]), nil
}
