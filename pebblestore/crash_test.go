package pebblestore_test

import (
	"bufio"
	"errors"
	"path/filepath"
	"strings"
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

// crash kills a child process saving from 4 goroutines at once, so that
// their saves share syncs, at random moments.
var crash = storetest.Crash{
	Env: crashEnv,
	Open: func(dir string) (unionstore.Store[storetest.Item], error) {
		return pebblestore.Open[storetest.Item](dir, pebblestore.WithLockTimeout(10*time.Second))
	},
	Consistent: checkPebbleConsistent,
	Writers:    4,
	MaxAcks:    30,
}

// crashChild runs the crash test's child on the directory and round that
// spec names, until it is killed.
func crashChild(spec string) error { return crash.Child(spec) }

// TestCrashKeepsAcknowledgedBatches kills a writing child process with
// SIGKILL at random moments and checks, after each kill, that pebble finds
// the database consistent and that it holds every batch the child
// acknowledged, whole, with counts that match.
func TestCrashKeepsAcknowledgedBatches(t *testing.T) {
	crash.Run(t, filepath.Join(t.TempDir(), "crash"))
}

// checkPebbleConsistent runs pebble's own check of its levels.
func checkPebbleConsistent(t *testing.T, dir string) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}, Merger: pebblestore.Merger})
	if err != nil {
		t.Fatalf("pebble cannot open the directory after a kill: %v", err)
	}
	defer db.Close()
	if err := db.CheckLevels(nil); err != nil {
		t.Fatalf("database inconsistent after a kill: %v", err)
	}
}

// TestLockedByOtherProcess opens a directory that a child process holds.
func TestLockedByOtherProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "held")
	cmd := crash.Command(dir, 0)
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
