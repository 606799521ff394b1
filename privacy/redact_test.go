package privacy_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyardhq/switchyard/privacy"
)

// opaqueUser marshals to an object Redact cannot see into.
type opaqueUser struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// namedAttrs is a map type other than map[string]any.
type namedAttrs map[string]any

func meta(names ...string) map[string]any {
	return map[string]any{"redactedAttributes": names}
}

var when = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// redactCases covers SPEC section 5 rule by rule. Every case is also run
// through the no-mutation, JSON and idempotence checks below.
var redactCases = []struct {
	name   string
	policy privacy.Policy
	ctx    map[string]any
	want   map[string]any
}{
	{
		name: "nil context",
		ctx:  nil,
		want: map[string]any{},
	},
	{
		name: "nothing private",
		ctx:  map[string]any{"targetingKey": "u1", "email": "a@x.io", "address": map[string]any{"city": "Oslo"}},
		want: map[string]any{"targetingKey": "u1", "email": "a@x.io", "address": map[string]any{"city": "Oslo"}},
	},
	{
		name:   "policy name",
		policy: privacy.Policy{PrivateAttributes: []string{"email"}},
		ctx:    map[string]any{"targetingKey": "u1", "email": "a@x.io", "plan": "pro"},
		want:   map[string]any{"targetingKey": "u1", "plan": "pro", "_meta": meta("email")},
	},
	{
		name: "context []string",
		ctx:  map[string]any{"targetingKey": "u1", "email": "a@x.io", "plan": "pro", "privateAttributes": []string{"email"}},
		want: map[string]any{"targetingKey": "u1", "plan": "pro", "_meta": meta("email")},
	},
	{
		name: "context []any skips non-strings",
		ctx:  map[string]any{"email": "a@x.io", "phone": "555", "plan": "pro", "privateAttributes": []any{"email", 7, nil, "phone"}},
		want: map[string]any{"plan": "pro", "_meta": meta("email", "phone")},
	},
	{
		name: "context lone string is one name",
		ctx:  map[string]any{"email": "a@x.io", "plan": "pro", "privateAttributes": "email"},
		want: map[string]any{"plan": "pro", "_meta": meta("email")},
	},
	{
		name: "context list of another type is ignored",
		ctx:  map[string]any{"email": "a@x.io", "privateAttributes": map[string]any{"email": true}},
		want: map[string]any{"email": "a@x.io"},
	},
	{
		name:   "policy and context lists combined",
		policy: privacy.Policy{PrivateAttributes: []string{"email", "/address/street"}},
		ctx: map[string]any{
			"targetingKey": "u1", "email": "a@x.io", "phone": "555", "plan": "pro",
			"address":           map[string]any{"street": "1 Main St", "city": "Oslo"},
			"privateAttributes": []any{"phone"},
		},
		want: map[string]any{
			"targetingKey": "u1", "plan": "pro", "address": map[string]any{"city": "Oslo"},
			"_meta": meta("/address/street", "email", "phone"),
		},
	},
	{
		name:   "same name in both lists listed once",
		policy: privacy.Policy{PrivateAttributes: []string{"email", "email"}},
		ctx:    map[string]any{"email": "a@x.io", "privateAttributes": []string{"email"}},
		want:   map[string]any{"_meta": meta("email")},
	},
	{
		name:   "absent names are not listed",
		policy: privacy.Policy{PrivateAttributes: []string{"email", "/address/street", "/nope/x"}},
		ctx:    map[string]any{"plan": "pro", "address": map[string]any{"city": "Oslo"}},
		want:   map[string]any{"plan": "pro", "address": map[string]any{"city": "Oslo"}},
	},
	{
		name:   "present null is removed and listed",
		policy: privacy.Policy{PrivateAttributes: []string{"email"}},
		ctx:    map[string]any{"email": nil, "plan": "pro"},
		want:   map[string]any{"plan": "pro", "_meta": meta("email")},
	},
	{
		name:   "nested pointer",
		policy: privacy.Policy{PrivateAttributes: []string{"/address/geo/lat"}},
		ctx:    map[string]any{"address": map[string]any{"city": "Oslo", "geo": map[string]any{"lat": 59.9, "lon": 10.7}}},
		want:   map[string]any{"address": map[string]any{"city": "Oslo", "geo": map[string]any{"lon": 10.7}}, "_meta": meta("/address/geo/lat")},
	},
	{
		name:   "pointer to a whole map",
		policy: privacy.Policy{PrivateAttributes: []string{"/address"}},
		ctx:    map[string]any{"plan": "pro", "address": map[string]any{"street": "1 Main St"}},
		want:   map[string]any{"plan": "pro", "_meta": meta("/address")},
	},
	{
		name:   "one-token pointer and name both listed",
		policy: privacy.Policy{PrivateAttributes: []string{"/email", "email"}},
		ctx:    map[string]any{"email": "a@x.io"},
		want:   map[string]any{"_meta": meta("/email", "email")},
	},
	{
		name:   "overlapping pointers list what was present",
		policy: privacy.Policy{PrivateAttributes: []string{"/address", "/address/street", "/address/zip"}},
		ctx:    map[string]any{"address": map[string]any{"street": "1 Main St", "city": "Oslo"}},
		want:   map[string]any{"_meta": meta("/address", "/address/street")},
	},
	{
		name:   "array element by index becomes null",
		policy: privacy.Policy{PrivateAttributes: []string{"/emails/1"}},
		ctx:    map[string]any{"emails": []any{"a@x.io", "b@x.io", "c@x.io"}},
		want:   map[string]any{"emails": []any{"a@x.io", nil, "c@x.io"}, "_meta": meta("/emails/1")},
	},
	{
		name:   "pointer through an array into a map",
		policy: privacy.Policy{PrivateAttributes: []string{"/orders/0/card", "/orders/1/card"}},
		ctx: map[string]any{"orders": []any{
			map[string]any{"id": "o1", "card": "4111"},
			map[string]any{"id": "o2"},
		}},
		want: map[string]any{
			"orders": []any{map[string]any{"id": "o1"}, map[string]any{"id": "o2"}},
			"_meta":  meta("/orders/0/card"),
		},
	},
	{
		name:   "indexes that are not canonical or out of range match nothing",
		policy: privacy.Policy{PrivateAttributes: []string{"/emails/01", "/emails/-", "/emails/-1", "/emails/2", "/emails/x", "/emails/"}},
		ctx:    map[string]any{"emails": []any{"a@x.io", "b@x.io"}},
		want:   map[string]any{"emails": []any{"a@x.io", "b@x.io"}},
	},
	{
		name:   "escaped tokens",
		policy: privacy.Policy{PrivateAttributes: []string{"/a~1b/c~0d", "/~01"}},
		ctx:    map[string]any{"a/b": map[string]any{"c~d": "secret", "c/d": "kept"}, "~1": "secret2", "/": "kept too"},
		want:   map[string]any{"a/b": map[string]any{"c/d": "kept"}, "/": "kept too", "_meta": meta("/a~1b/c~0d", "/~01")},
	},
	{
		name:   "a name without a slash is a literal key",
		policy: privacy.Policy{PrivateAttributes: []string{"a/b"}},
		ctx:    map[string]any{"a/b": 1, "a": map[string]any{"b": 2}},
		want:   map[string]any{"a": map[string]any{"b": 2}, "_meta": meta("a/b")},
	},
	{
		name:   "a tilde without 0 or 1 is literal",
		policy: privacy.Policy{PrivateAttributes: []string{"/x~2y"}},
		ctx:    map[string]any{"x~2y": "secret", "x": 1},
		want:   map[string]any{"x": 1, "_meta": meta("/x~2y")},
	},
	{
		name:   "pointer into a scalar matches nothing",
		policy: privacy.Policy{PrivateAttributes: []string{"/email/0", "/n/x", "/nil/x"}},
		ctx:    map[string]any{"email": "a@x.io", "n": 3, "nil": nil},
		want:   map[string]any{"email": "a@x.io", "n": 3, "nil": nil},
	},
	{
		name:   "map[string]string and []string",
		policy: privacy.Policy{PrivateAttributes: []string{"/labels/secret", "/tags/0"}},
		ctx:    map[string]any{"labels": map[string]string{"secret": "s", "team": "t"}, "tags": []string{"s2", "ok"}},
		want:   map[string]any{"labels": map[string]any{"team": "t"}, "tags": []any{nil, "ok"}, "_meta": meta("/labels/secret", "/tags/0")},
	},
	{
		name:   "other map and slice types",
		policy: privacy.Policy{PrivateAttributes: []string{"/m/k", "/ints/1", "/arr/0"}},
		ctx: map[string]any{
			"m":    namedAttrs{"k": "secret", "j": 1},
			"ints": []int{1, 2, 3},
			"arr":  [2]string{"secret", "ok"},
		},
		want: map[string]any{
			"m": map[string]any{"j": 1}, "ints": []any{1, nil, 3}, "arr": []any{nil, "ok"},
			"_meta": meta("/arr/0", "/ints/1", "/m/k"),
		},
	},
	{
		name:   "pointer through an opaque value removes it whole",
		policy: privacy.Policy{PrivateAttributes: []string{"/user/email", "/ptr/email", "/raw/email", "/intmap/1"}},
		ctx: map[string]any{
			"user":   opaqueUser{Email: "a@x.io", Name: "Ana"},
			"ptr":    &opaqueUser{Email: "b@x.io"},
			"raw":    json.RawMessage(`{"email":"c@x.io"}`),
			"intmap": map[int]string{1: "secret"},
			"plan":   "pro",
		},
		want: map[string]any{"plan": "pro", "_meta": meta("/intmap/1", "/ptr/email", "/raw/email", "/user/email")},
	},
	{
		name:   "values that are not JSON-friendly are kept",
		policy: privacy.Policy{PrivateAttributes: []string{"/created/x", "/bytes/0"}},
		ctx:    map[string]any{"created": when, "bytes": []byte("hi"), "n": json.Number("12")},
		want:   map[string]any{"created": when, "bytes": []byte("hi"), "n": json.Number("12")},
	},
	{
		name:   "targetingKey and anonymous are never redacted by name",
		policy: privacy.Policy{PrivateAttributes: []string{"targetingKey", "/targetingKey", "anonymous", "/anonymous/x"}},
		ctx:    map[string]any{"targetingKey": "u1", "anonymous": false, "privateAttributes": []string{"targetingKey", "anonymous"}},
		want:   map[string]any{"targetingKey": "u1", "anonymous": false},
	},
	{
		name:   "privateAttributes and _meta are not attributes",
		policy: privacy.Policy{PrivateAttributes: []string{"privateAttributes", "_meta", "/_meta/redactedAttributes"}},
		ctx:    map[string]any{"plan": "pro", "privateAttributes": []string{"privateAttributes"}},
		want:   map[string]any{"plan": "pro"},
	},
	{
		name:   "all attributes private",
		policy: privacy.Policy{AllAttributesPrivate: true, PrivateAttributes: []string{"/address/street"}},
		ctx: map[string]any{
			"targetingKey": "u1", "anonymous": false, "email": "a@x.io",
			"address": map[string]any{"street": "1 Main St"}, "privateAttributes": []string{"email"},
		},
		want: map[string]any{"targetingKey": "u1", "anonymous": false, "_meta": meta("address", "email")},
	},
	{
		name:   "all attributes private with nothing to remove",
		policy: privacy.Policy{AllAttributesPrivate: true},
		ctx:    map[string]any{"targetingKey": "u1", "privateAttributes": []string{"email"}},
		want:   map[string]any{"targetingKey": "u1"},
	},
	{
		name:   "anonymous",
		policy: privacy.Policy{PrivateAttributes: []string{"email"}},
		ctx:    map[string]any{"targetingKey": "u1", "anonymous": true, "email": "a@x.io", "plan": "pro", "privateAttributes": []string{"plan"}},
		want:   map[string]any{"anonymous": true},
	},
	{
		name:   "anonymous with all attributes private",
		policy: privacy.Policy{AllAttributesPrivate: true},
		ctx:    map[string]any{"targetingKey": "u1", "anonymous": true, "email": "a@x.io"},
		want:   map[string]any{"anonymous": true},
	},
	{
		name: "anonymous must be the bool true",
		ctx:  map[string]any{"targetingKey": "u1", "anonymous": "true", "plan": "pro"},
		want: map[string]any{"targetingKey": "u1", "anonymous": "true", "plan": "pro"},
	},
	{
		name:   "incoming _meta is merged",
		policy: privacy.Policy{PrivateAttributes: []string{"phone"}},
		ctx:    map[string]any{"phone": "555", "_meta": map[string]any{"redactedAttributes": []any{"email", "phone", 3}, "other": "x"}},
		want:   map[string]any{"_meta": meta("email", "phone")},
	},
	{
		name: "incoming _meta kept when nothing new is removed",
		ctx:  map[string]any{"plan": "pro", "_meta": map[string]any{"redactedAttributes": []string{"email"}}},
		want: map[string]any{"plan": "pro", "_meta": meta("email")},
	},
	{
		name: "incoming _meta of another shape is dropped",
		ctx:  map[string]any{"plan": "pro", "_meta": "secret"},
		want: map[string]any{"plan": "pro"},
	},
}

