package sqlitestore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
)

// writerEnv makes the test binary a writer child of
// TestProcessesKeepLastWriteWins: its value "path|writer" names the file
// and the writer whose batches the child saves.
const writerEnv = "SQLITESTORE_WRITER_CHILD"

// The writers of TestProcessesKeepLastWriteWins: writer 0 is the test
// process, the others are children. Few ids and timestamps make them
// overwrite each other's identities and tie often.
const (
	procWriters = 3
	procBatches = 40
	procIDs     = 30
	procStamps  = 25
)

// procBatch returns batch b of writer w, the same in every process.
func procBatch(w, b int) unionstore.Changes[item] {
	r := rand.New(rand.NewPCG(uint64(w), uint64(b)))
	batch := make(unionstore.Changes[item], 1+r.IntN(60))
	for i := range batch {
		ns := []string{"a", "b"}[r.IntN(2)]
		c := set(ns, strconv.Itoa(r.IntN(procIDs)), fmt.Sprintf("w%d-b%d-c%d", w, b, i), at(r.IntN(procStamps)))
		if r.IntN(5) == 0 {
			c.ChangeType = unionstore.ChangeTypeUnset
		}
		batch[i] = c
	}
	return batch
}

// saveBatches saves every batch of writer w to s.
func saveBatches(s unionstore.Store[item], w int) error {
	for b := range procBatches {
		if err := s.Save(context.Background(), procBatch(w, b)); err != nil {
			return fmt.Errorf("writer %d, batch %d: %w", w, b, err)
		}
	}
	return nil
}

// writerChild runs a writer child and returns its exit status.
func writerChild(spec string) int {
	path, w, _ := strings.Cut(spec, "|")
	n, err := strconv.Atoi(w)
	if err == nil {
		var s *sqlitestore.Store[item]
		if s, err = sqlitestore.Open[item](path, sqlitestore.WithBusyTimeout(30*time.Second)); err == nil {
			// Say ready, and start when the test says go: one line.
			fmt.Println("ready")
			if _, err = bufio.NewReader(os.Stdin).ReadString('\n'); err == nil {
				err = saveBatches(s, n)
			}
			if cerr := s.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer child:", err)
		return 3
	}
	return 0
}

// TestProcessesKeepLastWriteWins saves overlapping batches from this
// process and from child processes (the test binary) into one file at
// the same time, then requires each identity to hold a change with the
// latest timestamp any writer saved for it, one that won its own batch.
// Only SQLite's file lock and the upsert's condition order the processes.
func TestProcessesKeepLastWriteWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	s := openAt(t, path, sqlitestore.WithBusyTimeout(30*time.Second))
	var wg sync.WaitGroup
	errs := make([]error, procWriters)
	var gos []io.WriteCloser
	for w := 1; w < procWriters; w++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", writerEnv, path, w))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		gos = append(gos, stdin)
		ready, rerr := bufio.NewReader(stdout).ReadString('\n')
		wg.Go(func() {
			if err := cmd.Wait(); err != nil || ready != "ready\n" {
				errs[w] = fmt.Errorf("child %d: %v, %v: %q %s", w, err, rerr, ready, stderr.String())
			}
		})
		if rerr != nil {
			break // its error is reported after Wait
		}
	}
	// Every child has opened the file: the children and this process
	// start together.
	for _, stdin := range gos {
		fmt.Fprintln(stdin, "go")
		stdin.Close()
	}
	start := time.Now()
	errs[0] = saveBatches(s, 0)
	wg.Wait()
	t.Logf("the writers took %v", time.Since(start))
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	// The model: per identity, the winners of their batches at the
	// latest timestamp saved for it.
	type key struct{ ns, id string }
	allowed := map[key][]unionstore.Change[item]{}
	for w := range procWriters {
		for b := range procBatches {
			for _, c := range unionstore.Compact(procBatch(w, b)) {
				k := key{c.Namespace, c.Entity.ID}
				switch old := allowed[k]; {
				case len(old) == 0 || c.Timestamp.After(old[0].Timestamp):
					allowed[k] = []unionstore.Change[item]{c}
				case c.Timestamp.Equal(old[0].Timestamp):
					allowed[k] = append(old, c)
				}
			}
		}
	}
	ctx := context.Background()
	found, ties := 0, 0
	for _, ns := range []string{"a", "b"} {
		got, err := s.Load(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			k := key{ns, c.Entity.ID}
			ok := false
			for _, a := range allowed[k] {
				ok = ok || (a.Entity == c.Entity && a.ChangeType == c.ChangeType && a.Timestamp.Equal(c.Timestamp))
			}
			if !ok {
				t.Errorf("%v = %s %+v at %v, want one of %v", k, c.ChangeType, c.Entity, c.Timestamp, allowed[k])
			}
			if len(allowed[k]) > 1 {
				ties++
			}
			found++
		}
	}
	if found != len(allowed) {
		t.Errorf("the file holds %d identities, want %d", found, len(allowed))
	}
	t.Logf("%d identities from %d processes, %d decided between tied saves", found, procWriters, ties)
}
