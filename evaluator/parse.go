package evaluator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Parse decodes a ruleset document strictly and validates it completely:
// malformed JSON, an unknown field, a duplicate key, a value of the wrong
// type, an unknown operator or variant, a dangling segment or flag
// reference, a prerequisite cycle, bad rollout weights, an invalid regular
// expression or version all reject the whole document with a
// *ValidationError naming the JSON path.
//
// Numbers in the returned model are json.Number values.
func Parse(data []byte) (*Ruleset, error) {
	rs, err := decode(data)
	if err != nil {
		return nil, err
	}
	if _, err := Compile(rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// Load parses and compiles a ruleset document in one step. It is the usual
// way to turn bytes from a file or the flag service into an Evaluator.
func Load(data []byte) (*Evaluator, error) {
	rs, err := decode(data)
	if err != nil {
		return nil, err
	}
	return Compile(rs)
}

// member and object keep a JSON object's members in document order, so
// errors are reported for the first offending member.
type member struct {
	key string
	val any
}

type object []member

// decode turns a document into the wire model, checking syntax, duplicate
// keys, field names and JSON types. Semantic checks are Compile's.
func decode(data []byte) (*Ruleset, error) {
	tree, err := readTree(data)
	if err != nil {
		return nil, err
	}
	return decodeRuleset(tree)
}

// readTree reads one JSON value with object members in order, rejecting
// duplicate keys at any depth and trailing data.
func readTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	r := treeReader{dec: dec, data: data}
	v, err := r.value("")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ValidationError{Message: "unexpected data after the top-level JSON value " + r.where(dec.InputOffset())}
	}
	return v, nil
}

type treeReader struct {
	dec  *json.Decoder
	data []byte
}

// where renders a byte offset as "at line L, column C".
func (r *treeReader) where(off int64) string {
	if off > int64(len(r.data)) {
		off = int64(len(r.data))
	}
	before := r.data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("at line %d, column %d", line, col)
}

func (r *treeReader) syntax(err error) error {
	if err == io.EOF {
		return &ValidationError{Message: "document is empty or truncated: expected a JSON object"}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ValidationError{Message: "malformed JSON " + r.where(se.Offset) + ": " + strings.TrimPrefix(se.Error(), "json: ")}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &ValidationError{Message: "malformed JSON: document ends early"}
	}
	return &ValidationError{Message: "malformed JSON: " + err.Error()}
}

