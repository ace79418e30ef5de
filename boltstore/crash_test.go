package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// crashEnv, when set in the environment of the test binary, makes it run as
// the crash test's child instead of running tests: it names the file, the
// round and the batch size.
const crashEnv = "BOLTSTORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashEnv); spec != "" {
		if err := crashChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

const crashBatch = 25

// crashChild saves numbered batches forever, printing "ack N" after the
// save of batch N returned, until it is killed.
func crashChild(spec string) error {
	path, round, ok := strings.Cut(spec, "|")
	if !ok {
		return fmt.Errorf("bad spec %q", spec)
	}
	s, err := boltstore.Open[storetest.Item](path, boltstore.WithLockTimeout(10*time.Second))
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	for n := 0; ; n++ {
		if err := s.Save(context.Background(), crashBatchOf(round, n)); err != nil {
			return err
		}
		fmt.Fprintf(out, "ack %d\n", n)
		if err := out.Flush(); err != nil {
			return err
		}
	}
}

// crashBatchOf is batch n of a round: sets of new ids, and an unset that
// overwrites an id of the previous batch.
func crashBatchOf(round string, n int) unionstore.Changes[storetest.Item] {
	b := unionstore.NewChangesBuilder[storetest.Item]("crash")
	for i := range crashBatch {
		b.Set(storetest.Item{Kind: "r" + round, ID: fmt.Sprintf("%06d-%02d", n, i), Value: strings.Repeat("x", 200), N: n})
	}
	if n > 0 {
		b.Unset(storetest.Item{Kind: "r" + round, ID: fmt.Sprintf("%06d-%02d", n-1, 0)})
	}
	return b.Build()
}

// TestCrashKeepsAcknowledgedBatches kills a writing child process with
// SIGKILL at random moments and checks, after each kill, that the file is
// consistent and holds every batch the child acknowledged, whole.
func TestCrashKeepsAcknowledgedBatches(t *testing.T) {
	rounds := 24
	if testing.Short() {
		rounds = 8
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	for round := range rounds {
		acked := runAndKill(t, path, round, r)
		checkBoltConsistent(t, path)
		checkRound(t, path, round, acked)
		t.Logf("round %d: killed after %d acknowledged batches", round, acked+1)
	}
}

// runAndKill starts the child, lets it acknowledge a random number of
// batches (possibly none), waits a random moment more and kills it. It
// returns the last acknowledged batch, or -1.
func runAndKill(t *testing.T, path string, round int, r *rand.Rand) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", crashEnv, path, round))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := make(chan int)
	go func() {
		defer close(acks)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack "))
			if err == nil {
				acks <- n
			}
		}
	}()
	last := -1
	for want := r.IntN(12); last < want-1; {
		n, ok := <-acks
		if !ok {
			t.Fatalf("round %d: child exited early: %v", round, cmd.Wait())
		}
		last = n
	}
	time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Acks written before the kill still count: drain the pipe.
	for n := range acks {
		last = n
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("round %d: child ended with %v, want killed by SIGKILL", round, err)
	}
	return last
}

// checkBoltConsistent runs bbolt's own consistency check on the file.
func checkBoltConsistent(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("bbolt cannot open the file after a kill: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("file inconsistent after a kill: %v", err)
	}
}

// checkRound requires batches 0..acked of round whole, any later batch
// whole or absent, and counts that match the records.
func checkRound(t *testing.T, path string, round, acked int) {
	t.Helper()
	s, err := boltstore.Open[storetest.Item](path)
	if err != nil {
		t.Fatalf("round %d: reopen after kill: %v", round, err)
	}
	defer s.Close()
	ctx := context.Background()
	got, err := s.Load(ctx, "crash")
	if err != nil {
		t.Fatalf("round %d: Load after kill: %v", round, err)
	}
	kind := fmt.Sprint("r", round)
	perBatch := map[int]int{}
	sets, unsets := 0, 0
	for _, c := range got {
		if c.ChangeType == unionstore.ChangeTypeSet {
			sets++
		} else {
			unsets++
		}
		if c.Entity.Kind != kind {
			continue
		}
		n, _ := strconv.Atoi(c.Entity.ID[:6])
		perBatch[n]++
	}
	for n := 0; n <= acked; n++ {
		if perBatch[n] != crashBatch {
			t.Fatalf("round %d: acknowledged batch %d has %d of %d changes", round, n, perBatch[n], crashBatch)
		}
	}
	for n, count := range perBatch {
		if count != crashBatch {
			t.Fatalf("round %d: batch %d is partly saved: %d of %d changes", round, n, count, crashBatch)
		}
	}
	stats, err := s.Namespaces(ctx)
	want := []unionstore.NamespaceStat{{Namespace: "crash", Entities: sets, Tombstones: unsets}}
	if sets+unsets == 0 {
		want = nil // killed before the first batch of the first round
	}
	if err != nil || !slices.Equal(stats, want) {
		t.Fatalf("round %d: Namespaces = %+v, %v; want %d entities and %d tombstones", round, stats, err, sets, unsets)
	}
}
