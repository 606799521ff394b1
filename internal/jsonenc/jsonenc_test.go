package jsonenc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// checkSameAsMarshal fails unless Append(v) is exactly json.Marshal(v),
// or both fail.
func checkSameAsMarshal(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := Append([]byte("prefix"), v)
	if wantErr != nil {
		if err == nil {
			t.Errorf("Append(%#v) = %s, want an error like json.Marshal's %v", v, got, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("Append(%#v): %v; json.Marshal gives %s", v, err, want)
	}
	if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
		t.Errorf("Append(%#v) =\n  %s\nwant (json.Marshal)\n  %s", v, got[len("prefix"):], want)
	}
}

type opaque struct {
	Email string `json:"email"`
}

func TestAppendJSONMatchesMarshal(t *testing.T) {
	var ascii strings.Builder
	for c := range 0x80 {
		ascii.WriteByte(byte(c))
	}
	for _, v := range []any{
		nil, true, false, "", "plain", ascii.String(), "é ü 日本 😀", "\u2028\u2029", "bad \xff utf-8 \xe2\x82",
		"<script>&amp;</script>", `quote " backslash \`,
		0.0, math.Copysign(0, -1), 1.0, -1.5, 0.1, 1e-6, 1e-7, 9.99e-7, 1e20, 1e21, 1.5e300, -2.5e-300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 123456789.0, 1e-10, 12e-9,
		math.NaN(), math.Inf(1), math.Inf(-1),
		0, -7, int64(math.MaxInt64), int64(math.MinInt64), int32(-3), uint64(math.MaxUint64),
		map[string]any{}, map[string]any(nil), []any{}, []any(nil), []string{}, []string(nil),
		map[string]string{"b": "2", "a": "1"}, map[string]string(nil),
		map[string]any{"z": 1, "a": []any{"x", 2.5, nil, map[string]any{"k": "<v>"}}, "m": map[string]any{"é": true}},
		[]string{"a", "\n"},
		map[string]any{"n": math.NaN()},
		time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), opaque{Email: "x"}, &opaque{}, json.Number("12.50"),
		map[int]string{2: "b", 1: "a"}, []int{1, 2}, float32(0.1),
	} {
		checkSameAsMarshal(t, v)
	}
	// More than 16 keys: the key slice grows past its local array.
	big := map[string]any{}
	for i := range 40 {
		big[strings.Repeat("k", 40-i)] = i
	}
	checkSameAsMarshal(t, big)
}

func TestAppendTimeMatchesMarshal(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 1, time.FixedZone("x", 3600)),
	} {
		want, _ := json.Marshal(tm)
		if got := AppendTime(nil, tm); !bytes.Equal(got, want) {
			t.Errorf("AppendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// FuzzAppendJSON checks Append against json.Marshal on arbitrary
// strings, numbers and decoded JSON documents.
func FuzzAppendJSON(f *testing.F) {
	f.Add("plain", 1.5, []byte(`{"a":[1,"x",null,{"b":true}]}`))
	f.Add("<\x00\u2028\xff>", 1e-7, []byte(`[1e21, -0, 0.000001]`))
	f.Add("", 0.0, []byte(`"\u00e9\ud800"`))
	f.Fuzz(func(t *testing.T, s string, x float64, doc []byte) {
		checkSameAsMarshal(t, s)
		checkSameAsMarshal(t, x)
		checkSameAsMarshal(t, map[string]any{s: x, "s": []string{s}})
		var v any
		if json.Unmarshal(doc, &v) == nil {
			checkSameAsMarshal(t, v)
		}
	})
}

// TestPlainWord checks the word-at-a-time test of AppendString against
// the byte table, for every byte value at every position of a word, alone
// and beside another special byte.
func TestPlainWord(t *testing.T) {
	plain := func(c byte) bool { return c < utf8.RuneSelf && !escapeASCII[c] }
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', '~', ' ', 0x7f, '"', 0xc3} {
				w := bytes.Repeat([]byte{fill}, 8)
				w[pos] = byte(c)
				want := true
				for _, b := range w {
					want = want && plain(b)
				}
				x := binary.LittleEndian.Uint64(w)
				if got := plainWord(x); got != want {
					t.Fatalf("plainWord(%q) = %v, want %v", w, got, want)
				}
			}
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	for _, s := range []string{"on", "targetingKey", "TARGETING_MATCH", "a plain sentence of some forty bytes..", "é ü 日本 with <tags> & \"quotes\""} {
		b.Run(fmt.Sprintf("len=%d", len(s)), func(b *testing.B) {
			buf := make([]byte, 0, 128)
			for b.Loop() {
				buf = AppendString(buf[:0], s)
			}
		})
	}
}

// TestAppendTimeMatchesRFC3339Nano: the per-second cache writes exactly
// what time.RFC3339Nano does, for fractions with and without trailing
// zeros, across second boundaries, and outside the cached range.
func TestAppendTimeMatchesRFC3339Nano(t *testing.T) {
	base := time.Date(2026, 12, 6, 23, 59, 58, 0, time.UTC)
	var times []time.Time
	for _, ns := range []int{0, 1, 10, 120_000_000, 123_456_789, 999_999_999, 500_000_000} {
		for s := 0; s < 3; s++ {
			times = append(times, base.Add(time.Duration(s)*time.Second+time.Duration(ns)))
		}
	}
	times = append(times,
		time.Unix(0, 0).UTC(), time.Unix(-1, 5).UTC(), time.Date(9999, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), base.In(time.FixedZone("x", 3600)))
	for i := range 2000 {
		times = append(times, base.Add(time.Duration(i)*7_919_113*time.Nanosecond))
	}
	for _, tm := range times {
		want := `"` + tm.Format(time.RFC3339Nano) + `"`
		if got := string(AppendTime(nil, tm)); got != want {
			t.Fatalf("AppendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// TestAppendStringEveryPosition puts each byte that needs escaping, and
// some that do not, at every position of strings of 1 to 24 bytes, so
// that it lands in a word checked whole, in the last word (which may
// overlap the words before it) and in the bytes checked one at a time.
func TestAppendStringEveryPosition(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for pos := range n {
			for _, c := range []string{"\"", "\\", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "é", "\xff", "\u2028", "a"} {
				s := strings.Repeat("x", pos) + c + strings.Repeat("y", n-pos-1)
				want, _ := json.Marshal(s)
				if got := AppendString(nil, s); !bytes.Equal(got, want) {
					t.Fatalf("AppendString(%q) = %s, want (json.Marshal) %s", s, got, want)
				}
			}
		}
	}
}
