package sqlitestore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
	"github.com/unionstore/unionstore/storetest"
)

// crash kills a child process saving to a file at random moments; the
// test binary is the child when SQLITESTORE_CRASH_CHILD names the file and
// the round.
var crash = storetest.Crash{
	Env: "SQLITESTORE_CRASH_CHILD",
	Open: func(path string) (unionstore.Store[item], error) {
		return sqlitestore.Open[item](path, sqlitestore.WithBusyTimeout(10*time.Second))
	},
	Consistent: checkIntegrity,
	Writers:    3,
}

// TestCrashKeepsAcknowledgedBatches kills a child process saving from
// three goroutines with SIGKILL at random moments, and checks after each
// kill that SQLite finds the file sound and that it holds every batch the
// child acknowledged, whole.
func TestCrashKeepsAcknowledgedBatches(t *testing.T) {
	crash.Run(t, filepath.Join(t.TempDir(), "crash.db"))
}

// checkIntegrity runs SQLite's own full check on the file, through a
// connection of its own that recovers the write-ahead log first.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("integrity check after a kill: %v", err)
	}
	if res != "ok" {
		t.Fatalf("integrity check after a kill: %s", res)
	}
}