func (r *treeReader) value(path string) (any, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntax(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch d {
	case '{':
		var obj object
		var seen map[string]struct{}
		for r.dec.More() {
			tok, err := r.dec.Token()
			if err != nil {
				return nil, r.syntax(err)
			}
			key := tok.(string)
			// Small objects are checked by scanning, large ones by a set.
			if seen == nil && len(obj) >= 8 {
				seen = make(map[string]struct{}, 16)
				for _, m := range obj {
					seen[m.key] = struct{}{}
				}
			}
			dup := false
			if seen != nil {
				_, dup = seen[key]
				seen[key] = struct{}{}
			} else {
				for _, m := range obj {
					if m.key == key {
						dup = true
						break
					}
				}
			}
			if dup {
				return nil, errorf(pathKey(path, key), "duplicate key %q: each key may appear once in an object", key)
			}
			v, err := r.value(pathKey(path, key))
			if err != nil {
				return nil, err
			}
			obj = append(obj, member{key, v})
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(err)
		}
		if obj == nil {
			obj = object{}
		}
		return obj, nil
	case '[':
		arr := []any{}
		for r.dec.More() {
			v, err := r.value(pathIndex(path, len(arr)))
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(err)
		}
		return arr, nil
	}
	return nil, &ValidationError{Message: "malformed JSON: unexpected " + d.String()}
}

// kindOf names a tree value's JSON type for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case object:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

func wantObject(path string, v any) (object, error) {
	if o, ok := v.(object); ok {
		return o, nil
	}
	return nil, errorf(path, "expected an object, got %s", kindOf(v))
}

func wantArray(path string, v any) ([]any, error) {
	if a, ok := v.([]any); ok {
		return a, nil
	}
	return nil, errorf(path, "expected an array, got %s", kindOf(v))
}

func wantString(path string, v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", errorf(path, "expected a string, got %s", kindOf(v))
}

func wantBool(path string, v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, errorf(path, "expected true or false, got %s", kindOf(v))
}

func wantStrings(path string, v any) ([]string, error) {
	arr, err := wantArray(path, v)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		if out[i], err = wantString(pathIndex(path, i), e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func unknownField(path, key string, allowed string) error {
	return errorf(pathKey(path, key), "unknown field %q; allowed fields are %s", key, allowed)
}

func missingField(path, key string) error {
	return errorf(path, "missing required field %q", key)
}

// plain converts a tree value into the plain form kept in the model:
// map[string]any, []any, string, json.Number, bool and nil.
func plain(v any) any {
	switch t := v.(type) {
	case object:
		m := make(map[string]any, len(t))
		for _, mb := range t {
			m[mb.key] = plain(mb.val)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

func decodeRuleset(tree any) (*Ruleset, error) {
	obj, err := wantObject("", tree)
	if err != nil {
		return nil, &ValidationError{Message: "a ruleset document must be a JSON object, got " + kindOf(tree)}
	}
	rs := &Ruleset{}
	hasVersion := false
	for _, m := range obj {
		p := pathKey("", m.key)
		switch m.key {
		case "schemaVersion":
			n, ok := m.val.(json.Number)
			if !ok {
				return nil, errorf(p, "expected the number 1, got %s", kindOf(m.val))
			}
			i, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil || i != SchemaVersion {
				return nil, errorf(p, "unsupported schema version %s: this SDK reads schemaVersion 1", n)
			}
			rs.SchemaVersion = int(i)
			hasVersion = true
		case "tenantId":
			rs.TenantID, err = wantString(p, m.val)
		case "environment":
			rs.Environment, err = wantString(p, m.val)
		case "version":
			rs.Version, err = wantString(p, m.val)
		case "flags":
			rs.Flags, err = decodeFlags(p, m.val)
		case "segments":
			rs.Segments, err = decodeSegments(p, m.val)
		default:
			err = unknownField("", m.key, "schemaVersion, tenantId, environment, version, flags, segments")
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasVersion {
		return nil, missingField("", "schemaVersion")
	}
	return rs, nil
}

func decodeFlags(path string, v any) (map[string]Flag, error) {
	obj, err := wantObject(path, v)
	if err != nil {
		return nil, err
	}
	flags := make(map[string]Flag, len(obj))
	for _, m := range obj {
		f, err := decodeFlag(pathKey(path, m.key), m.val)
		if err != nil {
			return nil, err
		}
		flags[m.key] = f
	}
	return flags, nil
}

const flagFields = "type, enabled, variants, offVariant, prerequisites, targets, rules, default, metadata, trackEvents"

func decodeFlag(path string, v any) (Flag, error) {
	var f Flag
	obj, err := wantObject(path, v)
	if err != nil {
		return f, err
	}
	for _, m := range obj {
		p := pathKey(path, m.key)
		switch m.key {
		case "type":
			var s string
			s, err = wantString(p, m.val)
			f.Type = FlagType(s)
		case "enabled":
			var b bool
			b, err = wantBool(p, m.val)
			f.Enabled = &b
		case "variants":
			var vo object
			if vo, err = wantObject(p, m.val); err == nil {
				f.Variants = make(map[string]any, len(vo))
				for _, vm := range vo {
					f.Variants[vm.key] = plain(vm.val)
				}
			}
		case "offVariant":
			f.OffVariant, err = wantString(p, m.val)
		case "prerequisites":
			f.Prerequisites, err = decodePrerequisites(p, m.val)
		case "targets":
			f.Targets, err = decodeTargets(p, m.val)
		case "rules":
			var arr []any
			if arr, err = wantArray(p, m.val); err == nil {
				f.Rules = make([]Rule, len(arr))
				for i, e := range arr {
					if f.Rules[i], err = decodeRule(pathIndex(p, i), e); err != nil {
						break
					}
				}
			}
		case "default":
			var s Serve
			s, err = decodeServe(p, m.val)
			f.Default = &s
		case "metadata":
			var mo object
			if mo, err = wantObject(p, m.val); err == nil {
				f.Metadata = make(map[string]any, len(mo))
				for _, mm := range mo {
					f.Metadata[mm.key] = plain(mm.val)
				}
			}
		case "trackEvents":
			f.TrackEvents, err = wantBool(p, m.val)
		default:
			err = unknownField(path, m.key, flagFields)
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

func decodePrerequisites(path string, v any) ([]Prerequisite, error) {
	arr, err := wantArray(path, v)
	if err != nil {
		return nil, err
	}
	out := make([]Prerequisite, len(arr))
	for i, e := range arr {
		p := pathIndex(path, i)
		obj, err := wantObject(p, e)
		if err != nil {
			return nil, err
		}
		var hasFlag, hasVariants bool
		for _, m := range obj {
			switch m.key {
			case "flag":
				out[i].Flag, err = wantString(pathKey(p, m.key), m.val)
				hasFlag = true
			case "variants":
				out[i].Variants, err = wantStrings(pathKey(p, m.key), m.val)
				hasVariants = true
			default:
				err = unknownField(p, m.key, "flag, variants")
			}
			if err != nil {
				return nil, err
			}
		}
		if !hasFlag {
			return nil, missingField(p, "flag")
		}
		if !hasVariants {
			return nil, missingField(p, "variants")
		}
	}
	return out, nil
}

func decodeTargets(path string, v any) ([]Target, error) {
	arr, err := wantArray(path, v)
	if err != nil {
		return nil, err
	}
	out := make([]Target, len(arr))
	for i, e := range arr {
		p := pathIndex(path, i)
		obj, err := wantObject(p, e)
		if err != nil {
			return nil, err
		}
		var hasVariant, hasValues bool
		for _, m := range obj {
			switch m.key {
			case "variant":
				out[i].Variant, err = wantString(pathKey(p, m.key), m.val)
				hasVariant = true
			case "values":
				out[i].Values, err = wantStrings(pathKey(p, m.key), m.val)
				hasValues = true
			default:
				err = unknownField(p, m.key, "variant, values")
			}
			if err != nil {
				return nil, err
			}
		}
		if !hasVariant {
			return nil, missingField(p, "variant")
		}
		if !hasValues {
			return nil, missingField(p, "values")
		}
	}
	return out, nil
}

func decodeRule(path string, v any) (Rule, error) {
	var r Rule
	obj, err := wantObject(path, v)
	if err != nil {
		return r, err
	}
	hasServe := false
	for _, m := range obj {
		p := pathKey(path, m.key)
		switch m.key {
		case "id":
			r.ID, err = wantString(p, m.val)
		case "conditions":
			r.Conditions, err = decodeConditions(p, m.val)
		case "serve":
			r.Serve, err = decodeServe(p, m.val)
			hasServe = true
		case "trackEvents":
			r.TrackEvents, err = wantBool(p, m.val)
		default:
			err = unknownField(path, m.key, "id, conditions, serve, trackEvents")
		}
		if err != nil {
			return r, err
		}
	}
	if !hasServe {
		return r, missingField(path, "serve")
	}
	return r, nil
}

func decodeConditions(path string, v any) ([]Condition, error) {
	arr, err := wantArray(path, v)
	if err != nil {
		return nil, err
	}
	out := make([]Condition, len(arr))
	for i, e := range arr {
		p := pathIndex(path, i)
		obj, err := wantObject(p, e)
		if err != nil {
			return nil, err
		}
		hasOp := false
		for _, m := range obj {
			mp := pathKey(p, m.key)
			switch m.key {
			case "attribute":
				out[i].Attribute, err = wantString(mp, m.val)
			case "operator":
				var s string
				s, err = wantString(mp, m.val)
				out[i].Operator = Operator(s)
				hasOp = true
			case "values":
				var vals []any
				if vals, err = wantArray(mp, m.val); err == nil {
					out[i].Values = make([]any, len(vals))
					for j, val := range vals {
						out[i].Values[j] = plain(val)
					}
				}
			case "negate":
				out[i].Negate, err = wantBool(mp, m.val)
			default:
				err = unknownField(p, m.key, "attribute, operator, values, negate")
			}
			if err != nil {
				return nil, err
			}
		}
		if !hasOp {
			return nil, missingField(p, "operator")
		}
	}
	return out, nil
}

func decodeServe(path string, v any) (Serve, error) {
	var s Serve
	obj, err := wantObject(path, v)
	if err != nil {
		return s, err
	}
	for _, m := range obj {
		p := pathKey(path, m.key)
		switch m.key {
		case "variant":
			s.Variant, err = wantString(p, m.val)
		case "rollout":
			var ro Rollout
			ro, err = decodeRollout(p, m.val)
			s.Rollout = &ro
		default:
			err = unknownField(path, m.key, "variant, rollout (exactly one)")
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

func decodeRollout(path string, v any) (Rollout, error) {
	var ro Rollout
	obj, err := wantObject(path, v)
	if err != nil {
		return ro, err
	}
	hasVariants := false
	for _, m := range obj {
		p := pathKey(path, m.key)
		switch m.key {
		case "variants":
			hasVariants = true
			var arr []any
			if arr, err = wantArray(p, m.val); err != nil {
				return ro, err
			}
			ro.Variants = make([]WeightedVariant, len(arr))
			for i, e := range arr {
				if ro.Variants[i], err = decodeWeighted(pathIndex(p, i), e); err != nil {
					return ro, err
				}
			}
		case "bucketBy":
			ro.BucketBy, err = wantString(p, m.val)
		case "seed":
			ro.Seed, err = wantString(p, m.val)
		default:
			err = unknownField(path, m.key, "variants, bucketBy, seed")
		}
		if err != nil {
			return ro, err
		}
	}
	if !hasVariants {
		return ro, missingField(path, "variants")
	}
	return ro, nil
}

func decodeWeighted(path string, v any) (WeightedVariant, error) {
	var w WeightedVariant
	obj, err := wantObject(path, v)
	if err != nil {
		return w, err
	}
	var hasVariant, hasWeight bool
	for _, m := range obj {
		p := pathKey(path, m.key)
		switch m.key {
		case "variant":
			w.Variant, err = wantString(p, m.val)
			hasVariant = true
		case "weight":
			hasWeight = true
			n, ok := m.val.(json.Number)
			if !ok {
				return w, errorf(p, "expected a non-negative integer, got %s", kindOf(m.val))
			}
			w.Weight, err = strconv.ParseUint(string(n), 10, 64)
			if err != nil || w.Weight > math.MaxUint32+1 {
				return w, errorf(p, "weight %s is not an integer from 0 to 4294967296", n)
			}
		default:
			err = unknownField(path, m.key, "variant, weight")
		}
		if err != nil {
			return w, err
		}
	}
	if !hasVariant {
		return w, missingField(path, "variant")
	}
	if !hasWeight {
		return w, missingField(path, "weight")
	}
	return w, nil
}

func decodeSegments(path string, v any) (map[string]Segment, error) {
	obj, err := wantObject(path, v)
	if err != nil {
		return nil, err
	}
	segs := make(map[string]Segment, len(obj))
	for _, m := range obj {
		p := pathKey(path, m.key)
		so, err := wantObject(p, m.val)
		if err != nil {
			return nil, err
		}
		var s Segment
		for _, sm := range so {
			sp := pathKey(p, sm.key)
			switch sm.key {
			case "included":
				s.Included, err = wantStrings(sp, sm.val)
			case "excluded":
				s.Excluded, err = wantStrings(sp, sm.val)
			case "rules":
				var arr []any
				if arr, err = wantArray(sp, sm.val); err == nil {
					s.Rules = make([]SegmentRule, len(arr))
					for i, e := range arr {
						if s.Rules[i], err = decodeSegmentRule(pathIndex(sp, i), e); err != nil {
							break
						}
					}
				}
			default:
				err = unknownField(p, sm.key, "included, excluded, rules")
			}
			if err != nil {
				return nil, err
			}
		}
		segs[m.key] = s
	}
	return segs, nil
}

func decodeSegmentRule(path string, v any) (SegmentRule, error) {
	var r SegmentRule
	obj, err := wantObject(path, v)
	if err != nil {
		return r, err
	}
	for _, m := range obj {
		p := pathKey(path, m.key)
		switch m.key {
		case "id":
			r.ID, err = wantString(p, m.val)
		case "conditions":
			r.Conditions, err = decodeConditions(p, m.val)
		default:
			err = unknownField(path, m.key, "id, conditions")
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}
