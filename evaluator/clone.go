package evaluator

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of r: no map, slice or pointer of the copy is
// shared with r, down to variant values and metadata that are JSON objects
// or arrays (map[string]any and []any). Other values inside an any (a Go
// struct a caller put there) are copied as the interface holds them. A nil
// Ruleset clones to nil.
func (r *Ruleset) Clone() *Ruleset {
	if r == nil {
		return nil
	}
	out := *r
	if r.ValueHashing != nil {
		out.ValueHashing = new(*r.ValueHashing)
	}
	if r.Flags != nil {
		out.Flags = make(map[string]Flag, len(r.Flags))
		for k, f := range r.Flags {
			out.Flags[k] = f.Clone()
		}
	}
	if r.Segments != nil {
		out.Segments = make(map[string]Segment, len(r.Segments))
		for k, s := range r.Segments {
			out.Segments[k] = s.Clone()
		}
	}
	return &out
}

// Clone returns a deep copy of f, as Ruleset.Clone copies each flag.
func (f Flag) Clone() Flag {
	if f.Enabled != nil {
		f.Enabled = new(*f.Enabled)
	}
	f.Variants = cloneMap(f.Variants)
	f.Metadata = cloneMap(f.Metadata)
	f.Prerequisites = slices.Clone(f.Prerequisites)
	for i := range f.Prerequisites {
		f.Prerequisites[i].Variants = slices.Clone(f.Prerequisites[i].Variants)
	}
	f.Targets = slices.Clone(f.Targets)
	for i := range f.Targets {
		f.Targets[i].Values = slices.Clone(f.Targets[i].Values)
	}
	f.Rules = slices.Clone(f.Rules)
	for i := range f.Rules {
		f.Rules[i].Conditions = cloneConditions(f.Rules[i].Conditions)
		f.Rules[i].Serve = f.Rules[i].Serve.clone()
	}
	if f.Default != nil {
		d := f.Default.clone()
		f.Default = &d
	}
	return f
}

func (s Serve) clone() Serve {
	if s.Rollout != nil {
		r := *s.Rollout
		r.Variants = slices.Clone(r.Variants)
		if r.Seed != nil {
			r.Seed = new(*r.Seed)
		}
		s.Rollout = &r
	}
	return s
}

// Clone returns a deep copy of s, as Ruleset.Clone copies each segment.
func (s Segment) Clone() Segment {
	s.Included = slices.Clone(s.Included)
	s.Excluded = slices.Clone(s.Excluded)
	s.Rules = slices.Clone(s.Rules)
	for i := range s.Rules {
		s.Rules[i].Conditions = cloneConditions(s.Rules[i].Conditions)
	}
	return s
}

func cloneConditions(cs []Condition) []Condition {
	cs = slices.Clone(cs)
	for i := range cs {
		cs[i].Values = cloneSlice(cs[i].Values)
	}
	return cs
}

// cloneMap and cloneSlice copy JSON values: objects and arrays deeply.
func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneSlice(s []any) []any {
	if s == nil {
		return nil
	}
	out := slices.Clone(s)
	for i, v := range out {
		out[i] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneMap(v)
	case []any:
		return cloneSlice(v)
	}
	return v
}
