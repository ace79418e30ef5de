package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
	"github.com/unionstore/unionstore/storetest"
)

// TestWatchMissesNoCommit has writers on several stores of one file,
// standing for several processes (each its own connections and write
// slot, so only SQLite's lock orders them), save while a watcher on a
// store of its own polls every millisecond: see
// [storetest.WatchUnderWriters].
func TestWatchMissesNoCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := make([]unionstore.Store[item], 8)
	for i := range stores {
		stores[i] = openAt(t, path, sqlitestore.WithNoSync())
	}
	w := openAt(t, path, sqlitestore.WithPollInterval(time.Millisecond))
	storetest.WatchUnderWriters(t, stores, w, 8, 250)
}

func TestPurgeTombstonesExpiresOlderCursors(t *testing.T) {
	storetest.PurgeExpiresOlderCursors(t, open(t))
}

// TestOpenUpgradesVersion1 makes a file of layout version 1, as the
// release before the change feed wrote it, and requires that a read-only
// store read it (without a feed), and that a store opened for writing
// upgrade it to version 2, keeping its rows and feeding a watcher.
func TestOpenUpgradesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	execSQL(t, path, sqlitestore.CreateTableV1,
		"PRAGMA application_id = 1431196500", "PRAGMA user_version = 1", "PRAGMA journal_mode = WAL",
		`INSERT INTO records VALUES ('ns', 'k', 'old', 1, 5, CAST('{"kind":"k","id":"old","value":"v"}' AS BLOB))`)

	ro := openAt(t, path, sqlitestore.WithReadOnly())
	if got, err := ro.Load(ctx, "ns"); err != nil || len(got) != 1 {
		t.Fatalf("Load of a file of version 1, read-only = %v, %v, want the old row", got, err)
	}
	if _, _, err := ro.Snapshot(ctx, "ns"); !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "version 1") {
		t.Fatalf("Snapshot of a file of version 1, read-only = %v, want ErrUnsupported naming the version", err)
	}
	ro.Close()

	s := openAt(t, path)
	got, cursor, err := s.Snapshot(ctx, "ns")
	if err != nil || len(got) != 1 || got[0].Entity.ID != "old" {
		t.Fatalf("Snapshot of the upgraded file = %v, %v, want the old row", got, err)
	}
	save(t, s, set("ns", "new", "v", at(1)))
	ev, err := firstEvent(s, cursor)
	if err != nil || ev.Change.Entity.ID != "new" {
		t.Fatalf("Watch of the upgraded file = %v, %v, want the new set", ev.Change, err)
	}
	s.Close()
	// The file now is of version 2, and opens as such, read-only too.
	ro = openAt(t, path, sqlitestore.WithReadOnly())
	if _, err := firstEvent(ro, cursor); err != nil {
		t.Fatalf("Watch of the upgraded file, read-only: %v", err)
	}
}

// TestCursorOfAnotherFile watches a file from a cursor of another, which
// must expire, not read the other's revisions as its own, and from a
// cursor beyond the namespace's last revision, as a file restored from an
// older copy would meet.
func TestCursorOfAnotherFile(t *testing.T) {
	a, b := open(t), open(t)
	save(t, a, set("ns", "a", "1", at(1)))
	save(t, b, set("ns", "b", "1", at(1)))
	_, c, err := a.Snapshot(context.Background(), "ns")
	if err != nil {
		t.Fatal(err)
	}
	if err := firstError(b, c); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch of file b from a cursor of file a = %v, want ErrCursorExpired", err)
	}
	if err := firstError(a, unionstore.Cursor(strings.Replace(string(c), "-1", "-7", 1))); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch from a cursor beyond the last revision = %v, want ErrCursorExpired", err)
	}
}

// save saves changes to s and fails the test on error.
func save(t testing.TB, s unionstore.Store[item], changes ...unionstore.Change[item]) {
	t.Helper()
	if err := s.Save(context.Background(), changes); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

// firstEvent returns the first event of a watch of "ns" from c, or its
// error.
func firstEvent(s *sqlitestore.Store[item], c unionstore.Cursor) (unionstore.WatchEvent[item], error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ev, err := range s.Watch(ctx, "ns", c) {
		return ev, err
	}
	return unionstore.WatchEvent[item]{}, errors.New("the watch ended without an error")
}

// firstError returns the error of a watch from c that yields nothing
// first.
func firstError(s *sqlitestore.Store[item], c unionstore.Cursor) error {
	ev, err := firstEvent(s, c)
	if err == nil {
		return fmt.Errorf("an event: %v", ev.Change)
	}
	return err
}
