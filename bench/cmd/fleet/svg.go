package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
)

// series is one line of a plot: a value per bin.
type series struct {
	name   string
	color  string
	values []float64
}

// plot is a line chart of series sharing one x axis of equal bins.
type plot struct {
	title          string
	xLabel, yLabel string
	binWidth       float64 // x units per bin
	series         []series
	hline          float64 // a horizontal reference line (a target), 0 for none
	hlineLabel     string
}

// svg renders p as a standalone SVG document (stdlib only).
func (p plot) svg() []byte {
	const (
		w, h                     = 860.0, 420.0
		left, right, top, bottom = 70.0, 20.0, 40.0, 60.0
	)
	pw, ph := w-left-right, h-top-bottom
	nbins, ymax := 0, p.hline
	for _, s := range p.series {
		nbins = max(nbins, len(s.values))
		for _, v := range s.values {
			ymax = max(ymax, v)
		}
	}
	ymax = niceCeil(ymax)
	xmax := float64(max(nbins, 1)) * p.binWidth
	x := func(v float64) float64 { return left + pw*v/xmax }
	y := func(v float64) float64 { return top + ph*(1-v/ymax) }

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%g" height="%g" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%g" y="22" font-size="15" text-anchor="middle">%s</text>`+"\n", w/2, esc(p.title))
	// Axes, ticks and grid.
	fmt.Fprintf(&b, `<path d="M%g %gV%gH%g" stroke="black" fill="none"/>`+"\n", left, top, top+ph, left+pw)
	for i := 0; i <= 5; i++ {
		v := ymax * float64(i) / 5
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/><text x="%g" y="%.1f" text-anchor="end">%s</text>`+"\n",
			left, y(v), left+pw, y(v), left-6, y(v)+4, trim(v))
	}
	xstep := niceCeil(xmax / 10)
	for v := 0.0; v <= xmax+1e-9; v += xstep {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="black"/><text x="%.1f" y="%g" text-anchor="middle">%s</text>`+"\n",
			x(v), top+ph, x(v), top+ph+5, x(v), top+ph+18, trim(v))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", left+pw/2, h-18, esc(p.xLabel))
	fmt.Fprintf(&b, `<text transform="translate(18 %g) rotate(-90)" text-anchor="middle">%s</text>`+"\n", top+ph/2, esc(p.yLabel))
	if p.hline > 0 {
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#c00" stroke-dasharray="6 4"/><text x="%g" y="%.1f" fill="#c00" text-anchor="end">%s</text>`+"\n",
			left, y(p.hline), left+pw, y(p.hline), left+pw-4, y(p.hline)-5, esc(p.hlineLabel))
	}
	// Series as step lines, and the legend.
	for i, s := range p.series {
		var d bytes.Buffer
		for j, v := range s.values {
			x0, x1 := x(float64(j)*p.binWidth), x(float64(j+1)*p.binWidth)
			if j == 0 {
				fmt.Fprintf(&d, "M%.1f %.1f", x0, y(v))
			} else {
				fmt.Fprintf(&d, "V%.1f", y(v))
			}
			fmt.Fprintf(&d, "H%.1f", x1)
		}
		if d.Len() > 0 {
			fmt.Fprintf(&b, `<path d="%s" stroke="%s" stroke-width="1.5" fill="none"/>`+"\n", d.String(), esc(s.color))
		}
		ly := top + 8 + 16*float64(i)
		fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s" stroke-width="3"/><text x="%g" y="%g">%s</text>`+"\n",
			left+pw-230, ly, left+pw-210, ly, esc(s.color), left+pw-204, ly+4, esc(s.name))
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v-1e-9 {
			return m * p
		}
	}
	return 10 * p
}

func trim(v float64) string { return fmt.Sprintf("%.4g", v) }

func esc(s string) string { return html.EscapeString(s) }
