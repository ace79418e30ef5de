package boltstore_test

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// crash kills a child process saving to a file at random moments; the
// test binary is the child when BOLTSTORE_CRASH_CHILD names the file and
// the round.
var crash = storetest.Crash{
	Env: "BOLTSTORE_CRASH_CHILD",
	Open: func(path string) (unionstore.Store[storetest.Item], error) {
		return boltstore.Open[storetest.Item](path, boltstore.WithLockTimeout(10*time.Second))
	},
	Consistent: checkBoltConsistent,
	MaxAcks:    12,
}

func TestMain(m *testing.M) {
	crash.ServeChild()
	goleak.VerifyTestMain(m)
}

// TestCrashKeepsAcknowledgedBatches kills a writing child process with
// SIGKILL at random moments and checks, after each kill, that the file is
// consistent and holds every batch the child acknowledged, whole.
func TestCrashKeepsAcknowledgedBatches(t *testing.T) {
	crash.Run(t, filepath.Join(t.TempDir(), "crash.db"))
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
