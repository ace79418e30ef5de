package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Results holds the measurements of benchmark runs: per module, per
// benchmark name (without its -GOMAXPROCS suffix) and per unit, the value
// of each repetition in the order the runs printed them.
type Results map[string]map[string]map[string][]float64

// Ref names one measurement of one benchmark. Div, when not zero, divides
// every value: allocs/op of a batch of 1,000 divided by 1,000 is per change.
type Ref struct {
	Module string
	Bench  string
	Unit   string
	Div    float64
}

func (r Ref) String() string {
	s := r.Bench + " " + r.Unit
	if r.Div != 0 {
		s += fmt.Sprintf(" / %g", r.Div)
	}
	return s
}

// Values returns the values of ref, divided by ref.Div, or nil when the
// results have none.
func (res Results) Values(ref Ref) []float64 {
	vs := res[ref.Module][ref.Bench][ref.Unit]
	if ref.Div == 0 || len(vs) == 0 {
		return vs
	}
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = v / ref.Div
	}
	return out
}

// Parse reads benchmark output in the Go benchmark format and adds its
// results to res under module. Lines that are not results (PASS, ok, log
// lines) are skipped; a malformed result line is an error naming its line.
// Units are kept as the benchmark printed them: ns/op stays ns/op.
func (res Results) Parse(module string, r io.Reader, fileName string) error {
	br := benchfmt.NewReader(r, fileName)
	var errs []error
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.Result:
			name := benchName(rec.Name)
			if res[module] == nil {
				res[module] = map[string]map[string][]float64{}
			}
			units := res[module][name]
			if units == nil {
				units = map[string][]float64{}
				res[module][name] = units
			}
			for _, v := range rec.Values {
				unit, value := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, value = v.OrigUnit, v.OrigValue
				}
				units[unit] = append(units[unit], value)
			}
		case *benchfmt.SyntaxError:
			errs = append(errs, rec)
		}
	}
	if err := br.Err(); err != nil {
		errs = append(errs, fmt.Errorf("read %s: %w", fileName, err))
	}
	return errors.Join(errs...)
}

// benchName returns the full name of a benchmark without its -GOMAXPROCS
// suffix, such as "BenchmarkSave/batch=100".
func benchName(n benchfmt.Name) string {
	// Parts drops the "Benchmark" of the base name; the report names
	// benchmarks as go test prints them.
	base, parts := n.Parts()
	var b strings.Builder
	b.WriteString("Benchmark")
	b.Write(base)
	for _, p := range parts {
		if len(p) > 0 && p[0] == '-' {
			continue
		}
		b.Write(p)
	}
	return b.String()
}
