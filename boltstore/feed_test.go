package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

func openFeedStore(t *testing.T) *Store[storetest.Item] {
	t.Helper()
	s, err := Open[storetest.Item](filepath.Join(t.TempDir(), "feed.db"), WithNoSync())
	return storetest.Closing(t, "Open", s, err)
}

// checkFeed requires the feed of ns to hold exactly one entry per record,
// naming the record, with the record's revision, and none above the
// namespace's revision.
func checkFeed(t *testing.T, s *Store[storetest.Item], ns string) {
	t.Helper()
	err := driverOf(s).db.View(func(tx *bolt.Tx) error {
		records, feed := namespaceBucket(tx, ns), feedOf(tx, ns)
		revs := revisionsOf(tx, ns)
		nRecords, nEntries := 0, 0
		if records != nil {
			nRecords = records.Stats().KeyN
		}
		if feed == nil {
			if nRecords != 0 {
				return fmt.Errorf("%d records and no feed", nRecords)
			}
			return nil
		}
		err := feed.ForEach(func(k, v []byte) error {
			var serr error
			live := false
			err := eachSlot(v, binary.BigEndian.Uint64(k), func(rev uint64, key []byte) bool {
				if len(key) == 0 {
					return true
				}
				live = true
				nEntries++
				if rev > revs.rev {
					serr = fmt.Errorf("feed slot %d above the namespace's revision %d", rev, revs.rev)
					return false
				}
				h, err := decodeHeader(records.Get(key))
				if err != nil || h.rev != rev {
					serr = fmt.Errorf("feed slot %d names %q, whose record has revision %d (%v)", rev, key, h.rev, err)
					return false
				}
				return true
			})
			if err == nil {
				err = serr
			}
			if err == nil && !live {
				err = fmt.Errorf("feed chunk %x holds no slot, and was not deleted", k)
			}
			return err
		})
		if err == nil && nEntries != nRecords {
			err = fmt.Errorf("%d feed slots for %d records", nEntries, nRecords)
		}
		return err
	})
	if err != nil {
		t.Fatalf("feed of %q: %v", ns, err)
	}
}

// TestFeedHoldsOneEntryPerRecord saves random changes, many of which
// replace, lose to, or delete earlier ones, in batches of up to a few
// chunks, and purges tombstones: the feed stays one slot per record, so
// that it is bounded by the namespace, each slot names a record of its
// revision, and no chunk is left without a slot.
func TestFeedHoldsOneEntryPerRecord(t *testing.T) {
	ctx := context.Background()
	s := openFeedStore(t)
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 40 {
		// Batches of up to a few chunks, over identities that each save
		// likely meets again.
		batch := make(unionstore.Changes[storetest.Item], 1+r.IntN(3*chunkSlots))
		for i := range batch {
			batch[i] = storetest.Change(fmt.Sprint("e", r.IntN(200)), fmt.Sprint(round, "-", i), r.IntN(100), r.IntN(4) == 0)
		}
		if err := s.Save(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if round%10 == 9 {
			if _, err := s.PurgeTombstones(ctx, "ns", time.Unix(1_700_000_050, 0)); err != nil {
				t.Fatal(err)
			}
		}
		checkFeed(t, s, "ns")
	}
}

// watchFrom reads events of ns after cursor until it has read n of them
// or the watch fails, and returns them with the error.
func watchFrom(t *testing.T, s *Store[storetest.Item], cursor unionstore.Cursor, n int) ([]unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	return storetest.WatchEvents(s, "ns", cursor, n, 10*time.Second)
}

// TestWatchReadsPastAPage watches more changes than one read transaction
// reads, saved in one batch, whose chunks a page may end inside, and then
// one at a time, and requires every one of them, in order, once.
func TestWatchReadsPastAPage(t *testing.T) {
	ctx := context.Background()
	s := openFeedStore(t)
	_, c, err := s.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	const big, n = 3*watchPage + 17, 4*watchPage + 40
	batch := make(unionstore.Changes[storetest.Item], big)
	for i := range batch {
		batch[i] = storetest.Change(fmt.Sprintf("e%04d", i), "v", i, false)
	}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for i := big; i < n; i++ {
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{storetest.Change(fmt.Sprintf("e%04d", i), "v", i, false)}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := watchFrom(t, s, c, n)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if want := fmt.Sprintf("e%04d", i); ev.Change.Entity.ID != want {
			t.Fatalf("event %d is %s, want %s", i, ev.Change.Entity.ID, want)
		}
	}
}

// TestPurgeTombstonesExpiresCursorsBehindIt: see
// [storetest.PurgeExpiresOlderCursors].
func TestPurgeTombstonesExpiresCursorsBehindIt(t *testing.T) {
	storetest.PurgeExpiresOlderCursors(t, openFeedStore(t))
}

// TestWatchMissesNoCommit has writers save through one store, whose
// group commit puts batches of several of them in one transaction, while
// a watcher of the same store reads the feed: see
// [storetest.WatchUnderWriters].
func TestWatchMissesNoCommit(t *testing.T) {
	s := openFeedStore(t)
	storetest.WatchUnderWriters(t, []unionstore.Store[storetest.Item]{s}, s, 8, 100)
}