func TestRedact(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(tc.name, func(t *testing.T) {
			before := deepCopy(tc.ctx)
			got := tc.policy.Redact(tc.ctx)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Redact(%v) =\n  %#v\nwant\n  %#v", tc.ctx, got, tc.want)
			}
			if !reflect.DeepEqual(tc.ctx, before) {
				t.Errorf("Redact modified its input:\n  now    %#v\n  before %#v", tc.ctx, before)
			}
			if _, ok := got["privateAttributes"]; ok {
				t.Errorf("Redact(%v) kept privateAttributes", tc.ctx)
			}
			data, err := json.Marshal(got)
			if err != nil {
				t.Errorf("json.Marshal(Redact(%v)): %v", tc.ctx, err)
			}
			r := privacy.NewRedactor(tc.policy)
			for call := range 2 { // the second from the layout the first made
				if enc, err := r.AppendJSON(nil, tc.ctx); err != nil || string(enc) != string(data) {
					t.Errorf("AppendJSON(%v), call %d = %s, %v\nwant json.Marshal(Redact) = %s", tc.ctx, call, enc, err, data)
				}
			}
			again := tc.policy.Redact(got)
			if !reflect.DeepEqual(again, got) {
				t.Errorf("Redact is not idempotent:\n  once  %#v\n  twice %#v", got, again)
			}
		})
	}
}

