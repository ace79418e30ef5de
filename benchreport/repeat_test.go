package main

import (
	"regexp"
	"slices"
	"testing"
)

func TestBenchPattern(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refs    []Ref
		want    string
		matches []string
		misses  []string
	}{
		{"one benchmark with its own ratio",
			[]Ref{{".", "BenchmarkReportUnionOverhead/load", "union-µs/load", 0}, {".", "BenchmarkReportUnionOverhead/load", "union/member", 0}},
			"^BenchmarkReportUnionOverhead$/^load$",
			[]string{"BenchmarkReportUnionOverhead/load"}, []string{"BenchmarkReportUnionOverhead/save", "BenchmarkReportUnionOverheadX/load"}},
		{"a quotient of two sub-benchmarks",
			[]Ref{{"i", "BenchmarkReportSaveConcurrency/engine=bolt/goroutines=64", "changes/s", 0}, {"i", "BenchmarkReportSaveConcurrency/engine=pebble/goroutines=64", "changes/s", 0}},
			"^BenchmarkReportSaveConcurrency$/^(engine=bolt|engine=pebble)$/^goroutines=64$",
			[]string{"BenchmarkReportSaveConcurrency/engine=bolt/goroutines=64", "BenchmarkReportSaveConcurrency/engine=pebble/goroutines=64"},
			[]string{"BenchmarkReportSaveConcurrency/engine=bolt/goroutines=1"}},
		{"names of different depths keep their top level",
			[]Ref{{"m", "BenchmarkX/a", "u", 0}, {"m", "BenchmarkX/b/c", "u", 0}},
			"^BenchmarkX$", []string{"BenchmarkX/a", "BenchmarkX/b/c"}, []string{"BenchmarkXY"}},
		{"metacharacters are quoted",
			[]Ref{{"m", "BenchmarkScanPeakHeap/1.5", "u", 0}},
			`^BenchmarkScanPeakHeap$/^1\.5$`, []string{"BenchmarkScanPeakHeap/1.5"}, []string{"BenchmarkScanPeakHeap/105"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := benchPattern(tc.refs)
			if got != tc.want {
				t.Fatalf("benchPattern(%v) = %q, want %q", tc.refs, got, tc.want)
			}
			for _, name := range tc.matches {
				if !matchesBench(t, got, name) {
					t.Errorf("pattern %q does not select %s", got, name)
				}
			}
			for _, name := range tc.misses {
				if matchesBench(t, got, name) {
					t.Errorf("pattern %q selects %s", got, name)
				}
			}
		})
	}
}

// matchesBench reports whether go test -bench pattern runs the benchmark
// name: each level of the name against the element of the pattern at that
// level, levels beyond the pattern's elements matching anything.
func matchesBench(t *testing.T, pattern, name string) bool {
	t.Helper()
	elems := regexp.MustCompile(`/`).Split(pattern, -1)
	levels := regexp.MustCompile(`/`).Split(name, -1)
	for i, level := range levels {
		if i >= len(elems) {
			break
		}
		if !regexp.MustCompile(elems[i]).MatchString(level) {
			return false
		}
	}
	return true
}

