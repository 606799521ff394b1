package privacy_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/switchyardhq/switchyard/privacy"
)

// fuzzToken marks the values FuzzRedact makes private. It is random per
// process, so the fuzzing engine cannot copy it into an input; inputs
// that contain it anyway are skipped.
var fuzzToken = "PRIV" + rand.Text()

// FuzzRedact builds a context from JSON, makes the names and pointers
// listed in names private (by the policy or by the context, as mode
// says), stores a unique token at each of them, and checks that no token
// reaches the JSON of the result, that the input is unchanged, that the
// result keeps the rules of SPEC section 5, that redacting the result
// again changes nothing, that a reused Redactor gives the same result, and
// that Redactor.AppendJSON encodes exactly json.Marshal of that result,
// also when it writes from the layout of an earlier context's keys.
//
// names holds one private name or pointer per line; mode bit 0 puts each
// name in the policy or the context (by the name's position), bit 1 sets
// AllAttributesPrivate, bit 2 decodes numbers as json.Number, bit 3 gives
// the context's list as []any rather than []string.
func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"targetingKey":"u1","email":"a@x.io","address":{"street":"s","city":"Oslo"}}`), "email\n/address/street", uint8(0))
	f.Add([]byte(`{"targetingKey":"u1","orders":[{"card":"4111"},{"id":2}]}`), "/orders/0/card\n/orders/1", uint8(1))
	f.Add([]byte(`{"a/b":{"c~d":1},"x":[1,2,3]}`), "/a~1b/c~0d\n/x/2\n/new/deep/path", uint8(9))
	f.Add([]byte(`{"targetingKey":"u1","anonymous":true,"email":"a"}`), "email", uint8(0))
	f.Add([]byte(`{"targetingKey":"u1","plan":"pro","n":12.5}`), "plan\n/n", uint8(6))
	f.Add([]byte(`{"_meta":{"redactedAttributes":["old"]},"privateAttributes":"plan","plan":1}`), "/_meta/x\ntargetingKey\n/anonymous", uint8(3))
	f.Add([]byte(`{"targetingKey":"u1","address":{"street":"s","city":"Oslo"},"plan":"pro"}`), "/address/street", uint8(0))
	f.Add([]byte(`{"targetingKey":"u1","plan":"pro","anonymous":false,"Zone":"eu"}`), "", uint8(2))
	f.Add([]byte(`{"Zone":"eu","email":"a","targetingKey":"u1"}`), "email", uint8(0))
	f.Add([]byte(`[]`), "/", uint8(0))

	f.Fuzz(func(t *testing.T, data []byte, names string, mode uint8) {
		if bytes.Contains(data, []byte(fuzzToken)) || strings.Contains(names, fuzzToken) {
			t.Skip("input contains the private token")
		}
		var ctx map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		if mode&4 != 0 {
			dec.UseNumber()
		}
		if dec.Decode(&ctx) != nil || ctx == nil {
			ctx = map[string]any{}
		}

		var policyNames, contextNames []string
		for i, name := range strings.Split(names, "\n") {
			if i >= 16 {
				break
			}
			path := pointerPath(name)
			switch path[0] {
			case "targetingKey", "anonymous", "privateAttributes", "_meta":
				continue // never private (or not an attribute): no token there
			}
			if set(ctx, path, fmt.Sprintf("%s-%d", fuzzToken, i)) {
				if (int(mode)+i)%2 == 0 {
					policyNames = append(policyNames, name)
				} else {
					contextNames = append(contextNames, name)
				}
			}
		}
		if len(contextNames) > 0 {
			if mode&8 != 0 {
				l := make([]any, len(contextNames))
				for i, n := range contextNames {
					l[i] = n
				}
				ctx["privateAttributes"] = l
			} else {
				ctx["privateAttributes"] = contextNames
			}
		}
		p := privacy.Policy{PrivateAttributes: policyNames, AllAttributesPrivate: mode&2 != 0}
		before := deepCopy(ctx)

		got := p.Redact(ctx)

		if !reflect.DeepEqual(ctx, before) {
			t.Fatalf("Redact modified its input:\n  now    %#v\n  before %#v", ctx, before)
		}
		out, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("json.Marshal(Redact(%#v)): %v", ctx, err)
		}
		if bytes.Contains(out, []byte(fuzzToken)) {
			t.Fatalf("a private value leaked\n  policy %q\n  context %#v\n  result %s", p.PrivateAttributes, ctx, out)
		}
		if _, ok := got["privateAttributes"]; ok {
			t.Fatalf("result holds privateAttributes: %s", out)
		}
		// A Redactor reused after a context with a list of its own, and
		// after this one, gives the same result: no call leaves state.
		r := privacy.NewRedactor(p)
		r.Redact(map[string]any{"plan": 1, "privateAttributes": []string{"plan", "/address/city"}})
		r.Redact(ctx)
		if reused := r.Redact(ctx); !reflect.DeepEqual(reused, got) {
			t.Fatalf("reused Redactor:\n  got  %#v\n  want %#v", reused, got)
		}
		// AppendJSON writes exactly what json.Marshal writes for Redact:
		// on its own, and from the layout a context with the same keys
		// but other values left (a fresh Redactor's first context makes
		// the layouts, the next ones use them).
		if enc, err := r.AppendJSON(nil, ctx); err != nil || !bytes.Equal(enc, out) {
			t.Fatalf("AppendJSON = %s, %v\nwant json.Marshal(Redact) = %s", enc, err, out)
		}
		shadow := map[string]any{}
		for k, v := range ctx {
			if _, ok := v.(map[string]any); ok {
				shadow[k] = v
			} else {
				shadow[k] = 0.5
			}
		}
		fresh := privacy.NewRedactor(p)
		_, _ = fresh.AppendJSON(nil, shadow)
		for range 2 {
			if enc, err := fresh.AppendJSON(nil, ctx); err != nil || !bytes.Equal(enc, out) {
				t.Fatalf("AppendJSON after a context with the same keys = %s, %v\nwant json.Marshal(Redact) = %s", enc, err, out)
			}
		}
		if anon, _ := ctx["anonymous"].(bool); anon {
			if !reflect.DeepEqual(got, map[string]any{"anonymous": true}) {
				t.Fatalf("anonymous context redacted to %s", out)
			}
			return
		}
		for k, v := range got {
			switch k {
			case "_meta":
				checkMeta(t, v)
			case "targetingKey", "anonymous":
				if !reflect.DeepEqual(v, ctx[k]) {
					t.Fatalf("%s changed from %#v to %#v", k, ctx[k], v)
				}
			default:
				if p.AllAttributesPrivate {
					t.Fatalf("AllAttributesPrivate kept %q: %s", k, out)
				}
				if _, ok := ctx[k]; !ok {
					t.Fatalf("result has %q, which the input has not", k)
				}
			}
		}
		if again := p.Redact(got); !reflect.DeepEqual(again, got) {
			t.Fatalf("Redact is not idempotent:\n  once  %#v\n  twice %#v", got, again)
		}
	})
}

// checkMeta checks the shape of the _meta entry of a result.
func checkMeta(t *testing.T, v any) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		t.Fatalf("_meta = %#v, want a map with redactedAttributes only", v)
	}
	list, ok := m["redactedAttributes"].([]string)
	if !ok || len(list) == 0 {
		t.Fatalf("_meta.redactedAttributes = %#v, want a non-empty []string", m["redactedAttributes"])
	}
	for i := 1; i < len(list); i++ {
		if list[i-1] >= list[i] {
			t.Fatalf("_meta.redactedAttributes %q is not sorted without duplicates", list)
		}
	}
}

// pointerPath splits a private name as the package does: a name without
// a leading "/" is one key; a pointer's tokens are unescaped.
func pointerPath(name string) []string {
	if !strings.HasPrefix(name, "/") {
		return []string{name}
	}
	toks := strings.Split(name[1:], "/")
	for i, tok := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
	}
	return toks
}

// set stores val at path in ctx, creating maps on the way and replacing
// values that cannot hold the next token. It reports false, storing
// nothing, when the path goes through an array by a token that is not
// one of its indexes.
func set(ctx map[string]any, path []string, val string) bool {
	var cur any = ctx
	for i, tok := range path {
		last := i == len(path)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[tok] = val
				return true
			}
			next := c[tok]
			switch next.(type) {
			case map[string]any, []any:
			default:
				next = map[string]any{}
				c[tok] = next
			}
			cur = next
		case []any:
			idx := -1
			if _, err := fmt.Sscan(tok, &idx); err != nil || fmt.Sprint(idx) != tok || idx < 0 || idx >= len(c) {
				return false
			}
			if last {
				c[idx] = val
				return true
			}
			next := c[idx]
			switch next.(type) {
			case map[string]any, []any:
			default:
				next = map[string]any{}
				c[idx] = next
			}
			cur = next
		}
	}
	return false
}
