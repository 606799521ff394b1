package evaluator

import "slices"

// loadDirect compiles a valid document without building the whole model
// first: a first pass decodes everything but the flags (the segments and
// the value hashing, which flags refer to) and notes the flag keys; a
// second decodes one flag at a time into a model whose lists are views of
// the decoder's scratch space, compiles it, keeps what the passes over all
// flags need of it (flagFacts), and reuses that space for the next flag.
// Load's allocation and peak memory are then those of the compiled
// ruleset plus one flag's model, not of the model of the whole document.
//
// It compiles each flag with the same flagCompiler as Compile, so it
// accepts and builds the same; it returns nil at the first thing it does
// not take (any problem, a signed envelope, a document of another shape),
// and Load then decodes and compiles the model, which reports every
// problem. TestLoadDirectMatchesCompile checks the two agree.
func loadDirect(data []byte) *Evaluator {
	d := newDecoder(data)
	d.direct = true
	rs, err := d.document()
	if err != nil {
		return nil
	}
	keys := d.flagKeys
	if keys == nil {
		keys = []string{} // as Compile's: Keys of no flags is empty, not nil (JSON [], not null)
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return nil // a duplicate key, reported by the full decoder
		}
	}
	if len(keys) > 0 && keys[0] == "" {
		return nil
	}
	if _, ok := rs.Segments[""]; ok {
		return nil
	}
	var probs problems
	probs.add(checkValueHashing(rs.ValueHashing))
	segments := compileSegments(rs, true, &probs)
	if len(probs.list) > 0 {
		return nil
	}
	e := &Evaluator{tenantID: rs.TenantID, environment: rs.Environment, version: rs.Version, keys: keys}
	e.list = make([]*flag, len(keys))
	for i, key := range keys {
		e.list[i] = &flag{key: key}
	}
	facts := make([]flagFacts, len(keys))
	var deferred []deferredPrereq
	if d.flagsAt >= 0 {
		d.pos, d.path = d.flagsAt, append(d.path[:0], pathSeg{key: "flags"})
		d.views, d.uniqueKeys = true, true
		var m Flag // reused, as the compiler is: nothing compiled points to either
		flags := root("flags")
		fc := &flagCompiler{e: e, m: &m, segments: segments, build: true, hashing: rs.ValueHashing, probs: &probs, deferred: &deferred}
		err = d.object(func(key string) error {
			i, _ := slices.BinarySearch(keys, key)
			var err error
			if m, err = d.flag(); err != nil || len(d.probs.list) > 0 {
				return errNotDirect
			}
			fc.at, fc.f = flags.member(key), e.list[i]
			fc.compile(rs)
			if len(probs.list) > 0 {
				return errNotDirect
			}
			facts[i] = factsOf(&m)
			facts[i].prereqs = clonePrereqs(m.Prerequisites) // m's lists are views, reused next
			d.reset()
			return nil
		})
		if err != nil || d.pos != d.flagsEnd || len(d.probs.list) > 0 {
			return nil
		}
	}
	for _, dp := range deferred {
		if !dp.resolve() {
			return nil
		}
	}
	index := func(key string) (int, bool) { return slices.BinarySearch(keys, key) }
	prereqs := func(key string) []Prerequisite {
		if i, ok := index(key); ok {
			return facts[i].prereqs
		}
		return nil
	}
	if e.checkCycles(prereqs) != nil || checkPrerequisiteCost(keys, prereqs) != nil {
		return nil
	}
	e.finish(rs, func(key string) flagFacts {
		i, _ := index(key)
		return facts[i]
	})
	return e
}

func clonePrereqs(list []Prerequisite) []Prerequisite {
	if len(list) == 0 {
		return nil
	}
	out := make([]Prerequisite, len(list))
	for i, p := range list {
		out[i] = Prerequisite{Flag: p.Flag, Variants: slices.Clone(p.Variants)}
	}
	return out
}
