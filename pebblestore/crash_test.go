package pebblestore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// crashEnv, when set in the environment of the test binary, makes it run as
// the crash test's child instead of running tests: it names the directory
// and the round.
const crashEnv = "PEBBLESTORE_CRASH_CHILD"

const (
	crashBatch   = 25
	crashWriters = 4
)

// crashChild saves numbered batches from crashWriters goroutines at once,
// so that their saves share syncs, printing "ack W N" after the save of
// batch N of writer W returned, until it is killed.
func crashChild(spec string) error {
	dir, round, ok := strings.Cut(spec, "|")
	if !ok {
		return fmt.Errorf("bad spec %q", spec)
	}
	s, err := pebblestore.Open[storetest.Item](dir, pebblestore.WithLockTimeout(10*time.Second))
	if err != nil {
		return err
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	errs := make(chan error, crashWriters)
	for w := range crashWriters {
		go func() {
			for n := 0; ; n++ {
				if err := s.Save(context.Background(), crashBatchOf(round, w, n)); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %d\n", w, n)
				err := out.Flush()
				mu.Unlock()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	return <-errs
}

// crashBatchOf is batch n of writer w in a round: sets of new ids, and an
// unset that overwrites an id of the writer's previous batch.
func crashBatchOf(round string, w, n int) unionstore.Changes[storetest.Item] {
	b := unionstore.NewChangesBuilder[storetest.Item]("crash")
	kind := fmt.Sprintf("r%s-w%d", round, w)
	for i := range crashBatch {
		b.Set(storetest.Item{Kind: kind, ID: fmt.Sprintf("%06d-%02d", n, i), Value: strings.Repeat("x", 200), N: n})
	}
	if n > 0 {
		b.Unset(storetest.Item{Kind: kind, ID: fmt.Sprintf("%06d-%02d", n-1, 0)})
	}
	return b.Build()
}

// TestCrashKeepsAcknowledgedBatches kills a writing child process with
// SIGKILL at random moments and checks, after each kill, that pebble finds
// the database consistent and that it holds every batch the child
// acknowledged, whole, with counts that match.
func TestCrashKeepsAcknowledgedBatches(t *testing.T) {
	rounds := 24
	if testing.Short() {
		rounds = 8
	}
	dir := filepath.Join(t.TempDir(), "crash")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	for round := range rounds {
		acked := runAndKill(t, dir, round, r)
		checkPebbleConsistent(t, dir)
		checkRound(t, dir, round, acked)
		t.Logf("round %d: killed after acknowledged batches %v", round, acked)
	}
}

// runAndKill starts the child, lets it acknowledge a random number of
// batches (possibly none), waits a random moment more and kills it. It
// returns each writer's last acknowledged batch, or -1.
func runAndKill(t *testing.T, dir string, round int, r *rand.Rand) []int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", crashEnv, dir, round))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type ack struct{ w, n int }
	acks := make(chan ack)
	go func() {
		defer close(acks)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var a ack
			if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &a.w, &a.n); err == nil {
				acks <- a
			}
		}
	}()
	last := slices.Repeat([]int{-1}, crashWriters)
	for want := r.IntN(30); want > 0; want-- {
		a, ok := <-acks
		if !ok {
			t.Fatalf("round %d: child exited early: %v", round, cmd.Wait())
		}
		last[a.w] = a.n
	}
	time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Acks written before the kill still count: drain the pipe.
	for a := range acks {
		last[a.w] = a.n
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("round %d: child ended with %v, want killed by SIGKILL", round, err)
	}
	return last
}

// checkPebbleConsistent runs pebble's own check of its levels.
func checkPebbleConsistent(t *testing.T, dir string) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatalf("pebble cannot open the directory after a kill: %v", err)
	}
	defer db.Close()
	if err := db.CheckLevels(nil); err != nil {
		t.Fatalf("database inconsistent after a kill: %v", err)
	}
}

// checkRound requires each writer's batches 0..acked of round whole, any
// later batch whole or absent, and counts that match the records.
func checkRound(t *testing.T, dir string, round int, acked []int) {
	t.Helper()
	s, err := pebblestore.Open[storetest.Item](dir)
	if err != nil {
		t.Fatalf("round %d: reopen after kill: %v", round, err)
	}
	defer s.Close()
	ctx := context.Background()
	got, err := s.Load(ctx, "crash")
	if err != nil {
		t.Fatalf("round %d: Load after kill: %v", round, err)
	}
	type batch struct{ w, n int }
	perBatch := map[batch]int{}
	sets, unsets := 0, 0
	for _, c := range got {
		if c.ChangeType == unionstore.ChangeTypeSet {
			sets++
		} else {
			unsets++
		}
		var w int
		if _, err := fmt.Sscanf(c.Entity.Kind, fmt.Sprintf("r%d-w%%d", round), &w); err != nil {
			continue // an earlier round
		}
		n, _ := strconv.Atoi(c.Entity.ID[:6])
		perBatch[batch{w, n}]++
	}
	for w, last := range acked {
		for n := 0; n <= last; n++ {
			if c := perBatch[batch{w, n}]; c != crashBatch {
				t.Fatalf("round %d: acknowledged batch %d of writer %d has %d of %d changes", round, n, w, c, crashBatch)
			}
		}
	}
	for b, count := range perBatch {
		if count != crashBatch {
			t.Fatalf("round %d: batch %d of writer %d is partly saved: %d of %d changes", round, b.n, b.w, count, crashBatch)
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

// TestLockedByOtherProcess opens a directory that a child process holds.
func TestLockedByOtherProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "held")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|0", crashEnv, dir))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	// The child has the directory once it acknowledges a save.
	if !bufio.NewScanner(stdout).Scan() {
		t.Fatal("the child acknowledged nothing")
	}
	for _, opts := range [][]pebblestore.Option{nil, {pebblestore.WithReadOnly()}} {
		_, err = pebblestore.Open[storetest.Item](dir, append(opts, pebblestore.WithLockTimeout(50*time.Millisecond))...)
		if !errors.Is(err, pebblestore.ErrLocked) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("Open of a directory held by another process = %v, want ErrLocked naming it", err)
		}
	}
}
