package main

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/switchyardhq/switchyard/evaluator"
)

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", "OLD NEW",
		"Diff lists the flags added, removed or changed from ruleset OLD to NEW and\n"+
			"what changed in each (type, enabled, variants, offVariant, prerequisites,\n"+
			"targets, rules, weights, default, metadata, segments), one line per flag.\n"+
			"Exit status 0 when no flag changed, 1 when one did or a file is bad.", stdout, stderr)
	if done, status := parseFlags(fs, args); done {
		return status
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "switchyard diff: name two ruleset files, the old one first: switchyard diff old.json new.json")
		return exitUsage
	}
	var models [2]*evaluator.Ruleset
	var evs [2]*evaluator.Evaluator
	for i, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "switchyard diff: %v\n", err)
			return exitFail
		}
		var note string
		if data, note, err = unverifiedDocument(name, data); err != nil {
			fmt.Fprintf(stderr, "switchyard diff: %s: %v\n", name, err)
			return exitFail
		}
		if note != "" {
			fmt.Fprintf(stderr, "switchyard diff: note: %s\n", note)
		}
		if models[i], err = parseDocument(data); err == nil {
			evs[i], err = evaluator.Compile(models[i])
		}
		if err != nil {
			fmt.Fprintf(stderr, "switchyard diff: %s is not a valid ruleset (run 'switchyard validate %s' for every problem):\n%v\n", name, name, err)
			return exitFail
		}
	}
	changed := evaluator.ChangedFlags(evs[0], evs[1])
	if len(changed) == 0 {
		fmt.Fprintln(stdout, "no flag changed")
		return exitOK
	}
	for _, key := range changed {
		before, inOld := models[0].Flags[key]
		after, inNew := models[1].Flags[key]
		switch {
		case !inOld:
			fmt.Fprintf(stdout, "added    %s\n", key)
		case !inNew:
			fmt.Fprintf(stdout, "removed  %s\n", key)
		default:
			fmt.Fprintf(stdout, "changed  %s: %s\n", key, strings.Join(flagChanges(models[0], models[1], &before, &after), ", "))
		}
	}
	return exitFail
}

// flagChanges names the parts of a flag that differ between two rulesets.
func flagChanges(oldRS, newRS *evaluator.Ruleset, a, b *evaluator.Flag) []string {
	var out []string
	diff := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			out = append(out, name)
		}
	}
	diff("type", a.Type, b.Type)
	diff("enabled", a.Enabled == nil || *a.Enabled, b.Enabled == nil || *b.Enabled)
	diff("variants", a.Variants, b.Variants)
	diff("offVariant", a.OffVariant, b.OffVariant)
	diff("prerequisites", a.Prerequisites, b.Prerequisites)
	diff("targets", a.Targets, b.Targets)
	// A change of weights alone is reported as weights, not rules.
	diff("rules", withoutWeights(a.Rules), withoutWeights(b.Rules))
	diff("weights", weights(a), weights(b))
	diff("default", withoutWeight(a.Default), withoutWeight(b.Default))
	diff("metadata", a.Metadata, b.Metadata)
	diff("trackEvents", trackEvents(a), trackEvents(b))
	for _, name := range segmentsUsed(a, b) {
		if !reflect.DeepEqual(oldRS.Segments[name], newRS.Segments[name]) {
			out = append(out, "segment "+name)
		}
	}
	if len(out) == 0 && !reflect.DeepEqual(oldRS.ValueHashing, newRS.ValueHashing) {
		out = append(out, "valueHashing") // the same hashed values, read with another salt
	}
	if len(out) == 0 {
		out = append(out, "a prerequisite flag") // the fingerprint covers prerequisites' definitions
	}
	return out
}

func trackEvents(f *evaluator.Flag) []bool {
	out := []bool{f.TrackEvents}
	for _, r := range f.Rules {
		out = append(out, r.TrackEvents)
	}
	return out
}

func withoutWeight(s *evaluator.Serve) *evaluator.Serve {
	if s == nil || s.Rollout == nil {
		return s
	}
	c := *s
	ro := *s.Rollout
	ro.Variants = nil
	for _, v := range s.Rollout.Variants {
		ro.Variants = append(ro.Variants, evaluator.WeightedVariant{Variant: v.Variant})
	}
	c.Rollout = &ro
	return &c
}

func withoutWeights(rules []evaluator.Rule) []evaluator.Rule {
	out := make([]evaluator.Rule, len(rules))
	for i, r := range rules {
		r.Serve = *withoutWeight(&r.Serve)
		out[i] = r
	}
	return out
}

// weights lists every rollout weight of a flag, rules first.
func weights(f *evaluator.Flag) [][]uint64 {
	var out [][]uint64
	add := func(s *evaluator.Serve) {
		if s == nil || s.Rollout == nil {
			out = append(out, nil)
			return
		}
		var w []uint64
		for _, v := range s.Rollout.Variants {
			w = append(w, v.Weight)
		}
		out = append(out, w)
	}
	for i := range f.Rules {
		add(&f.Rules[i].Serve)
	}
	add(f.Default)
	return out
}

// segmentsUsed is the sorted names of the segments either flag's rules
// name with inSegment.
func segmentsUsed(flags ...*evaluator.Flag) []string {
	var out []string
	for _, f := range flags {
		for _, r := range f.Rules {
			for _, c := range r.Conditions {
				if c.Operator != "inSegment" {
					continue
				}
				for _, v := range c.Values {
					if s, ok := v.(string); ok && !slices.Contains(out, s) {
						out = append(out, s)
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
