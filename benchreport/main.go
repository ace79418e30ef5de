package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run() error {
	root := flag.String("root", ".", "the repository root, where go.work is")
	out := flag.String("out", "", "the directory to write the report to (default docs/benchmarks under -root, or a new temporary directory with -short)")
	short := flag.Bool("short", false, "run each benchmark once for one iteration, to check the tool itself")
	only := flag.String("modules", "", "comma-separated module directories to run (default all), such as .,boltstore")
	flag.Parse()

	selected := runs
	if *only != "" {
		want := strings.Split(*only, ",")
		selected = nil
		for _, r := range runs {
			if slices.Contains(want, r.Module) {
				selected = append(selected, r)
			}
		}
		if len(selected) == 0 {
			return fmt.Errorf("-modules %q names no module of the report", *only)
		}
	}
	if *short {
		for i := range selected {
			selected[i] = selected[i].Quick()
		}
	}
	dir := *out
	switch {
	case dir != "":
	case *short:
		tmp, err := os.MkdirTemp("", "benchreport-")
		if err != nil {
			return err
		}
		dir = tmp
	default:
		dir = filepath.Join(*root, "docs", "benchmarks")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep := Report{Generated: time.Now(), Command: commandLine(), Machine: DescribeMachine(), Runs: selected}
	res := Results{}
	var raw bytes.Buffer
	if err := executeRuns(ctx, *root, selected, 0, res, &raw, &rep); err != nil {
		return err
	}
	rep.Rows = evaluate(figures, res)
	err := rep.repeatInconclusive(figures, res, func(again []Run, first int) error {
		return executeRuns(ctx, *root, again, first, res, &raw, &rep)
	})
	if err != nil {
		return err
	}
	for _, c := range charts {
		lines := Lines(c, res)
		if len(lines) == 0 {
			continue
		}
		if err := writeFile(filepath.Join(dir, c.File), func(f *os.File) error { return WriteSVG(f, c, lines) }); err != nil {
			return err
		}
		rep.Charts = append(rep.Charts, c)
	}
	if err := os.WriteFile(filepath.Join(dir, "raw.txt"), raw.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write raw output: %w", err)
	}
	md := filepath.Join(dir, "BENCHMARKS.md")
	if err := writeFile(md, func(f *os.File) error { return rep.WriteMarkdown(f) }); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchreport: wrote %s\n", md)
	if len(rep.Failures) > 0 {
		return fmt.Errorf("%d runs failed; the report marks their figures: %w", len(rep.Failures), errors.Join(rep.Failures...))
	}
	return nil
}

// executeRuns runs each of runs in the repository at root, numbered from
// first+1 in the log and in raw, adds their results to res and records
// failed runs in rep; it stops only when ctx ends.
func executeRuns(ctx context.Context, root string, runs []Run, first int, res Results, raw *bytes.Buffer, rep *Report) error {
	for i, r := range runs {
		n := first + i + 1
		fmt.Fprintf(os.Stderr, "benchreport: run %d of %d: %s\n", n, first+len(runs), r.Command())
		output, err := r.Execute(ctx, root, os.Stdout)
		fmt.Fprintf(raw, "# run %d: %s\n", n, r.Command())
		raw.Write(output)
		if err != nil {
			rep.Failures = append(rep.Failures, err)
		}
		if err := res.Parse(r.Module, bytes.NewReader(output), fmt.Sprintf("run %d", n)); err != nil {
			rep.Failures = append(rep.Failures, fmt.Errorf("parse the output of run %d: %w", n, err))
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted at run %d: %w", n, ctx.Err())
		}
	}
	return nil
}

// evaluate returns each of figs evaluated on res.
func evaluate(figs []Figure, res Results) []Row {
	rows := make([]Row, 0, len(figs))
	for _, f := range figs {
		rows = append(rows, Evaluate(f, res))
	}
	return rows
}

// commandLine returns how the tool was invoked, as a command to run from
// the repository root.
func commandLine() string {
	args := []string{"go", "run", "./benchreport"}
	flag.Visit(func(f *flag.Flag) {
		if f.Name != "root" && f.Name != "out" {
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	return strings.Join(args, " ")
}

// writeFile creates path and writes it with write, closing it and
// reporting the first error of either.
func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
