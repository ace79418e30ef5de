package mysqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestWatchMissesNoCommit has writers on several pools, standing for
// several processes, save batches of new identities (some with a change
// of a second namespace, so that a batch takes two namespaces'
// revisions) while a watcher on a pool of its own polls every
// millisecond. Every identity saved is new, so no change supersedes
// another: the watcher must see them all. Revisions that committed out of
// their order (taken outside the batch's transaction, or from an
// AUTO_INCREMENT) would let the watcher read past a revision that
// commits later, and miss it for good.
func TestWatchMissesNoCommit(t *testing.T) {
	table := newTable(t)
	const pools, writers, saves = 3, 12, 30
	stores := make([]*mysqlstore.Store[storetest.Item], pools)
	for p := range stores {
		stores[p] = newStoreOn(t, newDB(t), table)
	}
	w := newStoreOn(t, newDB(t), table, mysqlstore.WithPollInterval(time.Millisecond))
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
			s := stores[wr%pools]
			for i := range saves {
				c := unionstore.Changes[storetest.Item]{set("ns", "k", fmt.Sprintf("w%d-%d", wr, i), "v", at(i))}
				if r.IntN(3) == 0 {
					c = append(c, set("other", "k", fmt.Sprintf("w%d-%d", wr, i), "v", at(i)))
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
	// The watcher may still be reading: give it time to reach the end,
	// which it cannot pass over a change it missed.
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
	s := newStore(t)
	ctx := context.Background()
	cursor := func() unionstore.Cursor {
		t.Helper()
		_, c, err := s.Snapshot(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	save(t, s, set("ns", "k", "a", "1", at(1)))
	beforeTombstone := cursor()
	save(t, s, unset("ns", "k", "a", at(2)))
	atTombstone := cursor()
	save(t, s, set("ns", "k", "b", "1", at(3)))
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
	// A purge of nothing expires nothing.
	if n, err := s.PurgeTombstones(ctx, "ns", at(10)); err != nil || n != 0 {
		t.Fatalf("PurgeTombstones again = %d, %v, want 0, nil", n, err)
	}
	if _, err := firstEvent(s, atTombstone); err != nil {
		t.Errorf("Watch after a purge of no tombstone = %v, want the set of b", err)
	}
}

// firstEvent returns the first event of a watch from c, or its error.
func firstEvent(s *mysqlstore.Store[storetest.Item], c unionstore.Cursor) (unionstore.WatchEvent[storetest.Item], error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ev, err := range s.Watch(ctx, "ns", c) {
		return ev, err
	}
	return unionstore.WatchEvent[storetest.Item]{}, errors.New("the watch ended without an error")
}

// firstError returns the error of a watch from c that yields nothing
// first.
func firstError(s *mysqlstore.Store[storetest.Item], c unionstore.Cursor) error {
	ev, err := firstEvent(s, c)
	if err == nil {
		return fmt.Errorf("an event: %v", ev.Change)
	}
	return err
}

// layout1 is the table of the layout before the change feed.
const layout1 = `CREATE TABLE %s (
	namespace   VARBINARY(1024) NOT NULL,
	kind        VARBINARY(1024) NOT NULL,
	id          VARBINARY(1024) NOT NULL,
	change_type ENUM('set', 'unset') CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	ts          BIGINT NOT NULL,
	payload     LONGBLOB NOT NULL,
	PRIMARY KEY (namespace, kind, id)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC`

// TestOpenUpgradesLayout1 opens a table made before the change feed: with
// WithoutCreate it is refused with an error that says what to do, and
// otherwise it gains the rev column, keeps its rows, and feeds a watcher.
func TestOpenUpgradesLayout1(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	db := adminDB(t)
	for _, q := range []string{fmt.Sprintf(layout1, "`"+table+"`"),
		"INSERT INTO `" + table + "` VALUES ('ns', 'k', 'old', 'set', 5, '{\"kind\":\"k\",\"id\":\"old\",\"value\":\"v\"}')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_, err := mysqlstore.New[storetest.Item](ctx, db, mysqlstore.WithTable(table), mysqlstore.WithoutCreate())
	if err == nil || !strings.Contains(err.Error(), "no column rev") || !strings.Contains(err.Error(), "ALTER TABLE") {
		t.Fatalf("New with WithoutCreate on a table of layout 1 = %v, want an error saying it lacks rev and how to add it", err)
	}
	s := newStoreOn(t, db, table)
	got, cursor, err := s.Snapshot(ctx, "ns")
	if err != nil || len(got) != 1 || got[0].Entity.ID != "old" {
		t.Fatalf("Snapshot of the upgraded table = %v, %v, want the old row", got, err)
	}
	save(t, s, set("ns", "k", "new", "v", at(1)))
	ev, err := firstEvent(s, cursor)
	if err != nil || ev.Change.Entity.ID != "new" {
		t.Fatalf("Watch of the upgraded table = %v, %v, want the new set", ev.Change, err)
	}
	// A second store opens the upgraded table as it is.
	if _, err := mysqlstore.New[storetest.Item](ctx, db, mysqlstore.WithTable(table), mysqlstore.WithoutCreate()); err != nil {
		t.Fatalf("New with WithoutCreate on the upgraded table: %v", err)
	}
}

// TestCursorOfAnotherTable watches a table from a cursor of another, which
// must expire, not read the other's revisions as its own.
func TestCursorOfAnotherTable(t *testing.T) {
	a, b := newStore(t), newStore(t)
	save(t, a, set("ns", "k", "a", "1", at(1)))
	save(t, b, set("ns", "k", "b", "1", at(1)))
	_, c, err := a.Snapshot(context.Background(), "ns")
	if err != nil {
		t.Fatal(err)
	}
	if err := firstError(b, c); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch of table b from a cursor of table a = %v, want ErrCursorExpired", err)
	}
	if err := firstError(a, unionstore.Cursor(strings.Replace(string(c), "-1", "-7", 1))); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch from a cursor beyond the last revision = %v, want ErrCursorExpired", err)
	}
}
