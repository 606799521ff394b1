package evaluator

import (
	"cmp"
	"strings"
)

// semver is a Semantic Versioning 2.0.0 version with build metadata dropped.
// pre is the pre-release part as written (without the "-").
type semver struct {
	major, minor, patch uint64
	pre                 string
}

// parseSemver parses MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] with an optional
// leading "v". It does not allocate.
func parseSemver(s string) (semver, bool) {
	var v semver
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:], false) {
			return v, false
		}
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.pre = s[i+1:]
		if !validIdents(v.pre, true) {
			return v, false
		}
		s = s[:i]
	}
	var ok bool
	for i, dst := range [...]*uint64{&v.major, &v.minor, &v.patch} {
		var part string
		if i < 2 {
			j := strings.IndexByte(s, '.')
			if j < 0 {
				return v, false
			}
			part, s = s[:j], s[j+1:]
		} else {
			part = s
		}
		if *dst, ok = parseNumeric(part); !ok {
			return v, false
		}
	}
	return v, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseNumeric reads a numeric identifier: digits, no leading zero.
func parseNumeric(s string) (uint64, bool) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// validIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// pre-release identifiers must not have leading zeros.
func validIdents(s string, pre bool) bool {
	if s == "" {
		return false
	}
	for s != "" {
		id := s
		if j := strings.IndexByte(s, '.'); j >= 0 {
			id, s = s[:j], s[j+1:]
			if s == "" {
				return false
			}
		} else {
			s = ""
		}
		if id == "" {
			return false
		}
		digits := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return false
			}
		}
		if pre && digits && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

// compare orders versions by SemVer 2.0.0 precedence: -1, 0 or +1.
func (a semver) compare(b semver) int {
	for _, p := range [...][2]uint64{{a.major, b.major}, {a.minor, b.minor}, {a.patch, b.patch}} {
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1 // a release ranks above its pre-releases
	case b.pre == "":
		return -1
	}
	x, y := a.pre, b.pre
	for x != "" && y != "" {
		var xi, yi string
		xi, x, _ = strings.Cut(x, ".")
		yi, y, _ = strings.Cut(y, ".")
		if c := compareIdent(xi, yi); c != 0 {
			return c
		}
	}
	switch {
	case x == "" && y == "":
		return 0
	case x == "":
		return -1
	}
	return 1
}

// compareIdent compares pre-release identifiers: numeric ones numerically
// and below alphanumeric ones, which compare in ASCII order.
func compareIdent(x, y string) int {
	xNum, yNum := allDigits(x), allDigits(y)
	switch {
	case xNum && yNum:
		// No leading zeros (checked at parse), so the longer is larger
		// and equal lengths compare as text, with no limit on size.
		if len(x) != len(y) {
			return cmp.Compare(len(x), len(y))
		}
		return strings.Compare(x, y)
	case xNum:
		return -1
	case yNum:
		return 1
	}
	return strings.Compare(x, y)
}
