// Package cases holds the benchmark cases that every SDK module under
// bench/ measures: the flags (cases.json), the benchmark context, the
// generated contexts of the equivalence check, and the check itself.
//
// The flags are written in a small neutral model (rules of one condition
// each, a default that is a variant or a rollout) that each SDK module
// translates into its own model, so every SDK evaluates the same flags for
// the same contexts. An SDK that cannot express a case reports so instead of
// benchmarking something else.
package cases

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

//go:embed cases.json
var casesJSON []byte

// Operators of the neutral model. Each SDK maps them onto its own.
const (
	OpIn          = "in"          // attribute equals one of Values
	OpEndsWith    = "endsWith"    // string attribute ends with one of Values
	OpGreaterThan = "greaterThan" // numeric attribute > Values[0]
	OpInSegment   = "inSegment"   // targeting key is in segment Values[0]
)

// Variants every flag has.
const (
	On  = "on"
	Off = "off"
)

// TargetingKey is the context key of the targeting key.
const TargetingKey = "targetingKey"

// Suite is the whole of cases.json, expanded.
type Suite struct {
	// BenchContext is the one context a fixed-context benchmark evaluates.
	BenchContext map[string]any
	Equivalence  Equivalence
	Realistic    Realistic
	Segments     []Segment
	Flags        []Flag
	Benchmarks   []Benchmark
}

// Equivalence configures the check that runs before timing.
type Equivalence struct {
	Contexts         int     `json:"contexts"`
	Seed             uint64  `json:"seed"`
	TolerancePercent float64 `json:"tolerancePercent"`
}

// Realistic configures the contexts of the realistic benchmarks: Contexts
// distinct contexts of a targeting key and ten attributes, targeting keys
// drawn from user-0 … user-(KeySpace−1), so that half of them are in a
// segment of KeySpace/2 keys.
type Realistic struct {
	Contexts int    `json:"contexts"`
	Seed     uint64 `json:"seed"`
	KeySpace int    `json:"keySpace"`
}

// Segment is a named list of targeting keys.
type Segment struct {
	Key      string
	Included []string
}

// Flag is a boolean flag with variants On (true) and Off (false).
type Flag struct {
	Key     string `json:"key"`
	About   string `json:"about"`
	Rules   []Rule `json:"rules"`
	Default Serve  `json:"default"`
}

// Rule serves Variant, or buckets Rollout, when its single condition
// matches; rules are tried in order and the first match serves.
type Rule struct {
	ID        string   `json:"id"`
	Attribute string   `json:"attribute"`
	Operator  string   `json:"operator"`
	Values    []any    `json:"values"`
	Variant   string   `json:"variant"`
	Rollout   []Weight `json:"rollout"`
}

// Serve is a fixed Variant or a percentage Rollout on the targeting key.
type Serve struct {
	Variant string   `json:"variant"`
	Rollout []Weight `json:"rollout"`
}

// Weight is one arm of a rollout, in percent.
type Weight struct {
	Variant string `json:"variant"`
	Weight  int    `json:"weight"`
}

// Benchmark is one row of the table: a flag evaluated for BenchContext
// (fixed) or for the realistic contexts cycled (Realistic), serially or
// under b.RunParallel. Load adds a realistic twin, named Base+"-realistic",
// after every benchmark of cases.json.
type Benchmark struct {
	Name     string `json:"name"`
	Flag     string `json:"flag"`
	Parallel bool   `json:"parallel"`
	About    string `json:"about"`
	// Want is the variant served for BenchContext; empty for a rollout and
	// for a realistic benchmark.
	Want string `json:"want"`
	// Base is the name of the fixed-context benchmark (Name itself for one).
	Base      string `json:"-"`
	Realistic bool   `json:"-"`
}

// RealisticSuffix ends the name of every realistic benchmark.
const RealisticSuffix = "-realistic"

// Split returns the flag's percentage rollout (its default's or a rule's;
// a flag has at most one), or nil. The equivalence check compares the
// contexts that reach it by proportion rather than one by one.
func (f *Flag) Split() []Weight {
	if len(f.Default.Rollout) > 0 {
		return f.Default.Rollout
	}
	for _, r := range f.Rules {
		if len(r.Rollout) > 0 {
			return r.Rollout
		}
	}
	return nil
}

// IsRollout reports whether every context reaches the flag's rollout (the
// rollout is its default and it has no rules).
func (f *Flag) IsRollout() bool { return len(f.Default.Rollout) > 0 && len(f.Rules) == 0 }

