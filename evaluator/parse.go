package evaluator

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
)

// Parse decodes a ruleset document strictly and validates it completely:
// malformed JSON, an unknown field, a duplicate key, a value of the wrong
// type, an unknown operator or variant, a dangling segment or flag
// reference, a prerequisite cycle, bad rollout weights, an invalid regular
// expression or version all reject the whole document with a
// *ValidationError naming the JSON path. Malformed JSON and problems of
// the document's shape (unknown fields, wrong JSON types) stop at the
// first; once the document has decoded, every other problem is reported,
// as a *ValidationErrors when there is more than one (Problems lists
// them in either case).
//
// Parse runs every check Compile runs but builds no Evaluator (no key
// indexes, no precomputed results). To evaluate, use Load on bytes, or
// Compile on a model you built or changed.
//
// Numbers in the returned model are json.Number values, so the model
// survives Parse → json.Marshal → Parse unchanged.
func Parse(data []byte) (*Ruleset, error) {
	rs, err := decode(data)
	if err != nil {
		return nil, err
	}
	if err := validate(rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// Load parses and compiles a ruleset document in one step. It is the usual
// way to turn bytes from a file or the flag service into an Evaluator.
func Load(data []byte) (*Evaluator, error) {
	if e := loadDirect(data); e != nil {
		return e, nil
	}
	// Not a document loadDirect takes (or not a valid one): decode it
	// into the model and compile that, which reports every problem.
	rs, err := decode(data)
	if err != nil {
		return nil, err
	}
	return Compile(rs)
}

// decode reads a document into the wire model, checking syntax, duplicate
// keys, field names and JSON types. Semantic checks are Compile's.
func decode(data []byte) (*Ruleset, error) {
	return newDecoder(data).document()
}

func newDecoder(data []byte) *decoder {
	return &decoder{data: data, path: make([]pathSeg, 0, 16), flagsAt: -1}
}

// document decodes the whole document. In direct mode (loadDirect) it
// leaves the flags out of the model: it records their keys and where the
// flags object is, for a second pass.
func (d *decoder) document() (*Ruleset, error) {
	data := d.data
	switch d.peek() {
	case 0:
		return nil, &ValidationError{Message: "document is empty: expected a JSON object with schemaVersion and flags"}
	case '{':
	default:
		if d.kind() == "invalid JSON" {
			return nil, d.syntax("expected a JSON object")
		}
		return nil, &ValidationError{Message: "a ruleset document must be a JSON object, got " + d.kind()}
	}
	rs := &Ruleset{}
	hasVersion := false
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "schemaVersion":
			hasVersion = true
			var n json.Number
			if n, err = d.num("the number 1"); err != nil {
				return err
			}
			if i, ok := wholeNumber(n); !ok || i != SchemaVersion {
				d.fatal = true // the rest of another version's document means nothing here
				return d.fail("unsupported schema version %s: this SDK reads schemaVersion 1", n)
			}
			rs.SchemaVersion = SchemaVersion
		case "$schema":
			rs.Schema, err = d.str()
		case "tenantId":
			rs.TenantID, err = d.str()
		case "environment":
			rs.Environment, err = d.str()
		case "version":
			rs.Version, err = d.str()
		case "flags":
			if d.direct {
				d.flagsAt, d.uniqueKeys = d.pos, true
				err = d.object(func(key string) error {
					d.flagKeys = append(d.flagKeys, key)
					return d.skipObject()
				})
				d.flagsEnd = d.pos
				break
			}
			rs.Flags = map[string]Flag{}
			err = d.object(func(key string) error {
				f, err := d.flag()
				rs.Flags[key] = f
				return err
			})
		case "valueHashing":
			var h ValueHashing
			h, err = d.valueHashing()
			rs.ValueHashing = &h
		case "segments":
			rs.Segments = map[string]Segment{}
			err = d.object(func(key string) error {
				s, err := d.segment()
				rs.Segments[key] = s
				return err
			})
		case "signed":
			d.fatal = true
			err = d.fail("this is a signed envelope, not a ruleset: open it with signing.Open (the provider does, given Config.TrustedKeys) or check it with switchyard verify")
		default:
			err = d.unknownField(key, "schemaVersion, tenantId, environment, version, flags, segments, valueHashing, $schema")
		}
		return err
	})
	if err != nil {
		if !hasVersion {
			// A document of another schema version fails for reasons of its
			// own; say which version it is rather than the first symptom.
			if v, ok := topLevelSchemaVersion(data); ok {
				if i, ok := wholeNumber(v); !ok || i != SchemaVersion {
					return nil, errorf("schemaVersion", "unsupported schema version %s: this SDK reads schemaVersion 1", v)
				}
			}
		}
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	if !hasVersion {
		d.probs.add(missingField("", "schemaVersion"))
	}
	if err := d.probs.err(); err != nil {
		return nil, err
	}
	// Empty and absent mean the same; normalise so a parsed model
	// marshals and parses back to an equal value.
	if rs.Flags == nil {
		rs.Flags = map[string]Flag{}
	}
	if len(rs.Segments) == 0 {
		rs.Segments = nil
	}
	return rs, nil
}

