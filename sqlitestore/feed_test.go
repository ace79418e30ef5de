package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
)

// TestWatchMissesNoCommit has writers on several stores of one file,
// standing for several processes (each its own connections and write
// slot, so only SQLite's lock orders them), save batches of new
// identities, some with a change of a second namespace, while a watcher
// on a store of its own polls every millisecond. No change supersedes
// another, so the watcher must see them all: revisions taken out of the
// order of the commits would let it read past one that commits later.
func TestWatchMissesNoCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	const stores, writers, saves = 8, 8, 250
	writeTo := make([]*sqlitestore.Store[item], stores)
	for i := range writeTo {
		writeTo[i] = openAt(t, path, sqlitestore.WithNoSync())
	}
	w := openAt(t, path, sqlitestore.WithPollInterval(time.Millisecond))
	_, cursor, err := w.Snapshot(context.Background(), "ns")
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	seen := map[string]bool{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		for ev, err := range w.Watch(ctx, "ns", cursor) {
			if err != nil {
				done <- err
				return
			}
			mu.Lock()
			seen[ev.Change.Entity.ID] = true
			mu.Unlock()
		}
		done <- errors.New("the watch ended without an error")
	}()

	var wg sync.WaitGroup
	for wr := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(wr), 3))
			s := writeTo[wr%stores]
			for i := range saves {
				id := fmt.Sprintf("w%d-%d", wr, i)
				c := unionstore.Changes[item]{set("ns", id, "v", at(i))}
				if r.IntN(3) == 0 {
					c = append(c, set("other", id, "v", at(i)))
				}
				if err := s.Save(context.Background(), c); err != nil {
					t.Errorf("writer %d: %v", wr, err)
					return
				}
			}
		})
	}
	wg.Wait()

	missing := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for wr := range writers {
			for i := range saves {
				if id := fmt.Sprintf("w%d-%d", wr, i); !seen[id] {
					out = append(out, id)
				}
			}
		}
		return out
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch ended with %v, want context.Canceled", err)
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("the watcher missed %d of %d saved identities, such as %v", len(m), writers*saves, m[:min(len(m), 5)])
	}
}

// TestPurgeTombstonesExpiresOlderCursors purges a tombstone and requires
// that a cursor from before it expire, since its watcher could not learn
// of the deletion, while cursors from after it go on.
func TestPurgeTombstonesExpiresOlderCursors(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	cursor := func() unionstore.Cursor {
		t.Helper()
		_, c, err := s.Snapshot(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	save(t, s, set("ns", "a", "1", at(1)))
	beforeTombstone := cursor()
	save(t, s, unset("ns", "a", "1", at(2)))
	atTombstone := cursor()
	save(t, s, set("ns", "b", "1", at(3)))
	if n, err := s.PurgeTombstones(ctx, "ns", at(10)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones = %d, %v, want 1, nil", n, err)
	}
	if err := firstError(s, beforeTombstone); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Errorf("Watch from before a purged tombstone = %v, want ErrCursorExpired", err)
	}
	ev, err := firstEvent(s, atTombstone)
	if err != nil || ev.Change.Entity.ID != "b" {
		t.Errorf("Watch from the tombstone's cursor = %v, %v, want the set of b", ev.Change, err)
	}
	if n, err := s.PurgeTombstones(ctx, "ns", at(10)); err != nil || n != 0 {
		t.Fatalf("PurgeTombstones again = %d, %v, want 0, nil", n, err)
	}
	if _, err := firstEvent(s, atTombstone); err != nil {
		t.Errorf("Watch after a purge of no tombstone = %v, want the set of b", err)
	}
}

// TestOpenUpgradesVersion1 makes a file of layout version 1, as the
// release before the change feed wrote it, and requires that a read-only
// store read it (without a feed), and that a store opened for writing
// upgrade it to version 2, keeping its rows and feeding a watcher.
func TestOpenUpgradesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	execSQL(t, path, `CREATE TABLE records (
	namespace TEXT NOT NULL,
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	type INTEGER NOT NULL,
	ts INTEGER NOT NULL,
	payload BLOB NOT NULL,
	PRIMARY KEY (namespace, kind, id)
) WITHOUT ROWID`,
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
