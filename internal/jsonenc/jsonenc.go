// Package jsonenc encodes the plain values of evaluation contexts and
// telemetry events as JSON without reflection. Its output is byte for byte
// what encoding/json writes for the same values (map keys sorted; <, > and
// & escaped; invalid UTF-8 replaced by U+FFFD; the same number format),
// which its tests check against json.Marshal.
package jsonenc

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// ErrUnsupportedFloat is returned for NaN and ±Inf, which JSON cannot
// represent (json.Marshal fails on them too).
var ErrUnsupportedFloat = errors.New("json: NaN or infinite number is not valid JSON")

// Append appends the JSON encoding of v to b. The shapes an evaluation
// context or a flag value is made of (nil, string, bool, float64, the
// integer types, map[string]any, []any, []string, map[string]string) are
// written directly; anything else goes through json.Marshal.
func Append(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		return AppendFloat(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case map[string]any:
		return AppendObject(b, v)
	case map[string]string:
		return appendMap(b, v, appendStringValue)
	case []any:
		return appendArray(b, v, Append)
	case []string:
		return appendArray(b, v, appendStringValue)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, data...), nil
}

// AppendObject appends a map[string]any with its keys sorted.
func AppendObject(b []byte, m map[string]any) ([]byte, error) { return appendMap(b, m, Append) }

// appendStringValue is AppendString in the shape appendArray and appendMap
// take.
func appendStringValue(b []byte, s string) ([]byte, error) { return AppendString(b, s), nil }

// appendArray appends the JSON array of a, each element written by value;
// a nil slice is null, as encoding/json writes it.
func appendArray[E any](b []byte, a []E, value func([]byte, E) ([]byte, error)) ([]byte, error) {
	if a == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, e := range a {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = value(b, e); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendMap appends m as a JSON object, keys sorted, each value written by
// value; a nil map is null.
func appendMap[V any](b []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var small [16]string
	keys := SortedKeys(small[:0], m)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(AppendString(b, k), ':')
		var err error
		if b, err = value(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// SortedKeys appends m's keys to dst, sorted. Given a slice of a local
// array as dst, a caller sorts a small map's keys without allocating.
func SortedKeys[V any](dst []string, m map[string]V) []string {
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst
}

// AppendFloat appends f as encoding/json does: like strconv's shortest
// 'f' format, switching to exponent form below 1e-6 and from 1e21, with
// the exponent not padded ("1e-7", not "1e-07").
func AppendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, ErrUnsupportedFloat
	}
	abs := math.Abs(f)
	if abs == 0 || (abs >= 1e-6 && abs < 1e21) {
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	// strconv writes at least two exponent digits: "1e-07" becomes "1e-7".
	// (Exponents from +21 up have two digits anyway.)
	if n := len(b); n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// escapeASCII marks the ASCII bytes a JSON string holds escaped: control
// characters, the quote and the backslash, and < > & as encoding/json
// escapes them.
var escapeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := range byte(0x20) {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = true
	}
	return t
}()

// copiedASCII marks the bytes a JSON string holds as they are: ASCII
// that escapeASCII does not mark. (One lookup per byte, for the bytes
// that plainWord does not check a word at a time.)
var copiedASCII = func() (t [256]bool) {
	for c := range byte(utf8.RuneSelf) {
		t[c] = !escapeASCII[c]
	}
	return t
}()

// Masks for plainWord, one byte repeated eight times.
const (
	lsb   = 0x0101010101010101
	msb   = 0x8080808080808080
	space = 0x20 * lsb
)

// hasZeroByte reports, in the high bit of each byte, whether x has a zero
// byte: the result is non-zero exactly when one is.
func hasZeroByte(x uint64) uint64 { return (x - lsb) &^ x & msb }

// plainWord reports whether none of the eight bytes of x needs more than
// copying into a JSON string: none is a control character, '"', '\\',
// '<', '>', '&' or outside ASCII. ('<' and '>' differ in one bit, as do
// '"' and '&', so each pair takes one test.)
func plainWord(x uint64) bool {
	special := x&msb | // not ASCII
		(x-space)&^x&msb | // below 0x20
		hasZeroByte((x|0x02*lsb)^('>'*lsb)) | // < or >
		hasZeroByte((x|0x04*lsb)^('&'*lsb)) | // " or &
		hasZeroByte(x^('\\'*lsb))
	return special == 0
}

// AppendString appends s as a JSON string, escaping as encoding/json does.
// Runs of eight bytes that need no escaping are checked a word at a time.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; ; {
		for len(s)-i >= 8 && plainWord(load64(s[i:i+8])) {
			i += 8
		}
		if len(s)-i < 8 && len(s) >= 8 && plainWord(load64(s[len(s)-8:])) {
			i = len(s) // the last eight bytes, overlapping those checked, are plain too
		}
		for i < len(s) && copiedASCII[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters, and < > &
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// load64 returns the eight bytes of w, little-endian (one load on most
// machines).
func load64(w string) uint64 {
	_ = w[7]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// AppendTime appends t as encoding/json writes a time.Time: an RFC 3339
// string with nanoseconds as needed. For UTC times in years 1970 to 9999
// (every event's creation date) the date and time of day are formatted
// once per second and reused, and only the fraction is written per call.
func AppendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	sec := t.Unix()
	if t.Location() != time.UTC || sec < 0 || sec > maxCachedSecond {
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	c := lastSecond.Load()
	if c == nil || c.sec != sec {
		c = &formattedSecond{sec: sec}
		t.AppendFormat(c.text[:0], "2006-01-02T15:04:05")
		lastSecond.Store(c)
	}
	b = append(b, c.text[:]...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte // "." and nine digits
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z', '"')
}

// formattedSecond is one second's "2006-01-02T15:04:05", shared by the
// events created within it.
type formattedSecond struct {
	sec  int64
	text [19]byte
}

var lastSecond atomic.Pointer[formattedSecond]

// maxCachedSecond is 9999-12-31T23:59:59Z: later years have more digits.
const maxCachedSecond = 253402300799
