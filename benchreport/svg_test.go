package main

import (
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// svgElements decodes an SVG document and counts its elements by name; it
// fails the test when the document is not well-formed XML.
func svgElements(t *testing.T, doc string) map[string]int {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	counts := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return counts
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
}

func TestWriteSVG(t *testing.T) {
	chart := Chart{Title: "Throughput <by> batch & size", XLabel: "changes", YLabel: "changes/s", LogX: true, LogY: true}
	lines := []Line{
		{"a", []Point{{1, 100}, {10, 1000}, {100, 5000}}},
		{"b", []Point{{1, 50}, {10, 0}, {100, 70}}}, // 0 cannot be drawn on a log axis
	}
	var b strings.Builder
	if err := WriteSVG(&b, chart, lines); err != nil {
		t.Fatal(err)
	}
	counts := svgElements(t, b.String())
	if counts["svg"] != 1 || counts["polyline"] != 2 || counts["circle"] != 5 {
		t.Errorf("elements = %v, want 1 svg, 2 polylines, 5 circles", counts)
	}
	if !strings.Contains(b.String(), "Throughput &lt;by&gt; batch &amp; size") {
		t.Errorf("the title is not escaped:\n%s", b.String())
	}
}

// svgText is a text element of an SVG document with what placing it needs.
type svgText struct {
	x, size float64
	anchor  string
	text    string
}

// svgLayout decodes an SVG document's width and its text elements placed
// by x (rotated labels are left out).
func svgLayout(t *testing.T, doc string) (width float64, texts []svgText) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	size := 0.0
	var open *svgText
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return width, texts
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				attrs[a.Name.Local] = a.Value
			}
			num := func(name string) float64 {
				v, err := strconv.ParseFloat(attrs[name], 64)
				if err != nil {
					t.Fatalf("<%s %s=%q>: %v", tok.Name.Local, name, attrs[name], err)
				}
				return v
			}
			switch tok.Name.Local {
			case "svg":
				width, size = num("width"), num("font-size")
			case "text":
				if _, ok := attrs["x"]; !ok {
					continue
				}
				open = &svgText{x: num("x"), size: size, anchor: attrs["text-anchor"]}
				if _, ok := attrs["font-size"]; ok {
					open.size = num("font-size")
				}
			}
		case xml.CharData:
			if open != nil {
				open.text += string(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == "text" && open != nil {
				texts = append(texts, *open)
				open = nil
			}
		}
	}
}

// TestSVGTextFits checks that every text of every chart the report draws
// lies within the chart's width, measured at 0.6 em a character, wider
// than the average character of a sans-serif font: the legend of the
// heap chart, "peak heap (garbage included)", was cut off at the right
// edge.
func TestSVGTextFits(t *testing.T) {
	const em = 0.6
	long := Chart{File: "long-label.svg", Title: "A title", LogX: true, Series: []Series{{Label: "a label much longer than the right margin was wide"}}}
	for _, c := range append(slices.Clone(charts), long) {
		t.Run(c.File, func(t *testing.T) {
			var lines []Line
			for i, s := range c.Series {
				lines = append(lines, Line{s.Label, []Point{{10, float64(i + 1)}, {1000, float64(i + 2)}}})
			}
			var b strings.Builder
			if err := WriteSVG(&b, c, lines); err != nil {
				t.Fatal(err)
			}
			width, texts := svgLayout(t, b.String())
			labels := 0
			for _, tx := range texts {
				w := float64(len([]rune(tx.text))) * tx.size * em
				lo, hi := tx.x, tx.x+w
				switch tx.anchor {
				case "end":
					lo, hi = tx.x-w, tx.x
				case "middle":
					lo, hi = tx.x-w/2, tx.x+w/2
				}
				if lo < 0 || hi > width {
					t.Errorf("text %q spans x %.0f to %.0f, outside the chart's width %.0f", tx.text, lo, hi, width)
				}
				for _, s := range c.Series {
					if tx.text == s.Label {
						labels++
					}
				}
			}
			if labels != len(c.Series) {
				t.Errorf("found %d legend labels, want %d", labels, len(c.Series))
			}
		})
	}
}

func TestAxis(t *testing.T) {
	lin := axis{lo: 0, hi: 10, from: 100, to: 200}
	if got := lin.pos(5); got != 150 {
		t.Errorf("linear pos(5) = %v, want 150", got)
	}
	log := axis{lo: 1, hi: 100, log: true, from: 0, to: 200}
	if got := log.pos(10); got != 100 {
		t.Errorf("log pos(10) = %v, want 100", got)
	}
	if got, want := log.ticks(), []float64{1, 2, 5, 10, 20, 50, 100}; !slices.Equal(got, want) {
		t.Errorf("log ticks = %v, want %v", got, want)
	}
	if got, want := (axis{lo: 0, hi: 4.2}).ticks(), []float64{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("linear ticks = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		v    float64
		want string
	}{{10000, "10k"}, {2500000, "2.5M"}, {0.5, "0.5"}, {3, "3"}} {
		if got := tickLabel(tc.v); got != tc.want {
			t.Errorf("tickLabel(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestLines(t *testing.T) {
	res := Results{"m": {
		"BenchmarkB/batch=100":        {"changes/s": {30, 10, 20}},
		"BenchmarkB/batch=1":          {"changes/s": {1}},
		"BenchmarkB/batch=x":          {"changes/s": {1}},
		"BenchmarkB/batch=10/other=1": {"changes/s": {1}},
		"BenchmarkBB/batch=5":         {"changes/s": {1}},
		"BenchmarkHeap/1000":          {"MiB": {0.5}},
	}}
	chart := Chart{Series: []Series{
		{"batch", "m", "BenchmarkB", "batch", "changes/s"},
		{"heap", "m", "BenchmarkHeap", "", "MiB"},
		{"absent", "other", "BenchmarkB", "batch", "changes/s"},
	}}
	got := Lines(chart, res)
	if len(got) != 2 {
		t.Fatalf("Lines = %v, want 2 lines", got)
	}
	if want := []Point{{1, 1}, {100, 20}}; got[0].Label != "batch" || !slices.Equal(got[0].Points, want) {
		t.Errorf("line 0 = %v, want batch %v", got[0], want)
	}
	if want := []Point{{1000, 0.5}}; !slices.Equal(got[1].Points, want) {
		t.Errorf("line 1 = %v, want %v", got[1], want)
	}
}

func TestRunCommand(t *testing.T) {
	for _, tc := range []struct {
		run  Run
		want string
	}{
		{Run{".", "^(A|B)$", "5x", 6}, "go test -run '^$' -bench '^(A|B)$' -benchtime 5x -count 6 -benchmem -timeout 30m ./"},
		{Run{"boltstore", "^A$", "0.2s", 3}, "go test -run '^$' -bench '^A$' -benchtime 0.2s -count 3 -benchmem -timeout 30m ./boltstore/"},
	} {
		if got := tc.run.Command(); got != tc.want {
			t.Errorf("Command() = %q, want %q", got, tc.want)
		}
	}
	if q := (Run{".", "x", "5x", 6}).Quick(); q.Benchtime != "1x" || q.Count != 1 {
		t.Errorf("Quick() = %+v, want one repetition of one iteration", q)
	}
}
