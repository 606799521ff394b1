package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"testing/slogtest"

	"github.com/switchyardhq/switchyard/privacy"
)

// secrets are the private values logged by the tests below; none may
// appear in any output.
var secrets = []string{"S-email", "S-phone", "S-ssn", "S-ctx-email", "S-ctx-plan", "S-street", "S-anon-key", "S-with", "S-group", "S-lv", "S-deep"}

// logAll logs one record that holds each kind of private value, through
// logger, and returns the decoded JSON line.
func logAll(t *testing.T, logger *slog.Logger, buf *bytes.Buffer) map[string]any {
	t.Helper()
	logger.With("email", "S-with").Info("hello",
		"email", "S-email",
		slog.Group("user", "phone", "S-phone", "name", "Ana"),
		slog.Group("ssn", "number", "S-ssn"),
		"ctx", map[string]any{
			"targetingKey": "u1", "email": "S-ctx-email", "plan": "S-ctx-plan", "country": "NO",
			"privateAttributes": []any{"plan"},
		},
		slog.Group("req", slog.Any("ctx", map[string]any{"address": map[string]any{"street": "S-street", "city": "Oslo"}})),
		"anon", map[string]any{"anonymous": true, "targetingKey": "S-anon-key"},
		"lv", privacy.Context{Attributes: map[string]any{"targetingKey": "u2", "email": "S-lv"}},
		"count", 3,
	)
	return decodeLine(t, buf)
}

func decodeLine(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	out := buf.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("log output contains the private value %q:\n%s", s, out)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("log line is not one JSON object: %v\n%s", err, out)
	}
	delete(m, "time")
	buf.Reset()
	return m
}

var logPolicy = privacy.Policy{PrivateAttributes: []string{"email", "ssn", "/user/phone", "/req/ctx/address/street"}}

// wantLogged is what logAll logs under logPolicy, as decoded JSON.
var wantLogged = map[string]any{
	"level": "INFO", "msg": "hello",
	"email": privacy.RedactedValue,
	"user":  map[string]any{"phone": privacy.RedactedValue, "name": "Ana"},
	"ssn":   map[string]any{"number": privacy.RedactedValue},
	"ctx": map[string]any{
		"targetingKey": "u1", "country": "NO",
		"_meta": map[string]any{"redactedAttributes": []any{"email", "plan"}},
	},
	"req": map[string]any{"ctx": map[string]any{
		"address": map[string]any{"city": "Oslo"},
		"_meta":   map[string]any{"redactedAttributes": []any{"/address/street"}},
	}},
	"anon": map[string]any{"anonymous": true},
	// The Context's own (zero) Policy keeps email; the log policy's
	// name redacts it.
	"lv":    map[string]any{"targetingKey": "u2", "email": privacy.RedactedValue},
	"count": 3.0,
}

func TestReplaceAttrJSONHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: logPolicy.ReplaceAttr}))
	got := logAll(t, logger, &buf)
	// The JSON handler writes the With attribute and the record's
	// attribute of the same key; the decoded map keeps the last.
	if !reflect.DeepEqual(got, wantLogged) {
		t.Errorf("logged\n  %v\nwant\n  %v", got, wantLogged)
	}
}

