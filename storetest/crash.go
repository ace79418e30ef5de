package storetest

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// CrashBatch is the number of sets in each batch the child of a [Crash]
// test saves; a batch after a writer's first also unsets an id of the
// writer's previous batch.
const CrashBatch = 25

// Crash is a crash test of a store that keeps its data on disk. A child
// process, the test binary itself, saves numbered batches to the store from
// Writers goroutines at once and prints an acknowledgement after each Save
// returns, until the test kills it with SIGKILL at a random moment; the
// test then checks the engine's own consistency, reopens the store and
// requires every acknowledged batch whole, any other batch whole or absent,
// and namespace counts that match the records.
//
// The test binary becomes the child when the environment variable Env is
// set: its TestMain must call [Crash.ServeChild] (or [Crash.Child] with the
// variable's value) before it runs the tests.
type Crash struct {
	// Env is the environment variable that makes the test binary the child;
	// its value names the store and the round.
	Env string
	// Open opens the store at target, in the child and after each kill. It
	// should wait for the lock of a child that is still exiting.
	Open func(target string) (unionstore.Store[Item], error)
	// Consistent, when not nil, runs the engine's own consistency check on
	// target after each kill and fails t when it finds a fault.
	Consistent func(t *testing.T, target string)
	// Writers is the number of goroutines of the child; zero means 1.
	Writers int
	// MaxAcks bounds the acknowledgements the test waits for before the
	// kill, drawn below it (none included); zero means 12.
	MaxAcks int
	// Rounds is the number of kills; zero means 24, or 8 with -short.
	Rounds int
}

func (c Crash) writers() int { return max(c.Writers, 1) }