// topLevelSchemaVersion finds the schemaVersion member of a document that
// failed to decode, skipping every other member.
func topLevelSchemaVersion(data []byte) (json.Number, bool) {
	d := &decoder{data: data}
	var found json.Number
	errFound := errors.New("found")
	err := d.object(func(key string) error {
		if key == "schemaVersion" {
			n, err := d.num("a number")
			if err != nil {
				return err
			}
			found = n
			return errFound
		}
		_, err := d.plain()
		return err
	})
	return found, err == errFound
}

func (d *decoder) unknownField(key, allowed string) error {
	return d.fail("%s", unknownName("field", key, fieldNames(allowed), "allowed fields are "+allowed))
}

// fieldNames splits a list of allowed fields as unknownField takes it
// ("a, b, c (exactly one)") into names.
func fieldNames(allowed string) []string {
	allowed, _, _ = strings.Cut(allowed, " (")
	return strings.Split(allowed, ", ")
}

// required reports the first field of names that was not seen, as an
// error at the current path (the enclosing object).
func (d *decoder) required(seen []bool, names ...string) error {
	for i, ok := range seen {
		if !ok {
			return missingField(d.pathString(), names[i])
		}
	}
	return nil
}

func missingField(path, key string) error {
	return errorf(path, "missing required field %q", key)
}

const flagFields = "type, enabled, variants, offVariant, prerequisites, targets, rules, default, metadata, trackEvents"

func (d *decoder) flag() (Flag, error) {
	var f Flag
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "type":
			var s string
			if s, err = d.str(); err == nil {
				var ok bool
				if f.Type, ok = flagTypeNamed(s); !ok {
					err = d.fail("unknown flag type %q; %s", s, flagTypeHint)
				}
			}
		case "enabled":
			var b bool
			b, err = d.boolean()
			f.Enabled = &b
		case "variants":
			f.Variants = d.newMap(&d.variants)
			err = d.object(func(name string) error {
				v, err := d.plain()
				f.Variants[name] = v
				return err
			})
		case "offVariant":
			f.OffVariant, err = d.str()
		case "prerequisites":
			err = d.array(func(int) error {
				p, err := d.prerequisite()
				f.Prerequisites = append(f.Prerequisites, p)
				return err
			})
		case "targets":
			err = d.array(func(int) error {
				t, err := d.target()
				f.Targets = append(f.Targets, t)
				return err
			})
		case "rules":
			base := len(d.rules)
			err = d.array(func(int) error {
				r, err := d.rule()
				d.rules = append(d.rules, r)
				return err
			})
			f.Rules = keep(d.views, &d.rules, base)
		case "default":
			var s Serve
			s, err = d.serve()
			f.Default = &s
		case "metadata":
			f.Metadata = d.newMap(&d.metadata)
			err = d.object(func(name string) error {
				v, err := d.plain()
				f.Metadata[name] = v
				return err
			})
			if len(f.Metadata) == 0 {
				f.Metadata = nil // an empty object and no object mean the same
			}
		case "trackEvents":
			f.TrackEvents, err = d.boolean()
		default:
			err = d.unknownField(key, flagFields)
		}
		return err
	})
	return f, err
}

func (d *decoder) prerequisite() (Prerequisite, error) {
	var p Prerequisite
	var seen [2]bool
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "flag":
			seen[0] = true
			p.Flag, err = d.str()
		case "variants":
			seen[1] = true
			p.Variants, err = d.strs()
		default:
			err = d.unknownField(key, "flag, variants")
		}
		return err
	})
	if err != nil {
		return p, err
	}
	return p, d.required(seen[:], "flag", "variants")
}

func (d *decoder) target() (Target, error) {
	var t Target
	var seen [2]bool
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "variant":
			seen[0] = true
			t.Variant, err = d.str()
		case "values":
			seen[1] = true
			t.Values, err = d.strs()
		default:
			err = d.unknownField(key, "variant, values")
		}
		return err
	})
	if err != nil {
		return t, err
	}
	return t, d.required(seen[:], "variant", "values")
}

