package evaluator

import "testing"

// TestParseSemver checks which strings are Semantic Versions 2.0.0 (with an
// optional leading "v") and what they parse to; build metadata is dropped.
func TestParseSemver(t *testing.T) {
	valid := []struct {
		in   string
		want semver
	}{
		{"0.0.0", semver{}},
		{"1.2.3", semver{1, 2, 3, ""}},
		{"v1.2.3", semver{1, 2, 3, ""}},
		{"10.20.30", semver{10, 20, 30, ""}},
		{"1.0.0-alpha", semver{1, 0, 0, "alpha"}},
		{"1.0.0-alpha.1", semver{1, 0, 0, "alpha.1"}},
		{"1.0.0-0.3.7", semver{1, 0, 0, "0.3.7"}},
		{"1.0.0-x.7.z.92", semver{1, 0, 0, "x.7.z.92"}},
		{"1.0.0-x-y-z.--", semver{1, 0, 0, "x-y-z.--"}},
		{"1.0.0-alpha+001", semver{1, 0, 0, "alpha"}},
		{"1.0.0+20130313144700", semver{1, 0, 0, ""}},
		{"1.0.0-beta+exp.sha.5114f85", semver{1, 0, 0, "beta"}},
		{"1.0.0+21AF26D3----117B344092BD", semver{1, 0, 0, ""}},
		{"1.0.0-0A.is.legal", semver{1, 0, 0, "0A.is.legal"}},
		{"v2.0.0-rc.1+build.7", semver{2, 0, 0, "rc.1"}},
		{"9223372036854775807.0.0", semver{9223372036854775807, 0, 0, ""}},
	}
	for _, tc := range valid {
		got, ok := parseSemver(tc.in)
		if !ok || got != tc.want {
			t.Errorf("parseSemver(%q) = %+v, %v, want %+v, true", tc.in, got, ok, tc.want)
		}
	}
	invalid := []string{
		"", "v", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "-1.2.3", "1.-2.3",
		"a.b.c", "1.2.c", " 1.2.3", "1.2.3 ", "vv1.2.3", "V1.2.3", "1.2.3-", "1.2.3+",
		"1.2.3-alpha..1", "1.2.3-alpha.", "1.2.3-.alpha", "1.2.3-01", "1.2.3-alpha.01",
		"1.2.3-alpha_beta", "1.2.3+build+x", "1.2.3+build..1", "1.2.3-rc.1+", "1.2.3-é",
		"1..3", "1.2.", ".2.3",
	}
	for _, in := range invalid {
		if got, ok := parseSemver(in); ok {
			t.Errorf("parseSemver(%q) = %+v, true, want invalid", in, got)
		}
	}
}

// TestSemverCompare checks SemVer 2.0.0 precedence (section 11) for every
// pair of an ordered list, and that build metadata is ignored.
func TestSemverCompare(t *testing.T) {
	order := []string{
		"0.0.1", "0.1.0", "0.9.9",
		"1.0.0-0", "1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-A", "1.0.0-Z", "1.0.0-a",
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.2", "1.0.0-alpha.10", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0-rc.1.0",
		"1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", "10.0.0",
	}
	parsed := make([]semver, len(order))
	for i, s := range order {
		v, ok := parseSemver(s)
		if !ok {
			t.Fatalf("parseSemver(%q) failed", s)
		}
		parsed[i] = v
	}
	for i := range parsed {
		for j := range parsed {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := parsed[i].compare(parsed[j]); got != want {
				t.Errorf("compare(%q, %q) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}

	equal := [][2]string{
		{"1.0.0", "v1.0.0"},
		{"1.0.0+build.1", "1.0.0+build.2"},
		{"1.0.0-rc.1+a", "v1.0.0-rc.1"},
	}
	for _, p := range equal {
		a, _ := parseSemver(p[0])
		b, _ := parseSemver(p[1])
		if got := a.compare(b); got != 0 {
			t.Errorf("compare(%q, %q) = %d, want 0", p[0], p[1], got)
		}
	}
}

// TestSemverCompareLongNumericIdentifiers checks that numeric pre-release
// identifiers compare numerically whatever their length (SemVer 2.0.0
// 11.4.1 sets no limit).
func TestSemverCompareLongNumericIdentifiers(t *testing.T) {
	a, okA := parseSemver("1.0.0-alpha.100000000000000000000")
	b, okB := parseSemver("1.0.0-alpha.99999999999999999999")
	if !okA || !okB {
		t.Fatalf("parseSemver: %v, %v, want both valid", okA, okB)
	}
	if got := a.compare(b); got != 1 {
		t.Errorf("compare(%q, %q) = %d, want 1", "1.0.0-alpha.100000000000000000000", "1.0.0-alpha.99999999999999999999", got)
	}
}