// TestRedactorIsReusable checks that one Redactor gives every case its
// expected result even after redacting all the other cases' contexts,
// which carry their own privateAttributes: nothing of one call is left
// for the next. It also checks that the Redactor keeps no reference to the
// Policy's slice.
func TestRedactorIsReusable(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(tc.name, func(t *testing.T) {
			r := privacy.NewRedactor(tc.policy)
			for _, other := range redactCases {
				r.Redact(other.ctx)
			}
			if got := r.Redact(tc.ctx); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Redact(%v) after the other cases =\n  %#v\nwant\n  %#v", tc.ctx, got, tc.want)
			}
		})
	}
	names := []string{"email"}
	r := privacy.NewRedactor(privacy.Policy{PrivateAttributes: names})
	names[0] = "plan"
	got := r.Redact(map[string]any{"email": "a@x.io", "plan": "pro"})
	if want := map[string]any{"plan": "pro", "_meta": map[string]any{"redactedAttributes": []string{"email"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Redact after the Policy's slice changed = %#v, want %#v", got, want)
	}
}

// TestRedactDoesNotModifyNestedInput checks, with pointer identity, that
// Redact copies what it changes and shares what it does not.
func TestRedactDoesNotModifyNestedInput(t *testing.T) {
	street := map[string]any{"line1": "1 Main St", "line2": "Apt 2"}
	address := map[string]any{"street": street, "city": "Oslo"}
	untouched := map[string]any{"a": 1}
	list := []any{"x", map[string]any{"secret": "s", "ok": true}}
	ctx := map[string]any{"address": address, "other": untouched, "list": list}
	before := deepCopy(ctx)

	got := privacy.Policy{PrivateAttributes: []string{"/address/street/line1", "/list/1/secret"}}.Redact(ctx)

	if !reflect.DeepEqual(ctx, before) {
		t.Fatalf("Redact modified its input:\n  now    %#v\n  before %#v", ctx, before)
	}
	if street["line1"] != "1 Main St" || list[1].(map[string]any)["secret"] != "s" {
		t.Fatal("Redact modified a nested value of its input")
	}
	if same(got["address"], address) || same(got["address"].(map[string]any)["street"], street) {
		t.Error("Redact did not copy the maps on the way to a removed value")
	}
	if !same(got["other"], untouched) {
		t.Error("Redact copied a map that needed no change")
	}
	if same(got["list"], list) {
		t.Error("Redact did not copy the slice on the way to a removed value")
	}
	got["address"].(map[string]any)["city"] = "changed"
	got["new"] = true
	if address["city"] != "Oslo" || ctx["new"] != nil {
		t.Error("changing the result changed the input")
	}
}

// TestRedactOwnership checks that the context's privateAttributes slice
// is neither kept nor changed.
func TestRedactOwnership(t *testing.T) {
	pa := []string{"b", "a"}
	ctx := map[string]any{"a": 1, "b": 2, "privateAttributes": pa}
	got := privacy.Policy{}.Redact(ctx)
	if pa[0] != "b" || pa[1] != "a" {
		t.Errorf("Redact reordered the context's privateAttributes: %v", pa)
	}
	names := privacy.PrivateAttributes(ctx)
	names[0] = "changed"
	if pa[0] != "b" {
		t.Error("PrivateAttributes returned the context's own slice")
	}
	if want := meta("a", "b"); !reflect.DeepEqual(got["_meta"], want) {
		t.Errorf("_meta = %v, want %v", got["_meta"], want)
	}
}

func TestPrivateAttributes(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want []string
	}{
		{nil, nil},
		{[]string{"a", "/b/c"}, []string{"a", "/b/c"}},
		{[]any{"a", 1, true, "/b"}, []string{"a", "/b"}},
		{"a", []string{"a"}},
		{42, nil},
		{map[string]any{"a": true}, nil},
	} {
		got := privacy.PrivateAttributes(map[string]any{"privateAttributes": tc.in})
		if !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("PrivateAttributes(%#v) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestRedactJSON(t *testing.T) {
	p := privacy.Policy{PrivateAttributes: []string{"email", "/address/street"}}
	ctx := map[string]any{
		"targetingKey": "u1", "email": "a@x.io", "created": when,
		"address":           map[string]any{"street": "1 Main St", "city": "Oslo"},
		"privateAttributes": []any{"/orders/0"},
		"orders":            []any{"o1", "o2"},
	}
	data, err := json.Marshal(p.Redact(ctx))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_meta":{"redactedAttributes":["/address/street","/orders/0","email"]},"address":{"city":"Oslo"},"created":"2026-03-01T12:00:00Z","orders":[null,"o2"],"targetingKey":"u1"}`
	if string(data) != want {
		t.Errorf("json.Marshal(Redact) =\n  %s\nwant\n  %s", data, want)
	}
}

func TestRedactConcurrent(t *testing.T) {
	p := privacy.Policy{PrivateAttributes: []string{"email", "/address/street", "/list/0"}}
	ctx := map[string]any{
		"targetingKey": "u1", "email": "a@x.io",
		"address": map[string]any{"street": "1 Main St", "city": "Oslo"},
		"list":    []any{"a", "b"}, "privateAttributes": []any{"/address/city"},
	}
	want := p.Redact(ctx)
	r := privacy.NewRedactor(p)
	other := map[string]any{"targetingKey": "u2", "phone": "555", "address": map[string]any{"zip": "0150"}, "privateAttributes": []string{"phone", "/address/zip"}}
	otherWant := p.Redact(other)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := p.Redact(ctx); !reflect.DeepEqual(got, want) {
					t.Errorf("concurrent Redact = %v, want %v", got, want)
					return
				}
				if got := r.Redact(ctx); !reflect.DeepEqual(got, want) {
					t.Errorf("concurrent Redactor.Redact = %v, want %v", got, want)
					return
				}
				if got := r.Redact(other); !reflect.DeepEqual(got, otherWant) {
					t.Errorf("concurrent Redactor.Redact = %v, want %v", got, otherWant)
					return
				}
			}
		})
	}
	wg.Wait()
}

