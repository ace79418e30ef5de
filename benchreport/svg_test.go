package main

import (
	"encoding/xml"
	"io"
	"slices"
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