// Load returns the suite of cases.json with generated lists expanded. Every
// call returns a fresh copy the caller owns.
func Load() (*Suite, error) {
	var doc struct {
		BenchContext map[string]any `json:"benchContext"`
		Equivalence  Equivalence    `json:"equivalence"`
		Realistic    Realistic      `json:"realistic"`
		Segments     []struct {
			Key      string `json:"key"`
			Included struct {
				Prefix string `json:"prefix"`
				From   int    `json:"from"`
				Count  int    `json:"count"`
			} `json:"included"`
		} `json:"segments"`
		Flags      []Flag      `json:"flags"`
		Benchmarks []Benchmark `json:"benchmarks"`
	}
	if err := json.Unmarshal(casesJSON, &doc); err != nil {
		return nil, fmt.Errorf("cases: cases.json: %w", err)
	}
	s := &Suite{BenchContext: wholeNumbersAsInt(doc.BenchContext), Equivalence: doc.Equivalence, Realistic: doc.Realistic, Flags: doc.Flags}
	for _, b := range doc.Benchmarks {
		b.Base = b.Name
		twin := b
		twin.Name, twin.Realistic, twin.Want = b.Name+RealisticSuffix, true, ""
		twin.About = b.About + ", realistic contexts"
		s.Benchmarks = append(s.Benchmarks, b, twin)
	}
	for _, sg := range doc.Segments {
		keys := make([]string, sg.Included.Count)
		for i := range keys {
			keys[i] = sg.Included.Prefix + strconv.Itoa(sg.Included.From+i)
		}
		s.Segments = append(s.Segments, Segment{Key: sg.Key, Included: keys})
	}
	for i := range s.Flags {
		for j := range s.Flags[i].Rules {
			r := &s.Flags[i].Rules[j]
			for k, v := range r.Values {
				r.Values[k] = wholeNumberAsInt(v)
			}
		}
	}
	return s, s.validate()
}

// MustLoad is Load for tests and benchmarks.
func MustLoad() *Suite {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

func (s *Suite) validate() error {
	segs := map[string]bool{}
	for _, sg := range s.Segments {
		segs[sg.Key] = true
	}
	if s.Realistic.Contexts < 1 || s.Realistic.KeySpace < 1 {
		return errors.New("cases: realistic: contexts and keySpace must be positive")
	}
	for _, f := range s.Flags {
		rollouts := 0
		if len(f.Default.Rollout) > 0 {
			rollouts++
		}
		for _, r := range f.Rules {
			if (r.Variant == "") == (len(r.Rollout) == 0) {
				return fmt.Errorf("cases: flag %s rule %s: give exactly one of variant and rollout", f.Key, r.ID)
			}
			if len(r.Rollout) > 0 {
				rollouts++
			}
			switch r.Operator {
			case OpIn, OpEndsWith:
			case OpGreaterThan:
				if len(r.Values) != 1 {
					return fmt.Errorf("cases: flag %s rule %s: greaterThan takes one value", f.Key, r.ID)
				}
			case OpInSegment:
				if len(r.Values) != 1 || !segs[fmt.Sprint(r.Values[0])] {
					return fmt.Errorf("cases: flag %s rule %s: inSegment takes one known segment", f.Key, r.ID)
				}
			default:
				return fmt.Errorf("cases: flag %s rule %s: unknown operator %q", f.Key, r.ID, r.Operator)
			}
		}
		if f.Default.Variant == "" && len(f.Default.Rollout) == 0 {
			return fmt.Errorf("cases: flag %s: default has neither variant nor rollout", f.Key)
		}
		if rollouts > 1 {
			return fmt.Errorf("cases: flag %s: %d rollouts; the equivalence check compares one per flag", f.Key, rollouts)
		}
	}
	for _, b := range s.Benchmarks {
		if s.Flag(b.Flag) == nil {
			return fmt.Errorf("cases: benchmark %s: unknown flag %q", b.Name, b.Flag)
		}
	}
	return nil
}

// Flag returns the flag with key, or nil.
func (s *Suite) Flag(key string) *Flag {
	for i := range s.Flags {
		if s.Flags[i].Key == key {
			return &s.Flags[i]
		}
	}
	return nil
}

// Segment returns the segment with key, or nil.
func (s *Suite) Segment(key string) *Segment {
	for i := range s.Segments {
		if s.Segments[i].Key == key {
			return &s.Segments[i]
		}
	}
	return nil
}

// Strings returns values as strings (the cases only use string values for
// in and endsWith).
func Strings(values []any) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func wholeNumbersAsInt(m map[string]any) map[string]any {
	for k, v := range m {
		m[k] = wholeNumberAsInt(v)
	}
	return m
}

// wholeNumberAsInt turns a whole float64 from encoding/json into an int, the
// type an application would most likely hand an SDK.
func wholeNumberAsInt(v any) any {
	if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int(f)
	}
	return v
}
