package main

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

func ms_(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(100-i) * time.Millisecond // unsorted on purpose
	}
	s := summarize(hundred)
	if s.p50 != 50*time.Millisecond || s.p99 != 99*time.Millisecond || s.max != 100*time.Millisecond || s.n != 100 {
		t.Errorf("summarize(1..100 ms) = %+v, want p50 50 ms, p99 99 ms, max 100 ms", s)
	}
	if got := summarize(ms_(7)); got.p50 != 7*time.Millisecond || got.p99 != 7*time.Millisecond {
		t.Errorf("one value: %+v", got)
	}
	if got := summarize(nil); got != (summary{}) {
		t.Errorf("no values: %+v", got)
	}
	// Nearest rank: of 10 values, p99 is the largest, p50 the 5th.
	if got := summarize(ms_(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)); got.p50 != 5*time.Millisecond || got.p99 != 10*time.Millisecond {
		t.Errorf("1..10: %+v", got)
	}
}

func TestMaxWindow(t *testing.T) {
	for _, c := range []struct {
		times      []time.Duration
		width      time.Duration
		want       int
		wantStart  time.Duration
		wantReason string
	}{
		{ms_(), time.Second, 0, 0, "empty"},
		{ms_(0, 999, 1000), time.Second, 2, 0, "the window is half-open: 1000 is not in [0, 1000)"},
		// A burst split by a bin edge at 1 s is still one window.
		{ms_(100, 900, 950, 1050, 1100, 3000), time.Second, 4, 100 * time.Millisecond, "sliding, not binned (1 s bins hold at most 3)"},
		{ms_(2000, 10, 2500, 2400, 20), time.Second, 3, 2000 * time.Millisecond, "unsorted input"},
	} {
		got, start := maxWindow(c.times, c.width)
		if got != c.want || start != c.wantStart {
			t.Errorf("%s: maxWindow(%v) = %d from %v, want %d from %v", c.wantReason, c.times, got, start, c.want, c.wantStart)
		}
	}
}

func TestBins(t *testing.T) {
	got := bins(ms_(0, 99, 100, 250, 999, 1000, -5), 100*time.Millisecond, time.Second)
	want := []int{2, 1, 1, 0, 0, 0, 0, 0, 0, 1}
	if len(got) != len(want) {
		t.Fatalf("bins = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("bins = %v, want %v (1000 and -5 are outside [0, 1 s))", got, want)
		}
	}
	if n := len(bins(nil, time.Second, 2500*time.Millisecond)); n != 3 {
		t.Errorf("a partial last bin counts: %d bins, want 3", n)
	}
}

func TestPerKeyMeanMaxHistogram(t *testing.T) {
	mean, mx := perKey([]string{"a", "b", "a", "a"}, 4)
	if mean != 1 || mx != 3 {
		t.Errorf("perKey = %v, %d; want 1 (4 values over 4 keys, one of them silent), 3", mean, mx)
	}
	if m, x := meanMax([]int{0, 1, 2, 5}); m != 2 || x != 5 {
		t.Errorf("meanMax = %v, %d", m, x)
	}
	if got := histogram([]int{0, 1, 1, 3, 4, 9}); got != "1 / 2 / 0 / 1 / 2" {
		t.Errorf("histogram = %q", got)
	}
}

// wellFormed reports the first XML error in doc, or nil.
func wellFormed(doc []byte) error {
	d := xml.NewDecoder(strings.NewReader(string(doc)))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if root != "svg" {
				return errors.New("the root element is " + root + ", not svg")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
}

func TestSVGIsWellFormed(t *testing.T) {
	p := plot{
		title: `Reconnections <after> a "restart" & more`, xLabel: "s", yLabel: "n", binWidth: 0.1,
		series: []series{
			{name: "a & b", color: "#123456", values: []float64{0, 3, 10, 2}},
			{name: "empty", color: "red"},
		},
		hline: 5, hlineLabel: "target <5>",
	}
	doc := p.svg()
	if err := wellFormed(doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, doc)
	}
	if !strings.Contains(string(doc), "&lt;after&gt;") {
		t.Error("the title is not escaped")
	}
	if got := strings.Count(string(doc), `fill="none"/>`); got != 2 {
		t.Errorf("%d paths with fill none, want the axes and the one non-empty series", got)
	}
	if err := wellFormed(plot{binWidth: 1}.svg()); err != nil {
		t.Errorf("an empty plot: %v", err)
	}
	// The wellFormed check itself catches a broken document.
	if wellFormed([]byte(`<svg><text>a & b</text></svg>`)) == nil {
		t.Error("wellFormed accepted an unescaped &")
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.3: 0.5, 1: 1, 1.1: 2, 3: 5, 7: 10, 20: 20, 201: 500} {
		if got := niceCeil(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}
