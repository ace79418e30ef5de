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

func TestJudgeStat(t *testing.T) {
	stat := func(lo, median, hi float64) Stat { return Stat{N: 6, Lo: lo, Median: median, Hi: hi, CI: true} }
	for _, tc := range []struct {
		name   string
		target Target
		s      Stat
		want   Verdict
	}{
		{"at most, whole spread below", Target{AtMost, 1.15}, stat(0.9, 1.0, 1.1), Met},
		{"at most, spread ends on the limit", Target{AtMost, 1.15}, stat(0.9, 1.0, 1.15), Met},
		// The report's "Union of one Memory, Load: 0.710× ±329%".
		{"at most, median met, spread crosses", Target{AtMost, 1.15}, stat(0.3, 0.71, 3.04), Inconclusive},
		{"at most, median missed, spread crosses", Target{AtMost, 1.15}, stat(1.1, 1.3, 1.5), Inconclusive},
		{"at most, whole spread above", Target{AtMost, 1.15}, stat(1.2, 1.3, 1.5), Missed},
		{"at least, whole spread above", Target{AtLeast, 10}, stat(14, 16.6, 18), Met},
		{"at least, spread starts on the limit", Target{AtLeast, 10}, stat(10, 16.6, 18), Met},
		{"at least, median met, spread crosses", Target{AtLeast, 0.8}, stat(0.7, 0.96, 1.1), Inconclusive},
		{"at least, median missed, spread crosses", Target{AtLeast, 0.8}, stat(0.6, 0.69, 0.81), Inconclusive},
		{"at least, whole spread below", Target{AtLeast, 0.5}, stat(0.29, 0.31, 0.33), Missed},
		{"one repetition", Target{AtMost, 1}, stat(0.9, 0.9, 0.9), Met},
		{"no target", Target{}, stat(0, 1, 2), NoTarget},
		{"not a number", Target{AtMost, 1}, stat(math.NaN(), math.NaN(), math.NaN()), Missed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.target.JudgeStat(tc.s); got != tc.want {
				t.Errorf("%v.JudgeStat(%+v) = %v, want %v", tc.target, tc.s, got, tc.want)
			}
		})
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
		{"measured ratio, met", Figure{Value: value, Ratio: Ref{"m", "BenchmarkX", "union/base", 0}, Target: Target{AtMost, 1.25}},
			200, 1.1, true, Met, true},
		// 0.9 to 1.2 crosses 1.15: the median alone would call it met.
		{"measured ratio, inconclusive", Figure{Value: value, Ratio: Ref{"m", "BenchmarkX", "union/base", 0}, Target: Target{AtMost, 1.15}},
			200, 1.1, true, Inconclusive, true},
		// 100/10, 300/20, 200/40: the median of the quotients, not the
		// quotient of the medians (200/20 = 10).
		{"quotient per repetition", Figure{Value: value, Over: Ref{"m", "BenchmarkX", "base-rate", 0}, Target: Target{AtLeast, 4}},
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
	res := results("m", "BenchmarkX", map[string][]float64{"changes/s": {1, 2, 3}, "ratio": {0.3, 0.3, 0.3}, "wide": {0.5, 1, 2}})
	rows := []Row{
		Evaluate(Figure{Section: "S", ID: "missed", Name: "missed figure", Value: Ref{"m", "BenchmarkX", "changes/s", 0},
			Ratio: Ref{"m", "BenchmarkX", "ratio", 0}, Against: "the copy", Target: Target{AtLeast, 0.5}, Why: "the server's upsert"}, res),
		Evaluate(Figure{Section: "S", ID: "wide", Name: "wide figure", Value: Ref{"m", "BenchmarkX", "changes/s", 0},
			Ratio: Ref{"m", "BenchmarkX", "wide", 0}, Against: "the member", Target: Target{AtMost, 1.15}}, res),
		Evaluate(Figure{Section: "S", ID: "absent", Name: "absent figure", Value: Ref{"m", "BenchmarkY", "changes/s", 0}}, res),
	}
	rep := Report{Command: "go run ./benchreport", Runs: []Run{{"m", "^BenchmarkX$", "1x", 3}}, Rows: rows,
		Repeats: [][]Run{{{"m", "^BenchmarkX$", "1x", 3}}},
		Charts:  []Chart{{File: "c.svg", Title: "A chart"}}}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"| [S: missed figure](#missed) | 0.300× ±0% | the copy | ≥ 0.500 | **missed** |",
		"| <a id=\"missed\"></a>missed figure | 2.00 changes/s | ±50% (range, n=3) | 0.300× ±0% | the copy | ≥ 0.500 | **missed** | [1](#run-1) |",
		"- **Missed: missed figure** (0.300× ±0%, target ≥ 0.500): the server's upsert",
		"| <a id=\"wide\"></a>wide figure | 2.00 changes/s | ±50% (range, n=3) | 1.00× ±100% | the member | ≤ 1.15 | inconclusive | [1](#run-1) |",
		"- **Inconclusive: wide figure** (1.00× ±100%, target ≤ 1.15): its spread crosses the target after 3 repetitions.",
		"| <a id=\"absent\"></a>absent figure | — | — | — | — | — | not measured | — |",
		"![A chart](c.svg)",
		"<a id=\"run-1\"></a>1. `go test -run '^$' -bench '^BenchmarkX$' -benchtime 1x -count 3 -benchmem -timeout 30m ./m/`",
		"Round 1 of repetitions for the figures that were inconclusive:\n\n<a id=\"run-2\"></a>2. `go test",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q; it is:\n%s", want, md)
		}
	}
}
