package main

import (
	"fmt"
	"math"
)

// Verdict says how a figure stands against its target.
type Verdict int

const (
	NoTarget     Verdict = iota // shown for information
	Met                         // the whole spread reaches the target
	Missed                      // the whole spread misses it
	Inconclusive                // the spread crosses the target
	NotMeasured                 // the benchmark did not run or printed nothing
)

func (v Verdict) String() string {
	switch v {
	case Met:
		return "met"
	case Missed:
		return "**missed**"
	case Inconclusive:
		return "inconclusive"
	case NotMeasured:
		return "not measured"
	}
	return "—"
}

// Row is a figure evaluated on results.
type Row struct {
	Figure
	Value   Stat
	Ratio   Stat
	HasRat  bool
	Verdict Verdict
}

// Evaluate summarizes f on res and holds it against its target: the
// ratio's median when f has a ratio, the value's otherwise.
func Evaluate(f Figure, res Results) Row {
	row := Row{Figure: f}
	values := res.Values(f.Value)
	if len(values) == 0 {
		row.Verdict = NotMeasured
		return row
	}
	row.Value = Summarize(values)
	judged := row.Value
	var ratios []float64
	switch {
	case f.Ratio.Bench != "":
		ratios = res.Values(f.Ratio)
	case f.Over.Bench != "":
		ratios = Quotients(values, res.Values(f.Over))
	}
	if f.Ratio.Bench != "" || f.Over.Bench != "" {
		if len(ratios) == 0 {
			row.Verdict = NotMeasured
			return row
		}
		row.Ratio, row.HasRat = Summarize(ratios), true
		judged = row.Ratio
	}
	row.Verdict = f.Target.JudgeStat(judged)
	return row
}

// JudgeStat holds a figure's median and spread against the target: Met
// when its whole spread (Lo to Hi) reaches the target, Missed when none of
// it does, and Inconclusive when the spread crosses the target, whichever
// side the median lies on. A figure of one repetition has no spread and is
// judged by its value.
func (t Target) JudgeStat(s Stat) Verdict {
	median := t.Judge(s.Median)
	if (median != Met && median != Missed) || math.IsNaN(s.Lo) || math.IsNaN(s.Hi) {
		return median
	}
	if lo, hi := t.Judge(s.Lo), t.Judge(s.Hi); lo != hi {
		return Inconclusive
	}
	return median
}

// Judge returns whether v reaches the target, or NoTarget for a zero
// Target.
func (t Target) Judge(v float64) Verdict {
	switch {
	case t.Op == "":
		return NoTarget
	case math.IsNaN(v):
		return Missed
	case t.Op == AtMost && v <= t.Limit, t.Op == AtLeast && v >= t.Limit:
		return Met
	}
	return Missed
}

func (t Target) String() string {
	if t.Op == "" {
		return "—"
	}
	return fmt.Sprintf("%s %s", t.Op, formatValue(t.Limit))
}

// formatValue prints v with three significant digits, and without an
// exponent for the magnitudes benchmarks give.
func formatValue(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.01:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
