package main

import (
	"fmt"
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Stat summarizes the repetitions of one figure.
type Stat struct {
	N      int
	Median float64
	// Lo and Hi bound the spread: the 95% confidence interval of the
	// median when there are enough repetitions for one (CI is true), the
	// range of the repetitions otherwise.
	Lo, Hi float64
	CI     bool
}

// Summarize returns the median and spread of values, which must not be
// empty.
func Summarize(values []float64) Stat {
	sample := benchmath.NewSample(values, &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(sample, 0.95)
	st := Stat{N: len(values), Median: sum.Center, Lo: sum.Lo, Hi: sum.Hi, CI: true}
	if len(sum.Warnings) > 0 || math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
		st.Lo, st.Hi, st.CI = slices.Min(values), slices.Max(values), false
	}
	return st
}

// Spread returns the larger distance from the median to Lo or Hi, as a
// percentage of the median, or 0 for a zero median.
func (s Stat) Spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return 100 * math.Max(s.Hi-s.Median, s.Median-s.Lo) / math.Abs(s.Median)
}

// SpreadString returns the spread for the report, such as "±3% (95% CI,
// n=6)" or "±12% (range, n=3)".
func (s Stat) SpreadString() string {
	kind := "range"
	if s.CI {
		kind = "95% CI"
	}
	return fmt.Sprintf("±%.0f%% (%s, n=%d)", s.Spread(), kind, s.N)
}

// Quotients returns num[i]/den[i] for each repetition i that both have,
// skipping a zero denominator. Repetitions of one go test run pair up in
// the order it printed them.
func Quotients(num, den []float64) []float64 {
	n := min(len(num), len(den))
	out := make([]float64, 0, n)
	for i := range n {
		if den[i] != 0 {
			out = append(out, num[i]/den[i])
		}
	}
	return out
}