// deepCopy copies maps and slices of the shapes used in these tests, so
// that a later DeepEqual sees any change made through shared references.
func deepCopy[T any](v T) T {
	return copyValue(reflect.ValueOf(&v).Elem()).Interface().(T)
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(copyValue(v.Elem()))
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), copyValue(it.Value()))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(copyValue(v.Index(i)))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(copyValue(v.Elem()))
		return out
	}
	return v
}

// same reports whether two maps or slices share their storage.
func same(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() != vb.Kind() || (va.Kind() != reflect.Map && va.Kind() != reflect.Slice) {
		panic(fmt.Sprintf("same(%T, %T)", a, b))
	}
	return va.UnsafePointer() == vb.UnsafePointer()
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string // "" means valid
	}{
		{nil, ""},
		{[]string{"email", "/address/street", "/a~1b", "/orders/0/card", "/x//y"}, ""},
		{[]string{"email", ""}, `PrivateAttributes[1] is "": name an attribute`},
		{[]string{"/"}, `PrivateAttributes[0] is "/": name an attribute`},
		{[]string{"targetingKey"}, "never redacted by name: mark such contexts anonymous"},
		{[]string{"/anonymous"}, "never redacted by name"},
		{[]string{"/targetingKey/x"}, "never redacted by name"},
		{[]string{"privateAttributes"}, "not an attribute"},
		{[]string{"/_meta/redactedAttributes"}, "not an attribute"},
		{[]string{"/a~2b"}, `invalid JSON Pointer: "~" must be followed by 0 or 1`},
		{[]string{"/a~"}, "invalid JSON Pointer"},
	} {
		err := privacy.Policy{PrivateAttributes: tc.names}.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("Validate(%q) = %v; want nil", tc.names, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "privacy: ") {
			t.Errorf("Validate(%q) = %v; want an error containing %q", tc.names, err, tc.want)
		}
	}
}

