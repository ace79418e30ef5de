package unionstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// instructionProbe names the environment variable that makes the test
// binary, started under callgrind by BenchmarkReportUnionInstructions,
// run one probe and exit instead of testing: "union-load 20" loads a
// union of one Memory 20 times, "memory-load 0" only fills the Memory.
const instructionProbe = "UNIONSTORE_INSTRUCTION_PROBE"

// probeSize is the number of changes the load and save probes load or
// save at a time; the merge probes merge three stores of mergeProbeSize.
const (
	probeSize      = 10_000
	mergeProbeSize = 20_000
)

// maxProbeRuns is the most times a probe repeats its operation: the save
// probes make that many batches whatever the count, so that the set-up of
// a count is that of no count.
const maxProbeRuns = 20

// probes make, for each probe, what it repeats: set up, and run once when
// the first run does work that later ones do not, outside the count that
// matters, since a probe's count is that of a process repeating the
// operation less that of one that does not.
var probes = map[string]func() (func() error, error){
	"union-load":  func() (func() error, error) { return loadProbe(true) },
	"memory-load": func() (func() error, error) { return loadProbe(false) },
	"union-save":  func() (func() error, error) { return saveProbe(true) },
	"memory-save": func() (func() error, error) { return saveProbe(false) },
	"union-merge": func() (func() error, error) { return mergeProbe(true) },
	"floor-merge": func() (func() error, error) { return mergeProbe(false) },
}

// loadProbe returns a Load of probeSize changes from a Memory, through a
// union of it or not.
func loadProbe(union bool) (func() error, error) {
	member := unionstore.NewMemory[Item]()
	if err := member.Save(context.Background(), namedBatch("ns", probeSize)); err != nil {
		return nil, err
	}
	var s unionstore.Store[Item] = member
	if union {
		s = unionstore.New[Item](member)
	}
	load := func() error {
		if got, err := s.Load(context.Background(), "ns"); err != nil || len(got) != probeSize {
			return fmt.Errorf("Load = %d changes, %v; want %d", len(got), err, probeSize)
		}
		return nil
	}
	// The first Load sorts the Memory's view, which later ones reuse.
	return load, load()
}

// saveProbe returns a Save of probeSize new changes, a namespace of their
// own each time, to a Memory, through a union of it or not.
func saveProbe(union bool) (func() error, error) {
	member := unionstore.NewMemory[Item]()
	var s unionstore.Store[Item] = member
	if union {
		s = unionstore.New[Item](member)
	}
	batches := make([]unionstore.Changes[Item], maxProbeRuns)
	for i := range batches {
		batches[i] = namedBatch(fmt.Sprint("ns", i), probeSize)
	}
	next := 0
	return func() error {
		next++
		return s.Save(context.Background(), batches[next-1])
	}, nil
}

// mergeProbe returns a union's Load of the three stores of loadFixture, of
// mergeProbeSize entities each, or the floor's merge of their Loads.
func mergeProbe(union bool) (func() error, error) {
	ctx := context.Background()
	stores, err := fixtureStores(mergeProbeSize)
	if err != nil {
		return nil, err
	}
	if union {
		u := unionstore.New(stores...)
		load := func() error {
			_, err := u.Load(ctx, "ns")
			return err
		}
		// The first Load sorts the members' views, as the floor's Loads
		// below do.
		return load, load()
	}
	parts := make([]unionstore.Changes[Item], len(stores))
	for i, s := range stores {
		if parts[i], err = s.Load(ctx, "ns"); err != nil {
			return nil, err
		}
	}
	return func() error {
		if got := mergeSorted(parts); len(got) != 3*mergeProbeSize {
			return fmt.Errorf("the floor merged %d changes, want %d", len(got), 3*mergeProbeSize)
		}
		return nil
	}, nil
}

// runInstructionProbe runs the probe spec describes and returns the
// process's exit code.
func runInstructionProbe(spec string) int {
	var which string
	var runs int
	if _, err := fmt.Sscanf(spec, "%s %d", &which, &runs); err != nil || runs < 0 || runs > maxProbeRuns {
		fmt.Fprintf(os.Stderr, "%s=%q: want a probe and a count from 0 to %d (%v)\n", instructionProbe, spec, maxProbeRuns, err)
		return 2
	}
	probe, ok := probes[which]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s=%q: no probe %q\n", instructionProbe, spec, which)
		return 2
	}
	op, err := probe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: set-up: %v\n", which, err)
		return 1
	}
	for range runs {
		if err := op(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", which, err)
			return 1
		}
	}
	return 0
}

// collected matches callgrind's count of the instructions a process ran.
var collected = regexp.MustCompile(`Collected : (\d+)`)

// instructions runs the probe under callgrind and returns the number of
// instructions the whole process ran. The collector is off and
// preemption by signal too, so that the count repeats to within about a
// percent: the cost of allocating is counted, not that of collecting.
func instructions(b *testing.B, valgrind, which string, runs int) float64 {
	cmd := exec.Command(valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOGC=off", "GODEBUG=asyncpreemptoff=1", "GOMAXPROCS=1",
		fmt.Sprintf("%s=%s %d", instructionProbe, which, runs))
	out, err := cmd.CombinedOutput()
	m := collected.FindSubmatch(out)
	if err != nil || m == nil {
		b.Fatalf("callgrind of the %s probe: %v\n%s", which, err, out)
	}
	n, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkReportUnionInstructions counts, with callgrind, the
// instructions of what the union adds to a Memory in measures that do not
// move with the machine's load, the comparisons of
// BenchmarkReportUnionOverhead and BenchmarkReportMergeFloor: a Load and
// a Save of 10,000 changes through a union of one Memory against the
// Memory alone, and a union's Load of three Memory stores of 20,000
// entities against the floor's merge of their Loads. Each count is that
// of a process repeating the operation (20 times, or 10 for the merges)
// less that of the same process not repeating it, divided by the
// repetitions.
func BenchmarkReportUnionInstructions(b *testing.B) {
	valgrind, err := exec.LookPath("valgrind")
	if err != nil {
		b.Skip("counting instructions needs valgrind on the PATH")
	}
	per := func(which string, runs int) float64 {
		return (instructions(b, valgrind, which, runs) - instructions(b, valgrind, which, 0)) / float64(runs)
	}
	var load, memLoad, save, memSave, merge, floor float64
	for b.Loop() {
		load, memLoad = per("union-load", maxProbeRuns), per("memory-load", maxProbeRuns)
		save, memSave = per("union-save", maxProbeRuns), per("memory-save", maxProbeRuns)
		merge, floor = per("union-merge", maxProbeRuns/2), per("floor-merge", maxProbeRuns/2)
	}
	b.ReportMetric(load/memLoad, "union/member-instructions")
	b.ReportMetric(load, "union-instructions/load")
	b.ReportMetric(memLoad, "member-instructions/load")
	b.ReportMetric(save/memSave, "save-union/member-instructions")
	b.ReportMetric(save, "union-instructions/save")
	b.ReportMetric(merge/floor, "merge-union/floor-instructions")
	b.ReportMetric(merge, "union-instructions/merge")
}

// probeSpec returns the probe the environment asks for, if any.
func probeSpec() (string, bool) {
	spec, ok := os.LookupEnv(instructionProbe)
	return strings.TrimSpace(spec), ok
}
