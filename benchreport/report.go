package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Report is everything BENCHMARKS.md shows.
type Report struct {
	Generated time.Time
	Command   string
	Machine   Machine
	Runs      []Run
	// Repeats are the rounds of extra runs, each narrowed to the figures
	// that were inconclusive after the runs before it.
	Repeats  [][]Run
	Failures []error
	Rows     []Row
	// Charts are the charts drawn, with the name of their file.
	Charts []Chart
}

// runCount returns the number of runs made: Runs and every round of
// Repeats.
func (rep Report) runCount() int {
	n := len(rep.Runs)
	for _, round := range rep.Repeats {
		n += len(round)
	}
	return n
}

// RunOf returns the index in runs of the run that measures ref, or -1.
func RunOf(runs []Run, ref Ref) int {
	top, _, _ := strings.Cut(ref.Bench, "/")
	for i, r := range runs {
		if r.Module != ref.Module {
			continue
		}
		if re, err := regexp.Compile(r.Bench); err == nil && re.MatchString(top) {
			return i
		}
	}
	return -1
}

// WriteMarkdown writes the report.
func (rep Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Benchmarks\n\n")
	p("Written by `%s` on %s.\n\n", rep.Command, rep.Generated.UTC().Format("2006-01-02 15:04 MST"))
	p("**Machine:** %s.\n\n", rep.Machine)
	p("Each value is the median over the repetitions of its benchmark. The spread is the 95%% confidence interval of the median when a benchmark ran at least 6 times, the range of the repetitions otherwise, as a percentage of the median. ")
	p("A ratio is measured in the same run as its value: either by the benchmark itself, in the same iterations, or as the quotient of two benchmarks of the same `go test` run, repetition by repetition. ")
	p("A target applies to the ratio when there is one, to the value otherwise: it is met when the whole spread reaches it, missed when none of the spread does, and inconclusive when the spread crosses it, whichever side the median lies on. ")
	p("The benchmarks of an inconclusive figure run again, with the same repetitions, up to %d more rounds, and the figure is summarized over all of them. ", extraRounds)
	p("The run column names the command below that reproduces the figure, from the repository root. Each figure's row has an anchor, named in the Targets table's links, that other documents link to.\n\n")

	p("## Targets\n\n| Figure | Ratio | Against | Target | Verdict |\n|---|---|---|---|---|\n")
	for _, r := range rep.Rows {
		if r.Target.Op == "" {
			continue
		}
		p("| [%s: %s](#%s) | %s | %s | %s | %s |\n", r.Section, r.Name, r.ID, ratioCell(r), orDash(r.Against), r.Target, r.Verdict)
	}
	p("\n")

	section := ""
	var notes []Row
	flush := func() {
		for _, m := range notes {
			why := m.Why
			switch {
			case m.Verdict == Inconclusive:
				spread := "its spread crosses the target after " + strconv.Itoa(m.judged().N) + " repetitions"
				if why != "" {
					why = spread + "; " + why
				} else {
					why = spread + "."
				}
				p("- **Inconclusive: %s** (%s, target %s): %s\n", m.Name, judgedCell(m), m.Target, why)
				continue
			case why == "":
				why = "not analysed yet."
			}
			p("- **Missed: %s** (%s, target %s): %s\n", m.Name, judgedCell(m), m.Target, why)
		}
		if len(notes) > 0 {
			p("\n")
		}
		notes = nil
	}
	for _, r := range rep.Rows {
		if r.Section != section {
			if section != "" {
				p("\n")
			}
			flush()
			section = r.Section
			p("## %s\n\n| Figure | Value | Spread | Ratio | Against | Target | Verdict | Run |\n|---|---|---|---|---|---|---|---|\n", section)
		}
		value, spread := "—", "—"
		if r.Value.N > 0 {
			value, spread = valueCell(r), r.Value.SpreadString()
		}
		run := "—"
		if i := RunOf(rep.Runs, r.Figure.Value); i >= 0 {
			run = fmt.Sprintf("[%d](#run-%d)", i+1, i+1)
		}
		p("| <a id=\"%s\"></a>%s | %s | %s | %s | %s | %s | %s | %s |\n", r.ID, r.Name, value, spread, ratioCell(r), orDash(r.Against), r.Target, r.Verdict, run)
		if r.Verdict == Missed || r.Verdict == Inconclusive {
			notes = append(notes, r)
		}
	}
	p("\n")
	flush()

	if len(rep.Charts) > 0 {
		p("## Charts\n\n")
		for _, c := range rep.Charts {
			p("### %s\n\n![%s](%s)\n\n", c.Title, c.Title, c.File)
		}
	}

	p("## Runs\n\n")
	for i, r := range rep.Runs {
		p("<a id=\"run-%d\"></a>%d. `%s`\n", i+1, i+1, r.Command())
	}
	n := len(rep.Runs)
	for i, round := range rep.Repeats {
		p("\nRound %d of repetitions for the figures that were inconclusive:\n\n", i+1)
		for _, r := range round {
			n++
			p("<a id=\"run-%d\"></a>%d. `%s`\n", n, n, r.Command())
		}
	}
	p("\nThe raw output of every run is in [raw.txt](raw.txt), in the Go benchmark format that `benchstat` reads.\n")
	if len(rep.Failures) > 0 {
		p("\n## Runs that failed\n\nTheir figures are marked not measured, unless they finished before the failure.\n\n")
		for _, err := range rep.Failures {
			p("- %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func valueCell(r Row) string {
	unit := r.Figure.Value.Unit
	if r.Figure.Value.Div != 0 {
		unit = ""
	}
	return strings.TrimSpace(formatValue(r.Value.Median) + " " + unit)
}

// judged returns the summary the row's target is held against.
func (r Row) judged() Stat {
	if r.HasRat {
		return r.Ratio
	}
	return r.Value
}

// judgedCell returns the ratio, or the value with its spread when the row
// has no ratio, for the notes on misses.
func judgedCell(r Row) string {
	if r.HasRat {
		return ratioCell(r)
	}
	return fmt.Sprintf("%s ±%.0f%%", valueCell(r), r.Value.Spread())
}

func ratioCell(r Row) string {
	if !r.HasRat {
		return "—"
	}
	return fmt.Sprintf("%s× ±%.0f%%", formatValue(r.Ratio.Median), r.Ratio.Spread())
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