func TestRepeats(t *testing.T) {
	runs := []Run{
		{".", "^(BenchmarkA|BenchmarkB)$", "5x", 6},
		{"natsstore", "^BenchmarkN$", "1x", 3},
	}
	row := func(v Verdict, value, over Ref) Row { return Row{Figure: Figure{Value: value, Over: over}, Verdict: v} }
	a := Ref{".", "BenchmarkA/load", "ms", 0}
	aRatio := Row{Figure: Figure{Value: a, Ratio: Ref{".", "BenchmarkA/load", "x", 0}}, Verdict: Inconclusive}
	rows := []Row{
		row(Met, Ref{".", "BenchmarkB", "ms", 0}, Ref{}),
		aRatio,
		aRatio, // a second figure of the same benchmarks shares the run
		row(Missed, Ref{"natsstore", "BenchmarkN/x", "ms", 0}, Ref{}),
		row(Inconclusive, Ref{"natsstore", "BenchmarkN/new/Save", "changes/s", 0}, Ref{"natsstore", "BenchmarkN/new/naive", "changes/s", 0}),
		row(Inconclusive, Ref{"gone", "BenchmarkG", "ms", 0}, Ref{}), // no run measures it
		// Another figure of BenchmarkA joins its run rather than setting
		// the benchmark up once more.
		row(Inconclusive, Ref{".", "BenchmarkA/save", "ms", 0}, Ref{}),
		row(Inconclusive, Ref{".", "BenchmarkB", "ms", 0}, Ref{}),
	}
	want := []Run{
		{".", "^BenchmarkA$/^(load|save)$", "5x", 6},
		{"natsstore", "^BenchmarkN$/^new$/^(Save|naive)$", "1x", 3},
		{".", "^BenchmarkB$", "5x", 6},
	}
	if got := Repeats(rows, runs); !slices.Equal(got, want) {
		t.Errorf("Repeats = %v, want %v", got, want)
	}
	if got := Repeats(rows[:1], runs); len(got) != 0 {
		t.Errorf("Repeats of conclusive rows = %v, want none", got)
	}
}

func TestFigureIDs(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]string{}
	for _, f := range figures {
		if !valid.MatchString(f.ID) || regexp.MustCompile(`^run-[0-9]+$`).MatchString(f.ID) {
			t.Errorf("figure %q: ID %q is not a lower-case slug other than run-N", f.Name, f.ID)
		}
		if other, ok := seen[f.ID]; ok {
			t.Errorf("figures %q and %q share the ID %q", other, f.Name, f.ID)
		}
		seen[f.ID] = f.Name
	}
}

func TestRepeatInconclusive(t *testing.T) {
	fig := Figure{ID: "f", Value: Ref{"m", "BenchmarkX/a", "ratio", 0}, Target: Target{AtMost, 1.15}}
	run := Run{"m", "^BenchmarkX$", "1x", 3}
	for _, tc := range []struct {
		name       string
		more       []float64 // what each round adds
		wantRounds int
		want       Verdict
	}{
		// Nine repetitions give a 95% interval from the second to the
		// eighth value: 1 to 1.
		{"settled by a round", []float64{1, 1, 1, 1, 1, 1}, 1, Met},
		{"still crossing after every round", []float64{0.5, 2, 0.5, 2, 0.5, 2}, extraRounds, Inconclusive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := results("m", "BenchmarkX/a", map[string][]float64{"ratio": {0.5, 1, 2}})
			rep := Report{Runs: []Run{run}}
			rep.Rows = evaluate([]Figure{fig}, res)
			if rep.Rows[0].Verdict != Inconclusive {
				t.Fatalf("before the rounds the verdict is %v, want inconclusive", rep.Rows[0].Verdict)
			}
			var firsts []int
			err := rep.repeatInconclusive([]Figure{fig}, res, func(runs []Run, first int) error {
				if want := []Run{{"m", "^BenchmarkX$/^a$", "1x", 3}}; !slices.Equal(runs, want) {
					t.Errorf("round runs %v, want %v", runs, want)
				}
				firsts = append(firsts, first)
				units := res["m"]["BenchmarkX/a"]
				units["ratio"] = append(units["ratio"], tc.more...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Repeats) != tc.wantRounds || len(firsts) != tc.wantRounds {
				t.Errorf("ran %d rounds (%d recorded), want %d", len(firsts), len(rep.Repeats), tc.wantRounds)
			}
			for i, first := range firsts {
				if first != i+1 {
					t.Errorf("round %d numbered its runs from %d, want %d", i+1, first+1, i+2)
				}
			}
			if got := rep.Rows[0].Verdict; got != tc.want {
				t.Errorf("verdict after the rounds = %v (%+v), want %v", got, rep.Rows[0].Value, tc.want)
			}
		})
	}
}
