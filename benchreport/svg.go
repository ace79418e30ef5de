package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// Point is one measured point of a series.
type Point struct{ X, Y float64 }

// Line is a series with its points, in increasing X.
type Line struct {
	Label  string
	Points []Point
}

// palette holds distinct colours that read on white.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"}

const (
	svgHeight                    = 440
	plotWidth                    = 480
	marginLeft, marginTop, margB = 80, 40, 60
	fontSize, titleSize          = 12, 15
	// legendGap is the room from the plot's right edge to a legend
	// label's start: a gap, the line sample, another gap.
	legendGap = 40
	// charWidth is the width of a character of sans-serif text at size 1:
	// an average character is narrower, so text measured with it fits.
	charWidth = 0.6
)

// textWidth returns the width of s at the given font size, in pixels, at
// most: the SVG has no fonts to measure with, so it sizes itself to this.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * charWidth
}

// svgWidth returns the chart's width: the plot and a legend wide enough for
// the longest label, or the title when that is wider.
func svgWidth(c Chart, lines []Line) int {
	w := float64(marginLeft + plotWidth + legendGap)
	legend := 0.0
	for _, l := range lines {
		legend = math.Max(legend, textWidth(l.Label, fontSize))
	}
	w += legend + 10
	w = math.Max(w, marginLeft+textWidth(c.Title, titleSize)+10)
	return int(math.Ceil(w))
}

// axis maps values onto a span of pixels, linearly or logarithmically.
type axis struct {
	lo, hi   float64 // in data units
	log      bool
	from, to float64 // in pixels
}

func (a axis) pos(v float64) float64 {
	lo, hi := a.lo, a.hi
	if a.log {
		v, lo, hi = math.Log10(v), math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		return (a.from + a.to) / 2
	}
	return a.from + (v-lo)/(hi-lo)*(a.to-a.from)
}

// ticks returns the values at which the axis is labelled: powers of ten on
// a log axis (with 2 and 5 between when there are few), round steps on a
// linear one.
func (a axis) ticks() []float64 {
	var out []float64
	if a.log {
		first, last := math.Floor(math.Log10(a.lo)), math.Ceil(math.Log10(a.hi))
		steps := []float64{1}
		if last-first <= 2 {
			steps = []float64{1, 2, 5}
		}
		for e := first; e <= last; e++ {
			for _, m := range steps {
				if v := m * math.Pow(10, e); v >= a.lo*(1-1e-9) && v <= a.hi*(1+1e-9) {
					out = append(out, v)
				}
			}
		}
		return out
	}
	step := niceStep((a.hi - a.lo) / 5)
	for v := math.Ceil(a.lo/step) * step; v <= a.hi+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// niceStep returns 1, 2 or 5 times a power of ten, at least raw.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// bounds returns the range of the axis for values vs: from zero on a
// linear y axis, widened to whole decades on a log one.
func bounds(vs []float64, log, fromZero bool) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if log && v <= 0 {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	switch {
	case math.IsInf(lo, 1):
		return 1, 10
	case log:
		return math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	case fromZero:
		lo = math.Min(0, lo)
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi * 1.05
}

// WriteSVG draws lines as a chart with axes, ticks, labels and a legend. X
// values must be positive on a log x axis, Y values on a log y axis;
// points that are not are left out.
func WriteSVG(w io.Writer, c Chart, lines []Line) error {
	var xs, ys []float64
	for _, l := range lines {
		for _, p := range l.Points {
			xs, ys = append(xs, p.X), append(ys, p.Y)
		}
	}
	width := svgWidth(c, lines)
	x := axis{log: c.LogX, from: marginLeft, to: marginLeft + plotWidth}
	y := axis{log: c.LogY, from: svgHeight - margB, to: marginTop}
	x.lo, x.hi = bounds(xs, c.LogX, false)
	if !c.LogX && len(xs) > 0 {
		x.hi /= 1.05
	}
	y.lo, y.hi = bounds(ys, c.LogY, true)

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="%d">`+"\n", width, svgHeight, width, svgHeight, fontSize)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="%d" font-weight="bold">%s</text>`+"\n", marginLeft, titleSize, esc(c.Title))
	// Grid lines and tick labels.
	for _, t := range y.ticks() {
		py := y.pos(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x.from, py, x.to, py)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", x.from-6, py+4, esc(tickLabel(t)))
	}
	for _, t := range x.ticks() {
		px := x.pos(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", px, y.from, px, y.to)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px, y.from+18, esc(tickLabel(t)))
	}
	// Axes and their labels.
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x.from, y.from, x.to, y.from)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x.from, y.from, x.from, y.to)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s%s</text>`+"\n", (x.from+x.to)/2, svgHeight-18, esc(c.XLabel), scaleNote(c.LogX))
	fmt.Fprintf(&b, `<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle">%s%s</text>`+"\n", (y.from+y.to)/2, esc(c.YLabel), scaleNote(c.LogY))
	// The lines, their points and the legend.
	for i, l := range lines {
		colour := palette[i%len(palette)]
		var pts []string
		for _, p := range l.Points {
			if (c.LogX && p.X <= 0) || (c.LogY && p.Y <= 0) {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x.pos(p.X), y.pos(p.Y)))
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", colour, strings.Join(pts, " "))
		}
		for _, p := range pts {
			px, py, _ := strings.Cut(p, ",")
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", px, py, colour)
		}
		ly := marginTop + 10 + 20*i
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", marginLeft+plotWidth+15, ly, marginLeft+plotWidth+35, ly, colour)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", marginLeft+plotWidth+legendGap, ly+4, esc(l.Label))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func esc(s string) string { return html.EscapeString(s) }

func scaleNote(log bool) string {
	if log {
		return " (log scale)"
	}
	return ""
}

// tickLabel prints a tick value briefly: 10000 as 10k, 2000000 as 2M.
func tickLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return trimZeros(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case a >= 1e3:
		return trimZeros(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case a >= 1 || a == 0:
		return trimZeros(fmt.Sprintf("%.1f", v))
	}
	return trimZeros(fmt.Sprintf("%.3f", v))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
