package cases

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
)

// Contexts returns the contexts of the equivalence check: the generated
// contexts described below, followed by RealisticContexts (the ones the
// realistic benchmarks cycle through), so that every SDK is checked on
// exactly what it is timed on. It is the same list on every call, in every
// module and on every machine (the generators are fixed splitmix64
// sequences, not math/rand). The caller owns the maps.
//
// Every context has every attribute the flags test, with the types an
// application would pass: targetingKey (distinct keys "user-N", N drawn from
// twice the segment's size so about half are in it), country ("C00".."C59",
// a third in the rule's list), email (a fifth at "@acme.com", some at look-
// alike domains), seats (an int in 0..200, the boundary 100 included) and
// plan (a tenth "plan-0".."plan-99", which the hundred rules match).
func (s *Suite) Contexts() []map[string]any {
	return append(s.generatedContexts(), s.RealisticContexts()...)
}

func (s *Suite) generatedContexts() []map[string]any {
	n := s.Equivalence.Contexts
	r := rng(s.Equivalence.Seed)
	keys := make([]int, 2*n)
	for i := range keys {
		keys[i] = i
	}
	for i := len(keys) - 1; i > 0; i-- { // Fisher–Yates
		j := r.intn(i + 1)
		keys[i], keys[j] = keys[j], keys[i]
	}
	domains := []string{"acme.com", "example.com", "notacme.com", "acme.com.example.org", "mail.example.net"}
	plans := []string{"free", "pro", "enterprise", "team"}
	out := make([]map[string]any, n)
	for i := range out {
		plan := plans[r.intn(len(plans))]
		if r.intn(10) == 0 {
			plan = "plan-" + strconv.Itoa(r.intn(100))
		} else if r.intn(4) == 0 {
			plan = "plan-" + strconv.Itoa(100+r.intn(100))
		}
		out[i] = map[string]any{
			TargetingKey: "user-" + strconv.Itoa(keys[i]),
			"country":    fmt.Sprintf("C%02d", r.intn(60)),
			"email":      "u" + strconv.Itoa(r.intn(1_000_000)) + "@" + domains[r.intn(len(domains))],
			"seats":      r.intn(201),
			"plan":       plan,
		}
	}
	return out
}

// RealisticContexts returns the contexts of the realistic benchmarks:
// Realistic.Contexts distinct contexts, each a targeting key and ten
// attributes of the types an application passes. Targeting keys are random
// among user-0 … user-(KeySpace−1), so half are in the 100 000-key segment
// and a twentieth in the 10 000-key one; a fifth of countries are in the
// three-rules list, a fifth of e-mails at @acme.com, seats 0–299 (two
// thirds above the rule's 100), a tenth of plans matching one of the
// hundred rules; locale, appVersion, beta, score, company and signupDays
// are read by no rule, as most attributes are not. The caller owns the maps.
func (s *Suite) RealisticContexts() []map[string]any {
	n := s.Realistic.Contexts
	r := rng(s.Realistic.Seed)
	seen := map[int]bool{}
	locales := []string{"en-US", "de-DE", "fr-FR", "ja-JP", "pt-BR"}
	out := make([]map[string]any, n)
	for i := range out {
		key := r.intn(s.Realistic.KeySpace)
		for seen[key] {
			key = r.intn(s.Realistic.KeySpace)
		}
		seen[key] = true
		country := fmt.Sprintf("X%02d", r.intn(80))
		if r.intn(5) == 0 {
			country = fmt.Sprintf("C%02d", r.intn(20))
		}
		domain := "corp" + strconv.Itoa(r.intn(50)) + ".example"
		if r.intn(5) == 0 {
			domain = "acme.com"
		}
		plan := []string{"free", "pro", "team"}[r.intn(3)]
		if r.intn(10) == 0 {
			plan = "plan-" + strconv.Itoa(r.intn(100))
		}
		out[i] = map[string]any{
			TargetingKey: "user-" + strconv.Itoa(key),
			"country":    country,
			"email":      "u" + strconv.Itoa(r.intn(1_000_000)) + "@" + domain,
			"seats":      r.intn(300),
			"plan":       plan,
			"locale":     locales[r.intn(len(locales))],
			"appVersion": fmt.Sprintf("3.%d.%d", r.intn(10), r.intn(10)),
			"beta":       r.intn(2) == 0,
			"score":      float64(r.intn(1000)) / 10,
			"company":    "company-" + strconv.Itoa(r.intn(5000)),
			"signupDays": r.intn(2000),
		}
	}
	return out
}

// ContextsDigest is a hash of the generated contexts, recorded in the
// expected results so a change of the generator shows as stale results.
func (s *Suite) ContextsDigest() string {
	h := fnv.New64a()
	for _, c := range s.Contexts() {
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(h, "%s=%v;", k, c[k])
		}
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// splitmix64 (Steele, Lea, Flood 2014): tiny, fixed, good enough here.
type splitmix struct{ state uint64 }

func rng(seed uint64) *splitmix { return &splitmix{state: seed} }

func (s *splitmix) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); the modulo bias is below 2^-40 for the
// small n used here.
func (s *splitmix) intn(n int) int { return int(s.next() % uint64(n)) }
