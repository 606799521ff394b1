package privacy_test

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/switchyardhq/switchyard/privacy"
)

// layoutSequence is a run of contexts for one Redactor, in the order
// AppendJSON sees them: contexts that share a key set (so that the later
// ones are written from the layout the first made) but whose values
// change what redaction does, and contexts that look like a remembered key
// set without being one: as many keys but one different, more keys in the
// same size class, the same keys plus privateAttributes or _meta, an
// uppercase key that sorts before "_meta".
func layoutSequence() []map[string]any {
	base := func() map[string]any {
		return map[string]any{
			"targetingKey": "u1",
			"email":        "a@x.io",
			"address":      map[string]any{"street": "s", "city": "Oslo"},
			"plan":         "pro",
		}
	}
	with := func(edit func(map[string]any)) map[string]any {
		c := base()
		edit(c)
		return c
	}
	return []map[string]any{
		base(),
		base(),
		with(func(c map[string]any) { c["address"] = map[string]any{"city": "Oslo"} }),                 // nothing private below
		with(func(c map[string]any) { c["address"] = map[string]any{"street": "s", "zip": "0150"} }),   // another nested key set
		with(func(c map[string]any) { c["address"] = map[string]any{"street": "s", "c": []any{"x"}} }), // and another
		with(func(c map[string]any) { c["address"] = "Oslo" }),                                         // a scalar: no pointer matches
		with(func(c map[string]any) { c["address"] = opaqueUser{Email: "a@x.io"} }),                    // opaque: removed whole
		with(func(c map[string]any) { c["address"] = nil }),
		with(func(c map[string]any) { c["address"] = []any{map[string]any{"street": "s"}} }),
		with(func(c map[string]any) { c["email"] = nil }), // present, so still listed
		with(func(c map[string]any) { c["plan"] = map[string]any{"street": "s"} }),
		with(func(c map[string]any) { delete(c, "plan"); c["anonymous"] = true }),
		with(func(c map[string]any) { delete(c, "plan"); c["anonymous"] = false }),
		with(func(c map[string]any) { delete(c, "plan"); c["anonymous"] = "true" }),
		with(func(c map[string]any) { delete(c, "plan"); c["anonymous"] = true }),
		with(func(c map[string]any) { delete(c, "plan"); c["tier"] = "gold" }), // as many keys, one different
		with(func(c map[string]any) { delete(c, "email"); c["tier"] = "gold" }),
		with(func(c map[string]any) { // four more keys: the same slot
			for i := range 4 {
				c[fmt.Sprintf("extra%d", i)] = i
			}
		}),
		with(func(c map[string]any) { delete(c, "plan"); c["privateAttributes"] = []any{"address"} }),
		with(func(c map[string]any) {
			delete(c, "plan")
			c["_meta"] = map[string]any{"redactedAttributes": []any{"old"}}
		}),
		with(func(c map[string]any) { delete(c, "plan"); c["Zone"] = "eu" }), // sorts before "_meta"
		with(func(c map[string]any) { delete(c, "plan"); c["Zone"] = "eu" }),
		with(func(c map[string]any) { delete(c, "targetingKey") }),
		base(),
		{},
		{},
	}
}

// TestAppendJSONReusesLayouts checks that AppendJSON, which remembers the
// key sets of recent contexts, writes exactly json.Marshal of Redact for
// every context of a sequence built to reuse, and to look like it could
// reuse, what an earlier context left: under several policies, each
// context often enough in a row for its own layout to be made and used,
// and the whole sequence twice.
func TestAppendJSONReusesLayouts(t *testing.T) {
	for _, p := range []privacy.Policy{
		{PrivateAttributes: []string{"email", "/address/street", "/plan/street"}},
		{PrivateAttributes: []string{"/address/street", "/address/c/0"}},
		{PrivateAttributes: []string{"address", "/address/street"}},
		{PrivateAttributes: []string{"Zone"}},
		{AllAttributesPrivate: true},
		{},
	} {
		r := privacy.NewRedactor(p)
		for pass := range 2 {
			for i, ctx := range layoutSequence() {
				want, err := json.Marshal(p.Redact(ctx))
				if err != nil {
					t.Fatal(err)
				}
				for call := range privacy.RelayoutEvery + 2 {
					got, err := r.AppendJSON(nil, ctx)
					if err != nil || string(got) != string(want) {
						t.Fatalf("policy %+v, pass %d, context %d (%v), call %d:\nAppendJSON = %s, %v\nwant json.Marshal(Redact) = %s",
							p, pass, i, ctx, call, got, err, want)
					}
				}
			}
		}
	}
}

// TestAppendJSONLayoutErrors: a value JSON cannot represent fails
// AppendJSON as json.Marshal fails, whether or not the context's keys are
// remembered, and does not spoil the layout for the next context.
func TestAppendJSONLayoutErrors(t *testing.T) {
	r := privacy.NewRedactor(privacy.Policy{PrivateAttributes: []string{"/address/street"}})
	good := map[string]any{"targetingKey": "u1", "n": 1.5, "address": map[string]any{"street": "s", "n": 2.5}}
	bad := map[string]any{"targetingKey": "u1", "n": math.NaN(), "address": map[string]any{"street": "s", "n": 2.5}}
	badNested := map[string]any{"targetingKey": "u1", "n": 1.5, "address": map[string]any{"street": "s", "n": math.Inf(1)}}
	for i, ctx := range []map[string]any{bad, good, bad, good, badNested, good, badNested, good} {
		_, wantErr := json.Marshal(r.Redact(ctx))
		got, err := r.AppendJSON(nil, ctx)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("context %d: AppendJSON error = %v, json.Marshal error = %v", i, err, wantErr)
		}
		if err == nil {
			if want, _ := json.Marshal(r.Redact(ctx)); string(got) != string(want) {
				t.Fatalf("context %d: AppendJSON = %s, want %s", i, got, want)
			}
		}
	}
}

// TestAppendJSONLayoutsConcurrent runs AppendJSON from several goroutines
// on one Redactor with contexts of different key sets in one size class,
// so that layouts are replaced while others read them (run with -race).
func TestAppendJSONLayoutsConcurrent(t *testing.T) {
	p := privacy.Policy{PrivateAttributes: []string{"email", "/address/street"}}
	r := privacy.NewRedactor(p)
	ctxs := make([]map[string]any, 6)
	want := make([]string, len(ctxs))
	for i := range ctxs {
		ctxs[i] = map[string]any{"targetingKey": "u1", "email": "a@x.io", fmt.Sprintf("k%d", i): i,
			"address": map[string]any{"street": "s", fmt.Sprintf("n%d", i%2): i}}
		data, err := json.Marshal(p.Redact(ctxs[i]))
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(data)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			for n := range 500 {
				i := (g + n) % len(ctxs)
				if got, err := r.AppendJSON(nil, ctxs[i]); err != nil || string(got) != want[i] {
					errs <- fmt.Sprintf("context %d: AppendJSON = %s, %v; want %s", i, got, err, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