// Run runs the crash test on the store at target, which the test makes
// afresh in its first round and keeps across rounds. It logs the seed of
// its random moments, and fails t at the first round that finds a fault.
// It takes a few seconds: each round starts a process.
func (c Crash) Run(t *testing.T, target string) {
	t.Helper()
	rounds := c.Rounds
	if rounds == 0 {
		rounds = 24
		if testing.Short() {
			rounds = 8
		}
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	for round := range rounds {
		acked := c.runAndKill(t, target, round, r)
		if c.Consistent != nil {
			c.Consistent(t, target)
		}
		c.checkRound(t, target, round, acked)
		t.Logf("round %d: killed after acknowledged batches %v", round, acked)
	}
}

// Command returns the command that runs the child on the store at target
// in round: the test binary with no tests to run and Env set. The caller
// starts it and kills it.
func (c Crash) Command(target string, round int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", c.Env, target, round))
	return cmd
}

// ServeChild returns at once when Env is not set; otherwise it runs the
// child and exits the process, with status 3 and the error on standard
// error when the child fails. A TestMain calls it first.
func (c Crash) ServeChild() {
	spec := os.Getenv(c.Env)
	if spec == "" {
		return
	}
	if err := c.Child(spec); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// Child runs the child on the store and round that spec, the value of Env,
// names: it saves numbered batches from Writers goroutines, printing
// "ack W N" to standard output after batch N of writer W is saved, until
// it is killed. It returns only an error: of a bad spec, of Open, of a
// Save or of the output.
func (c Crash) Child(spec string) error {
	target, round, ok := strings.Cut(spec, "|")
	if !ok {
		return fmt.Errorf("storetest: crash child: bad spec %q, want target|round", spec)
	}
	s, err := c.Open(target)
	if err != nil {
		return fmt.Errorf("storetest: crash child: open %q: %w", target, err)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	errs := make(chan error, c.writers())
	for w := range c.writers() {
		go func() {
			for n := 0; ; n++ {
				if err := s.Save(context.Background(), crashBatchOf(round, w, n)); err != nil {
					errs <- fmt.Errorf("storetest: crash child: save batch %d of writer %d: %w", n, w, err)
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %d\n", w, n)
				err := out.Flush()
				mu.Unlock()
				if err != nil {
					errs <- fmt.Errorf("storetest: crash child: acknowledge: %w", err)
					return
				}
			}
		}()
	}
	return <-errs
}

// crashBatchOf is batch n of writer w in a round: sets of new ids, and an
// unset that overwrites an id of the writer's previous batch.
func crashBatchOf(round string, w, n int) unionstore.Changes[Item] {
	b := unionstore.NewChangesBuilder[Item]("crash")
	kind := fmt.Sprintf("r%s-w%d", round, w)
	for i := range CrashBatch {
		b.Set(Item{Kind: kind, ID: fmt.Sprintf("%06d-%02d", n, i), Value: strings.Repeat("x", 200), N: n})
	}
	if n > 0 {
		b.Unset(Item{Kind: kind, ID: fmt.Sprintf("%06d-%02d", n-1, 0)})
	}
	return b.Build()
}

// runAndKill starts the child, lets it acknowledge a random number of
// batches (possibly none), waits a random moment more and kills it. It
// returns each writer's last acknowledged batch, or -1.
func (c Crash) runAndKill(t *testing.T, target string, round int, r *rand.Rand) []int {
	t.Helper()
	cmd := c.Command(target, round)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("round %d: start the child: %v", round, err)
	}
	type ack struct{ w, n int }
	acks := make(chan ack)
	go func() {
		defer close(acks)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var a ack
			if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &a.w, &a.n); err == nil && a.w >= 0 && a.w < c.writers() {
				acks <- a
			}
		}
	}()
	last := slices.Repeat([]int{-1}, c.writers())
	for want := r.IntN(cmp.Or(c.MaxAcks, 12)); want > 0; want-- {
		a, ok := <-acks
		if !ok {
			t.Fatalf("round %d: child exited early: %v", round, cmd.Wait())
		}
		last[a.w] = a.n
	}
	time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
	// Kill sends SIGKILL on Unix: the child gets no chance to clean up.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Acks written before the kill still count: drain the pipe.
	for a := range acks {
		last[a.w] = a.n
	}
	err = cmd.Wait()
	if !killed(cmd.ProcessState) {
		t.Fatalf("round %d: child ended with %v, want killed by SIGKILL", round, err)
	}
	return last
}

// checkRound requires each writer's batches 0..acked of round whole, any
// later batch whole or absent, and namespace counts that match the
// records.
func (c Crash) checkRound(t *testing.T, target string, round int, acked []int) {
	t.Helper()
	s, err := c.Open(target)
	if err != nil {
		t.Fatalf("round %d: reopen after kill: %v", round, err)
	}
	defer s.Close()
	got, err := s.Load(context.Background(), "crash")
	if err != nil {
		t.Fatalf("round %d: Load after kill: %v", round, err)
	}
	type batch struct{ w, n int }
	perBatch := map[batch]int{}
	sets, unsets := 0, 0
	prefix := fmt.Sprintf("r%d-w", round)
	for _, ch := range got {
		if ch.ChangeType == unionstore.ChangeTypeSet {
			sets++
		} else {
			unsets++
		}
		rest, ok := strings.CutPrefix(ch.Entity.Kind, prefix)
		if !ok {
			continue // an earlier round
		}
		w, err := strconv.Atoi(rest)
		n, nerr := strconv.Atoi(ch.Entity.ID[:min(6, len(ch.Entity.ID))])
		if err != nil || nerr != nil {
			t.Fatalf("round %d: Load after kill returned %s/%s, which no writer saved", round, ch.Entity.Kind, ch.Entity.ID)
		}
		perBatch[batch{w, n}]++
	}
	for w, last := range acked {
		for n := 0; n <= last; n++ {
			if got := perBatch[batch{w, n}]; got != CrashBatch {
				t.Fatalf("round %d: acknowledged batch %d of writer %d has %d of %d changes", round, n, w, got, CrashBatch)
			}
		}
	}
	for b, count := range perBatch {
		if count != CrashBatch {
			t.Fatalf("round %d: batch %d of writer %d is partly saved: %d of %d changes", round, b.n, b.w, count, CrashBatch)
		}
	}
	stats, ok := listed(t, s)
	if !ok {
		return
	}
	want := []unionstore.NamespaceStat{{Namespace: "crash", Entities: sets, Tombstones: unsets}}
	if sets+unsets == 0 {
		want = nil // killed before the first batch of the first round
	}
	if !slices.Equal(stats, want) {
		t.Fatalf("round %d: Namespaces = %+v; want %d entities and %d tombstones", round, stats, sets, unsets)
	}
}
