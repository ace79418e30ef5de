package main

import (
	"slices"
	"strconv"
	"strings"
)

// Lines returns the points of each series of c found in res: for every
// benchmark of the series, x parsed from its name and y the median of its
// unit. A series with no points is left out.
func Lines(c Chart, res Results) []Line {
	var out []Line
	for _, s := range c.Series {
		var pts []Point
		for name, units := range res[s.Module] {
			x, ok := seriesX(s, name)
			if !ok || len(units[s.Unit]) == 0 {
				continue
			}
			pts = append(pts, Point{x, Summarize(units[s.Unit]).Median})
		}
		if len(pts) == 0 {
			continue
		}
		slices.SortFunc(pts, func(a, b Point) int {
			switch {
			case a.X < b.X:
				return -1
			case a.X > b.X:
				return 1
			}
			return 0
		})
		out = append(out, Line{Label: s.Label, Points: pts})
	}
	return out
}

// seriesX returns the x of benchmark name in series s: the number after
// Prefix/Key= (or after Prefix/ when Key is empty), with nothing after it.
func seriesX(s Series, name string) (float64, bool) {
	rest, ok := strings.CutPrefix(name, s.Prefix+"/")
	if !ok {
		return 0, false
	}
	if s.Key != "" {
		if rest, ok = strings.CutPrefix(rest, s.Key+"="); !ok {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(rest, 64)
	return x, err == nil
}