func TestNewHandlerJSON(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(privacy.NewHandler(slog.NewJSONHandler(&buf, nil), logPolicy))
	got := logAll(t, logger, &buf)
	if !reflect.DeepEqual(got, wantLogged) {
		t.Errorf("logged\n  %v\nwant\n  %v", got, wantLogged)
	}

	// Attributes added with WithAttrs inside groups opened by WithGroup.
	// The path of "phone" is /req/user/phone, which /user/phone does not
	// cover, so its value is logged.
	logger.WithGroup("req").With("ctx", map[string]any{"address": map[string]any{"street": "S-street"}}).
		WithGroup("user").Info("grouped", "phone", "555", "email", "S-email", "ok", true,
		slog.Group("deep", "email", "S-deep", "keep", 1))
	got = decodeLine(t, &buf)
	want := map[string]any{
		"level": "INFO", "msg": "grouped",
		"req": map[string]any{
			"ctx": map[string]any{
				"address": map[string]any{},
				"_meta":   map[string]any{"redactedAttributes": []any{"/address/street"}},
			},
			"user": map[string]any{
				"phone": "555", "email": privacy.RedactedValue, "ok": true,
				"deep": map[string]any{"email": privacy.RedactedValue, "keep": 1.0},
			},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logged\n  %v\nwant\n  %v", got, want)
	}
}

func TestNewHandlerPointerThroughGroups(t *testing.T) {
	var buf bytes.Buffer
	p := privacy.Policy{PrivateAttributes: []string{"/req/user/phone", "/req/ctx/address/street", "/a~1b/c"}}
	logger := slog.New(privacy.NewHandler(slog.NewJSONHandler(&buf, nil), p))
	logger.WithGroup("req").With("ctx", map[string]any{"address": map[string]any{"street": "S-street", "city": "Oslo"}}).
		WithGroup("user").Info("m", "phone", "S-phone", "name", "Ana")
	got := decodeLine(t, &buf)
	want := map[string]any{"level": "INFO", "msg": "m", "req": map[string]any{
		"ctx": map[string]any{
			"address": map[string]any{"city": "Oslo"},
			"_meta":   map[string]any{"redactedAttributes": []any{"/address/street"}},
		},
		"user": map[string]any{"phone": privacy.RedactedValue, "name": "Ana"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logged\n  %v\nwant\n  %v", got, want)
	}

	logger.WithGroup("a/b").Info("m", "c", "S-group", "d", 1)
	got = decodeLine(t, &buf)
	want = map[string]any{"level": "INFO", "msg": "m", "a/b": map[string]any{"c": privacy.RedactedValue, "d": 1.0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logged\n  %v\nwant\n  %v", got, want)
	}
}

func TestNewHandlerCopiesPolicy(t *testing.T) {
	var buf bytes.Buffer
	names := []string{"email"}
	logger := slog.New(privacy.NewHandler(slog.NewJSONHandler(&buf, nil), privacy.Policy{PrivateAttributes: names}))
	names[0] = "other"
	logger.Info("m", "email", "S-email")
	if got := decodeLine(t, &buf); got["email"] != privacy.RedactedValue {
		t.Errorf("email = %v, want %q", got["email"], privacy.RedactedValue)
	}
}

func TestNewHandlerTextHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(privacy.NewHandler(slog.NewTextHandler(&buf, nil), logPolicy))
	logAll2 := func() {
		logger.With("email", "S-with").WithGroup("g").Info("hello", "email", "S-email",
			"ctx", map[string]any{"email": "S-ctx-email", "plan": "pro"},
			"lv", privacy.Context{Policy: logPolicy, Attributes: map[string]any{"email": "S-lv", "address": map[string]any{"street": "S-street", "zip": "0150"}, "privateAttributes": "/address/street"}})
	}
	logAll2()
	out := buf.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("text output contains %q:\n%s", s, out)
		}
	}
	for _, want := range []string{"email=[REDACTED]", "g.email=[REDACTED]", "g.lv.address.zip=0150", "g.lv._meta.redactedAttributes=\"[/address/street email]\""} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %s:\n%s", want, out)
		}
	}
}