func (d *decoder) rule() (Rule, error) {
	var r Rule
	var seen [1]bool
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "id":
			r.ID, err = d.str()
		case "conditions":
			r.Conditions, err = d.conditions()
		case "serve":
			seen[0] = true
			r.Serve, err = d.serve()
		case "trackEvents":
			r.TrackEvents, err = d.boolean()
		default:
			err = d.unknownField(key, "id, conditions, serve, trackEvents")
		}
		return err
	})
	if err != nil {
		return r, err
	}
	return r, d.required(seen[:], "serve")
}

func (d *decoder) conditions() ([]Condition, error) {
	base := len(d.conds)
	err := d.array(func(int) error {
		var c Condition
		var seen [1]bool
		err := d.object(func(key string) error {
			var err error
			switch key {
			case "attribute":
				c.Attribute, err = d.str()
			case "operator":
				seen[0] = true
				var s string
				s, err = d.str()
				c.Operator = Operator(s)
			case "values":
				base := len(d.vals)
				err = d.array(func(int) error {
					v, err := d.plain()
					d.vals = append(d.vals, v)
					return err
				})
				c.Values = keep(d.views, &d.vals, base)
			case "negate":
				c.Negate, err = d.boolean()
			default:
				err = d.unknownField(key, "attribute, operator, values, negate")
			}
			return err
		})
		d.conds = append(d.conds, c)
		if err != nil {
			return err
		}
		return d.required(seen[:], "operator")
	})
	return keep(d.views, &d.conds, base), err
}

func (d *decoder) serve() (Serve, error) {
	var s Serve
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "variant":
			s.Variant, err = d.str()
		case "rollout":
			var ro Rollout
			ro, err = d.rollout()
			s.Rollout = &ro
		default:
			err = d.unknownField(key, "variant, rollout (exactly one)")
		}
		return err
	})
	return s, err
}

func (d *decoder) rollout() (Rollout, error) {
	var ro Rollout
	var seen [1]bool
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "variants":
			seen[0] = true
			base := len(d.weights)
			err = d.array(func(int) error {
				w, err := d.weighted()
				d.weights = append(d.weights, w)
				return err
			})
			ro.Variants = keep(d.views, &d.weights, base)
		case "bucketBy":
			ro.BucketBy, err = d.str()
		case "seed":
			var seed string
			d.noIntern = true // seeds are most often one per flag
			seed, err = d.str()
			d.noIntern = false
			ro.Seed = &seed
		case "algorithm":
			ro.Algorithm, err = d.str()
		default:
			err = d.unknownField(key, "variants, bucketBy, seed, algorithm")
		}
		return err
	})
	if err != nil {
		return ro, err
	}
	return ro, d.required(seen[:], "variants")
}

func (d *decoder) weighted() (WeightedVariant, error) {
	var w WeightedVariant
	var seen [2]bool
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "variant":
			seen[0] = true
			w.Variant, err = d.str()
		case "weight":
			seen[1] = true
			var n json.Number
			if n, err = d.num("a non-negative integer"); err != nil {
				return err
			}
			i, ok := wholeNumber(n)
			if !ok || i < 0 || i > math.MaxUint32+1 {
				return d.fail("weight %s is not an integer from 0 to 4294967296", n)
			}
			w.Weight = uint64(i)
		default:
			err = d.unknownField(key, "variant, weight")
		}
		return err
	})
	if err != nil {
		return w, err
	}
	return w, d.required(seen[:], "variant", "weight")
}

func (d *decoder) segment() (Segment, error) {
	var s Segment
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "included":
			s.Included, err = d.strs()
		case "excluded":
			s.Excluded, err = d.strs()
		case "rules":
			err = d.array(func(int) error {
				var r SegmentRule
				err := d.object(func(key string) error {
					var err error
					switch key {
					case "id":
						r.ID, err = d.str()
					case "conditions":
						r.Conditions, err = d.conditions()
					default:
						err = d.unknownField(key, "id, conditions")
					}
					return err
				})
				s.Rules = append(s.Rules, r)
				return err
			})
		default:
			err = d.unknownField(key, "included, excluded, rules")
		}
		return err
	})
	return s, err
}

func (d *decoder) valueHashing() (ValueHashing, error) {
	var h ValueHashing
	var seen [2]bool
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "algorithm":
			seen[0] = true
			h.Algorithm, err = d.str()
		case "salt":
			seen[1] = true
			h.Salt, err = d.str()
		default:
			err = d.unknownField(key, "algorithm, salt")
		}
		return err
	})
	if err != nil {
		return h, err
	}
	return h, d.required(seen[:], "algorithm", "salt")
}
