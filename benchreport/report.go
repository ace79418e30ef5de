package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Report is everything BENCHMARKS.md shows.
type Report struct {
	Generated time.Time
	Command   string
	Machine   Machine
	Runs      []Run
	Failures  []error
	Rows      []Row
	// Charts are the charts drawn, with the name of their file.
	Charts []Chart
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
	p("A target is met when the median of the figure it applies to (the ratio when there is one) reaches it. The run column names the command below that reproduces the figure, from the repository root.\n\n")

	p("## Targets\n\n| Figure | Ratio | Against | Target | Verdict |\n|---|---|---|---|---|\n")
	for _, r := range rep.Rows {
		if r.Target.Op == "" {
			continue
		}
		p("| %s: %s | %s | %s | %s | %s |\n", r.Section, r.Name, ratioCell(r), r.Against, r.Target, r.Verdict)
	}
	p("\n")

	section := ""
	var misses []Row
	flush := func() {
		for _, m := range misses {
			why := m.Why
			if why == "" {
				why = "not analysed yet."
			}
			p("- **Missed: %s** (%s, target %s): %s\n", m.Name, ratioCell(m), m.Target, why)
		}
		if len(misses) > 0 {
			p("\n")
		}
		misses = nil
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
		p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Name, value, spread, ratioCell(r), orDash(r.Against), r.Target, r.Verdict, run)
		if r.Verdict == Missed {
			misses = append(misses, r)
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