func TestReplaceAttr(t *testing.T) {
	p := privacy.Policy{PrivateAttributes: []string{
		"email", "ssn", "targetingKey", "/user/phone", "/org", "/a~1b/c~0d", "/targetingKey",
	}}
	for _, tc := range []struct {
		groups []string
		attr   slog.Attr
		want   slog.Value
	}{
		{nil, slog.String("email", "x"), slog.StringValue(privacy.RedactedValue)},
		{[]string{"user"}, slog.String("email", "x"), slog.StringValue(privacy.RedactedValue)},
		{[]string{"a", "b"}, slog.Int("email", 1), slog.StringValue(privacy.RedactedValue)},
		{[]string{"user"}, slog.String("phone", "x"), slog.StringValue(privacy.RedactedValue)},
		{nil, slog.String("phone", "x"), slog.StringValue("x")},
		{[]string{"other"}, slog.String("phone", "x"), slog.StringValue("x")},
		{[]string{"user", "x"}, slog.String("phone", "x"), slog.StringValue("x")},
		{[]string{"ssn"}, slog.String("number", "x"), slog.StringValue(privacy.RedactedValue)},
		{[]string{"org", "team"}, slog.String("name", "x"), slog.StringValue(privacy.RedactedValue)},
		{nil, slog.String("org", "x"), slog.StringValue(privacy.RedactedValue)},
		{[]string{"a/b"}, slog.String("c~d", "x"), slog.StringValue(privacy.RedactedValue)},
		{[]string{"a/b"}, slog.String("c/d", "x"), slog.StringValue("x")},
		{nil, slog.String("targetingKey", "u1"), slog.StringValue("u1")},
		{nil, slog.String(slog.MessageKey, "m"), slog.StringValue("m")},
		{nil, slog.Any("lv", privacy.Context{Attributes: map[string]any{"email": "x"}}),
			slog.GroupValue(slog.String("email", privacy.RedactedValue))},
		{nil, slog.Any("lv", privacy.Context{Policy: p, Attributes: map[string]any{"email": "x"}}),
			slog.GroupValue(slog.Group("_meta", slog.Any("redactedAttributes", []string{"email"})))},
		{nil, slog.Any("ssn", privacy.Context{Attributes: map[string]any{"a": "x"}}), slog.GroupValue(slog.String("a", privacy.RedactedValue))},
		{nil, slog.Group("ssn", "a", "x", slog.Group("b", "c", 1)),
			slog.GroupValue(slog.String("a", privacy.RedactedValue), slog.Group("b", slog.String("c", privacy.RedactedValue)))},
		{nil, slog.Group("g", "email", "x", "ok", 1), slog.GroupValue(slog.String("email", privacy.RedactedValue), slog.Int("ok", 1))},
		{nil, slog.Any("user", map[string]any{"phone": "x", "name": "Ana"}),
			slog.AnyValue(map[string]any{"name": "Ana", "_meta": map[string]any{"redactedAttributes": []string{"/phone"}}})},
		{[]string{"user"}, slog.Any("ctx", map[string]any{"email": "x", "phone": "y", "privateAttributes": []string{"phone"}}),
			slog.AnyValue(map[string]any{"_meta": map[string]any{"redactedAttributes": []string{"email", "phone"}}})},
		{nil, slog.Any("anon", map[string]any{"anonymous": true, "targetingKey": "u1"}), slog.AnyValue(map[string]any{"anonymous": true})},
	} {
		got := p.ReplaceAttr(tc.groups, tc.attr)
		if got.Key != tc.attr.Key || !equalValue(got.Value, tc.want) {
			t.Errorf("ReplaceAttr(%q, %v) = %v, want %s=%v", tc.groups, tc.attr, got, tc.attr.Key, tc.want)
		}
	}
}

func TestReplaceAttrBuiltins(t *testing.T) {
	var buf bytes.Buffer
	p := privacy.Policy{PrivateAttributes: []string{"msg", "level", "time", "source"}}
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: p.ReplaceAttr, AddSource: true}))
	logger.Info("hello", slog.Group("g", "msg", "S-group"))
	got := decodeLine(t, &buf)
	if got["msg"] != "hello" || got["level"] != "INFO" || got["source"] == privacy.RedactedValue {
		t.Errorf("built-in attributes were redacted: %v", got)
	}
	if g := got["g"].(map[string]any)["msg"]; g != privacy.RedactedValue {
		t.Errorf("g.msg = %v, want %q", g, privacy.RedactedValue)
	}
}

func TestReplaceAttrAllAttributesPrivate(t *testing.T) {
	p := privacy.Policy{AllAttributesPrivate: true}
	if got := p.ReplaceAttr(nil, slog.String("request", "r1")); got.Value.String() != "r1" {
		t.Errorf("AllAttributesPrivate redacted a plain log attribute: %v", got)
	}
	got := p.ReplaceAttr(nil, slog.Any("ctx", map[string]any{"targetingKey": "u1", "email": "x"}))
	want := map[string]any{"targetingKey": "u1", "_meta": map[string]any{"redactedAttributes": []string{"email"}}}
	if !reflect.DeepEqual(got.Value.Any(), want) {
		t.Errorf("ReplaceAttr(ctx) = %v, want %v", got.Value.Any(), want)
	}
}

