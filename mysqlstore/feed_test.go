package mysqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestWatchMissesNoCommit has writers on several pools, standing for
// several processes, save while a watcher on a pool of its own polls
// every millisecond: see [storetest.WatchUnderWriters]. Revisions that
// committed out of their order (taken outside the batch's transaction, or
// from an AUTO_INCREMENT) would make it miss changes.
func TestWatchMissesNoCommit(t *testing.T) {
	table := newTable(t)
	stores := make([]unionstore.Store[storetest.Item], 3)
	for p := range stores {
		stores[p] = newStoreOn(t, newDB(t), table)
	}
	w := newStoreOn(t, newDB(t), table, mysqlstore.WithPollInterval(time.Millisecond))
	storetest.WatchUnderWriters(t, stores, w, 12, 30)
}

func TestPurgeTombstonesExpiresOlderCursors(t *testing.T) {
	storetest.PurgeExpiresOlderCursors(t, newStore(t))
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
	_, c := storetest.Snapshot(t, a, "ns")
	if err := firstError(b, c); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch of table b from a cursor of table a = %v, want ErrCursorExpired", err)
	}
	if err := firstError(a, unionstore.Cursor(strings.Replace(string(c), "-1", "-7", 1))); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch from a cursor beyond the last revision = %v, want ErrCursorExpired", err)
	}
}