// TestAppendJSONKeyOrder checks AppendJSON's ordering of members, which
// sorts on the first bytes of each key before the rest, against
// json.Marshal: contexts from 0 to 40 members (past the sizes sorted by
// insertion), at the top level and in a map below a private pointer, with
// keys that share their first seven or eight bytes or are prefixes of
// one another, empty, or not ASCII.
func TestAppendJSONKeyOrder(t *testing.T) {
	keys := []string{"", "a", "ab", "abcdefg", "abcdefgh", "abcdefg\x00", "abcdefgh\x00", "abcdefghi", "abcdefgi",
		"_meta2", "_", "targetingKey", "targetingKeys", "é", "\xff", "Z", "plan3", "plan30", "plan31", "score10", "score11"}
	for i := len(keys); i < 40; i++ {
		keys = append(keys, fmt.Sprintf("attribute%02d", i))
	}
	p := privacy.Policy{PrivateAttributes: []string{"email", "/nested/street"}}
	r := privacy.NewRedactor(p)
	for n := range len(keys) + 1 {
		for range 5 { // maps are walked in a new order each time
			ctx := map[string]any{"email": "a@x.io"}
			nested := map[string]any{"street": "s"}
			for i := range n {
				ctx[keys[i]] = i
				nested[keys[i]] = float64(i) / 4
			}
			ctx["nested"] = nested
			want, err := json.Marshal(p.Redact(ctx))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := r.AppendJSON(nil, ctx); err != nil || string(got) != string(want) {
				t.Fatalf("AppendJSON(%d keys) =\n  %s, %v\nwant json.Marshal(Redact) =\n  %s", n, got, err, want)
			}
		}
	}
}