func TestContextLogValue(t *testing.T) {
	p := privacy.Policy{PrivateAttributes: []string{"/address/street"}}
	ctx := map[string]any{
		"targetingKey": "u1", "email": "S-email", "privateAttributes": []string{"email"},
		"address": map[string]any{"street": "S-street", "city": "Oslo"},
	}
	before := deepCopy(ctx)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("evaluated", "context", privacy.Context{Policy: p, Attributes: ctx})
	got := decodeLine(t, &buf)
	want := map[string]any{"level": "INFO", "msg": "evaluated", "context": map[string]any{
		"targetingKey": "u1", "address": map[string]any{"city": "Oslo"},
		"_meta": map[string]any{"redactedAttributes": []any{"/address/street", "email"}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logged\n  %v\nwant\n  %v", got, want)
	}
	if !reflect.DeepEqual(ctx, before) {
		t.Error("LogValue modified the context")
	}
}

// TestSlogtest runs the standard library's handler conformance tests
// against NewHandler.
func TestSlogtest(t *testing.T) {
	for name, p := range map[string]privacy.Policy{
		"zero policy":  {},
		"with names":   {PrivateAttributes: []string{"not-used", "/x/y"}},
		"all private":  {AllAttributesPrivate: true},
		"nil policies": {PrivateAttributes: nil},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			slogtest.Run(t,
				func(*testing.T) slog.Handler {
					buf.Reset()
					return privacy.NewHandler(slog.NewJSONHandler(&buf, nil), p)
				},
				func(t *testing.T) map[string]any {
					var m map[string]any
					if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
						t.Fatalf("%v: %s", err, buf.Bytes())
					}
					return m
				})
		})
	}
	var buf bytes.Buffer
	h := privacy.NewHandler(slog.NewJSONHandler(&buf, nil), privacy.Policy{})
	err := slogtest.TestHandler(h, func() []map[string]any {
		var ms []map[string]any
		for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		return ms
	})
	if err != nil {
		t.Error(err)
	}
}

func TestNewHandlerEnabled(t *testing.T) {
	inner := slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})
	h := privacy.NewHandler(inner, privacy.Policy{})
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelError) {
		t.Error("Enabled does not follow the inner handler")
	}
}

// equalValue compares slog values, resolving them and comparing the
// contents of groups and of map values.
func equalValue(a, b slog.Value) bool {
	a, b = a.Resolve(), b.Resolve()
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case slog.KindGroup:
		ga, gb := a.Group(), b.Group()
		if len(ga) != len(gb) {
			return false
		}
		for i := range ga {
			if ga[i].Key != gb[i].Key || !equalValue(ga[i].Value, gb[i].Value) {
				return false
			}
		}
		return true
	case slog.KindAny:
		return reflect.DeepEqual(a.Any(), b.Any())
	}
	return a.Equal(b)
}

// flattened stands for openfeature.FlattenedContext: a named map type,
// which is what OpenFeature users hold and log.
type flattened map[string]any

// TestLoggedNamedMapsAreRedacted: a context logged as a named map type or
// as a map[string]string is redacted like a map[string]any, through both
// ReplaceAttr and NewHandler.
func TestLoggedNamedMapsAreRedacted(t *testing.T) {
	policy := privacy.Policy{PrivateAttributes: []string{"email"}}
	for name, ctx := range map[string]any{
		"named map":         flattened{"targetingKey": "user-1", "email": "S-named-email", "plan": "pro"},
		"map[string]string": map[string]string{"targetingKey": "user-1", "email": "S-string-email", "plan": "pro"},
		"per-context list":  flattened{"targetingKey": "user-1", "phone": "S-named-phone", "privateAttributes": []any{"phone"}},
	} {
		for handler, logger := range map[string]func(*bytes.Buffer) *slog.Logger{
			"ReplaceAttr": func(b *bytes.Buffer) *slog.Logger {
				return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{ReplaceAttr: policy.ReplaceAttr}))
			},
			"NewHandler": func(b *bytes.Buffer) *slog.Logger {
				return slog.New(privacy.NewHandler(slog.NewJSONHandler(b, nil), policy))
			},
		} {
			var buf bytes.Buffer
			logger(&buf).Info("evaluated", "ctx", ctx)
			out := buf.String()
			for _, private := range []string{"S-named-email", "S-string-email", "S-named-phone"} {
				if strings.Contains(out, private) {
					t.Errorf("%s via %s: logged %s", name, handler, out)
				}
			}
			if !strings.Contains(out, "user-1") {
				t.Errorf("%s via %s: the targeting key is missing from %s", name, handler, out)
			}
		}
	}
}
