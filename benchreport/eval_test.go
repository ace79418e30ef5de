package main

import (
	"math"
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		target Target
		v      float64
		want   Verdict
	}{
		{Target{AtMost, 1}, 0.9, Met},
		{Target{AtMost, 1}, 1, Met},
		{Target{AtMost, 1}, 1.01, Missed},
		{Target{AtLeast, 10}, 10, Met},
		{Target{AtLeast, 10}, 9.99, Missed},
		{Target{AtLeast, 10}, math.NaN(), Missed},
		{Target{}, 123, NoTarget},
	} {
		if got := tc.target.Judge(tc.v); got != tc.want {
			t.Errorf("%v.Judge(%v) = %v, want %v", tc.target, tc.v, got, tc.want)
		}
	}
}

// results returns results of module m with one benchmark holding units.
func results(m, bench string, units map[string][]float64) Results {
	return Results{m: {bench: units}}
}

func TestEvaluate(t *testing.T) {
	res := results("m", "BenchmarkX", map[string][]float64{
		"changes/s":  {100, 300, 200},
		"x-of-copy":  {0.3, 0.4, 0.35},
		"base-rate":  {10, 20, 40},
		"allocs/op":  {2000, 2000, 2000},
		"union/base": {0.9, 1.2, 1.1},
	})
	value := Ref{"m", "BenchmarkX", "changes/s", 0}
	for _, tc := range []struct {
		name      string
		f         Figure
		value     float64
		ratio     float64
		hasRatio  bool
		verdict   Verdict
		wantValue bool
	}{
		{"measured ratio, missed", Figure{Value: value, Ratio: Ref{"m", "BenchmarkX", "x-of-copy", 0}, Target: Target{AtLeast, 0.5}},
			200, 0.35, true, Missed, true},
		{"measured ratio, met", Figure{Value: value, Ratio: Ref{"m", "BenchmarkX", "union/base", 0}, Target: Target{AtMost, 1.15}},
			200, 1.1, true, Met, true},
		// 100/10, 300/20, 200/40: the median of the quotients, not the
		// quotient of the medians (200/20 = 10).
		{"quotient per repetition", Figure{Value: value, Over: Ref{"m", "BenchmarkX", "base-rate", 0}, Target: Target{AtLeast, 10}},
			200, 10, true, Met, true},
		{"value only", Figure{Value: Ref{"m", "BenchmarkX", "allocs/op", 1000}, Target: Target{AtMost, 1.5}},
			2, 0, false, Missed, true},
		{"no target", Figure{Value: value}, 200, 0, false, NoTarget, true},
		{"not run", Figure{Value: Ref{"other", "BenchmarkX", "changes/s", 0}, Target: Target{AtMost, 1}}, 0, 0, false, NotMeasured, false},
		{"ratio not run", Figure{Value: value, Ratio: Ref{"m", "BenchmarkX", "missing", 0}, Target: Target{AtMost, 1}}, 200, 0, false, NotMeasured, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := Evaluate(tc.f, res)
			if row.Verdict != tc.verdict {
				t.Errorf("verdict = %v, want %v", row.Verdict, tc.verdict)
			}
			if tc.wantValue && row.Value.Median != tc.value {
				t.Errorf("value = %v, want %v", row.Value.Median, tc.value)
			}
			if row.HasRat != tc.hasRatio || (tc.hasRatio && row.Ratio.Median != tc.ratio) {
				t.Errorf("ratio = %v (%v), want %v (%v)", row.Ratio.Median, row.HasRat, tc.ratio, tc.hasRatio)
			}
		})
	}
}

func TestEveryFigureHasARun(t *testing.T) {
	for _, f := range figures {
		for _, ref := range []Ref{f.Value, f.Ratio, f.Over} {
			if ref.Bench != "" && RunOf(runs, ref) < 0 {
				t.Errorf("figure %q: no run measures %s in %s", f.Name, ref, ref.Module)
			}
		}
		if f.Target.Op != "" && f.Target.Op != AtMost && f.Target.Op != AtLeast {
			t.Errorf("figure %q: unknown target operator %q", f.Name, f.Target.Op)
		}
	}
	for _, c := range charts {
		for _, s := range c.Series {
			if RunOf(runs, Ref{Module: s.Module, Bench: s.Prefix}) < 0 {
				t.Errorf("chart %s: no run measures %s in %s", c.File, s.Prefix, s.Module)
			}
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	res := results("m", "BenchmarkX", map[string][]float64{"changes/s": {1, 2, 3}, "ratio": {0.3, 0.3, 0.3}})
	rows := []Row{
		Evaluate(Figure{Section: "S", Name: "missed figure", Value: Ref{"m", "BenchmarkX", "changes/s", 0},
			Ratio: Ref{"m", "BenchmarkX", "ratio", 0}, Against: "the copy", Target: Target{AtLeast, 0.5}, Why: "the server's upsert"}, res),
		Evaluate(Figure{Section: "S", Name: "absent figure", Value: Ref{"m", "BenchmarkY", "changes/s", 0}}, res),
	}
	rep := Report{Command: "go run ./benchreport", Runs: []Run{{"m", "^BenchmarkX$", "1x", 3}}, Rows: rows,
		Charts: []Chart{{File: "c.svg", Title: "A chart"}}}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"| missed figure | 2.00 changes/s | ±50% (range, n=3) | 0.300× ±0% | the copy | ≥ 0.500 | **missed** | [1](#run-1) |",
		"- **Missed: missed figure** (0.300× ±0%, target ≥ 0.500): the server's upsert",
		"| absent figure | — | — | — | — | — | not measured | — |",
		"![A chart](c.svg)",
		"1. `go test -run '^$' -bench '^BenchmarkX$' -benchtime 1x -count 3 -benchmem -timeout 30m ./m/`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q; it is:\n%s", want, md)
		}
	}
}
