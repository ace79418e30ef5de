package main

import (
	"regexp"
	"slices"
	"strings"
)

// extraRounds bounds how many times the report repeats the benchmarks of
// figures whose spread crosses their target before it calls them
// inconclusive.
const extraRounds = 3

// repeatInconclusive runs again the benchmarks of the figures of rep that
// are inconclusive, round after round, at most extraRounds times, and
// re-evaluates figs on res after each round. A figure whose spread crosses
// its target says neither met nor missed, and more repetitions narrow the
// confidence interval of a median. execute runs a round, numbered from
// first+1, and adds its results to res; its error ends the rounds.
func (rep *Report) repeatInconclusive(figs []Figure, res Results, execute func(runs []Run, first int) error) error {
	for range extraRounds {
		again := Repeats(rep.Rows, rep.Runs)
		if len(again) == 0 {
			return nil
		}
		rep.Repeats = append(rep.Repeats, again)
		if err := execute(again, rep.runCount()-len(again)); err != nil {
			return err
		}
		rep.Rows = evaluate(figs, res)
	}
	return nil
}

// Repeats returns the runs that measure the inconclusive rows again: for
// the rows of each top-level benchmark, the run of runs that measured
// them, narrowed to the benchmarks those rows are made of, with that run's
// iterations and repetitions. One run per top-level benchmark, since a
// benchmark's setup (filling a store) is often most of its time; the order
// follows rows.
func Repeats(rows []Row, runs []Run) []Run {
	type group struct {
		run  Run
		refs []Ref
	}
	var groups []*group
	for _, row := range rows {
		if row.Verdict != Inconclusive {
			continue
		}
		refs := row.refs()
		i := RunOf(runs, refs[0])
		if i < 0 {
			continue
		}
		top, _, _ := strings.Cut(refs[0].Bench, "/")
		j := slices.IndexFunc(groups, func(g *group) bool {
			gTop, _, _ := strings.Cut(g.refs[0].Bench, "/")
			return g.run == runs[i] && gTop == top
		})
		if j < 0 {
			groups = append(groups, &group{run: runs[i]})
			j = len(groups) - 1
		}
		groups[j].refs = append(groups[j].refs, refs...)
	}
	out := make([]Run, len(groups))
	for i, g := range groups {
		out[i] = g.run
		out[i].Bench = benchPattern(g.refs)
	}
	return out
}

// refs returns the references a row is computed from: its value, then its
// ratio or baseline when it has one.
func (row Row) refs() []Ref {
	out := []Ref{row.Figure.Value}
	for _, ref := range []Ref{row.Figure.Ratio, row.Figure.Over} {
		if ref.Bench != "" {
			out = append(out, ref)
		}
	}
	return out
}

// benchPattern returns a -bench pattern that selects the benchmarks of
// refs and as few others as it can: one anchored alternation per level of
// their names (go test matches each level of a benchmark's name against
// the element of the pattern at that level), or only their top level when
// the names are not all equally deep. Benchmarks measured in one go test
// run stay in one run, so that a quotient of two of them still pairs
// repetitions of the same run.
func benchPattern(refs []Ref) string {
	var levels [][]string
	for _, ref := range refs {
		parts := strings.Split(ref.Bench, "/")
		if levels == nil {
			levels = make([][]string, len(parts))
		}
		if len(parts) != len(levels) {
			levels = levels[:1]
			parts = parts[:1]
		}
		for i, p := range parts[:len(levels)] {
			if !slices.Contains(levels[i], p) {
				levels[i] = append(levels[i], p)
			}
		}
	}
	elems := make([]string, len(levels))
	for i, alts := range levels {
		quoted := make([]string, len(alts))
		for j, a := range alts {
			quoted[j] = regexp.QuoteMeta(a)
		}
		if len(quoted) == 1 {
			elems[i] = "^" + quoted[0] + "$"
		} else {
			elems[i] = "^(" + strings.Join(quoted, "|") + ")$"
		}
	}
	return strings.Join(elems, "/")
}
