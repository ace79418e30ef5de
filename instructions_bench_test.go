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
// run one probe and exit instead of testing: "union 20" loads a union of
// one Memory 20 times, "memory 0" only fills the Memory.
const instructionProbe = "UNIONSTORE_INSTRUCTION_PROBE"

// probeSize is the number of changes the probes load.
const probeSize = 10_000

// runInstructionProbe runs the probe spec describes and returns the
// process's exit code.
func runInstructionProbe(spec string) int {
	var which string
	var loads int
	if _, err := fmt.Sscanf(spec, "%s %d", &which, &loads); err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: %v\n", instructionProbe, spec, err)
		return 2
	}
	ctx := context.Background()
	member := unionstore.NewMemory[Item]()
	var s unionstore.Store[Item] = member
	switch which {
	case "union":
		s = unionstore.New[Item](member)
	case "memory":
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want union or memory\n", instructionProbe, spec)
		return 2
	}
	if err := member.Save(ctx, namedBatch("ns", probeSize)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for range loads {
		if got, err := s.Load(ctx, "ns"); err != nil || len(got) != probeSize {
			fmt.Fprintf(os.Stderr, "Load = %d changes, %v; want %d\n", len(got), err, probeSize)
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
func instructions(b *testing.B, valgrind, which string, loads int) float64 {
	cmd := exec.Command(valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOGC=off", "GODEBUG=asyncpreemptoff=1", "GOMAXPROCS=1",
		fmt.Sprintf("%s=%s %d", instructionProbe, which, loads))
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
// instructions of a Load of 10,000 changes through a union of one Memory
// and from the Memory alone: the same comparison as
// BenchmarkReportUnionOverhead's load, in a measure that does not move
// with the machine's load. Each count is that of a process loading 20
// times less that of the same process loading none, divided by 20.
func BenchmarkReportUnionInstructions(b *testing.B) {
	valgrind, err := exec.LookPath("valgrind")
	if err != nil {
		b.Skip("counting instructions needs valgrind on the PATH")
	}
	const loads = 20
	var union, member float64
	for b.Loop() {
		union = (instructions(b, valgrind, "union", loads) - instructions(b, valgrind, "union", 0)) / loads
		member = (instructions(b, valgrind, "memory", loads) - instructions(b, valgrind, "memory", 0)) / loads
	}
	b.ReportMetric(union/member, "union/member-instructions")
	b.ReportMetric(union, "union-instructions/load")
	b.ReportMetric(member, "member-instructions/load")
}

// probeSpec returns the probe the environment asks for, if any.
func probeSpec() (string, bool) {
	spec, ok := os.LookupEnv(instructionProbe)
	return strings.TrimSpace(spec), ok
}
