package pebblestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

func openFeedStore(t *testing.T, opts ...Option) *Store[storetest.Item] {
	t.Helper()
	s, err := Open[storetest.Item](filepath.Join(t.TempDir(), "feed"), opts...)
	return storetest.Closing(t, "Open", s, err)
}

func cursorNow(t *testing.T, s *Store[storetest.Item]) unionstore.Cursor {
	t.Helper()
	_, c := storetest.Snapshot(t, s, "ns")
	return c
}

// watchFrom reads events of ns after cursor until it has read n of them
// or the watch fails, and returns them with the error.
func watchFrom(t *testing.T, s *Store[storetest.Item], cursor unionstore.Cursor, n int) ([]unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	return storetest.WatchEvents(s, "ns", cursor, n, 10*time.Second)
}

// feedEntries counts the feed entries of ns and the changes they hold,
// the slots that a trim emptied left out.
func feedEntries(t *testing.T, s *Store[storetest.Item], ns string) (entries, changes int) {
	t.Helper()
	lower, upper := feedBounds(ns, 0)
	it, err := s.d.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		t.Fatal(err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		entries++
		k := it.Key()
		err := eachSlot(it.Value(), binary.BigEndian.Uint64(k[len(k)-revisionSize:]), func(_ uint64, identity []byte) bool {
			if identity != nil {
				changes++
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return entries, changes
}

// TestWatchDeliversTheWinner saves a change that loses to the stored one:
// it has a feed entry, since Save does not read, and the watch delivers
// the winner for it, never the change that lost.
func TestWatchDeliversTheWinner(t *testing.T) {
	s := openFeedStore(t)
	storetest.Save(t, s, storetest.Change("a", "winner", 10, false))
	c := cursorNow(t, s)
	storetest.Save(t, s, storetest.Change("a", "loser", 5, false))
	storetest.Save(t, s, storetest.Change("b", "next", 1, false))
	evs, err := watchFrom(t, s, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := evs[0].Change.Entity.Value; got != "winner" {
		t.Fatalf("the event of the losing change holds %q, want the winner", got)
	}
	if got := evs[1].Change.Entity.Value; got != "next" {
		t.Fatalf("the next event holds %q, want next", got)
	}
}

// TestRevisionsReachTheLogInOrder saves from many goroutines at once while
// a watch runs from the start: it must deliver every identity, which it
// would not if a batch of a higher revision could be synced, and read,
// before one of a lower revision was applied.
func TestRevisionsReachTheLogInOrder(t *testing.T) {
	s := openFeedStore(t)
	c := cursorNow(t, s)
	const writers, each = 8, 150
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := make(map[string]bool)
	done := make(chan error, 1)
	go func() {
		for ev, err := range s.Watch(ctx, "ns", c) {
			if err != nil {
				done <- err
				return
			}
			if seen[ev.Change.Entity.ID] = true; len(seen) == writers*each {
				break
			}
		}
		done <- nil
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := s.Save(ctx, unionstore.Changes[storetest.Item]{storetest.Change(fmt.Sprint(w, "-", i), "v", i, false)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("the watch saw %d of %d identities: %v", len(seen), writers*each, err)
	}
}

// TestFeedIsTrimmed saves each of a few identities many times, and a few
// others once: the trimmer empties the slots that later ones supersede
// and deletes the entries left empty, so the feed stays near the number
// of identities, and a watch from before still converges on what Load
// returns, the identities saved once included.
func TestFeedIsTrimmed(t *testing.T) {
	ctx := context.Background()
	s := openFeedStore(t, WithNoSync())
	c := cursorNow(t, s)
	const ids, rounds = 50, 3 * trimMin / 50
	for r := range rounds {
		batch := make(unionstore.Changes[storetest.Item], ids)
		for i := range batch {
			batch[i] = storetest.Change(fmt.Sprint("e", i), fmt.Sprint(r), r, r%7 == 6)
		}
		if r == 0 {
			// Identities saved once, in the entry of the first batch,
			// whose other slots a trim empties: it keeps these.
			for i := range ids {
				batch = append(batch, storetest.Change(fmt.Sprint("once", i), "v", 0, false))
			}
		}
		if err := s.Save(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		entries, changes := feedEntries(t, s, "ns")
		if changes <= 2*trimMin && entries <= 2*trimMin/ids {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d changes in %d feed entries for %d identities after %d saves in %d batches, want at most %d and %d", changes, entries, ids, ids*rounds, rounds, 2*trimMin, 2*trimMin/ids)
		}
		time.Sleep(10 * time.Millisecond)
	}
	want, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	model := unionstore.NewMemory[storetest.Item]()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for ev, err := range s.Watch(wctx, "ns", c) {
		if err != nil {
			t.Fatal(err)
		}
		if err := model.Save(ctx, unionstore.Changes[storetest.Item]{ev.Change}); err != nil {
			t.Fatal(err)
		}
		if got, _ := model.Load(ctx, "ns"); fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
	}
}

// TestPurgeTombstonesExpiresCursors removes a tombstone: the store does
// not know the revisions of the records it removes, so every cursor taken
// before expires, and a snapshot taken after goes on with the next change.
func TestPurgeTombstonesExpiresCursors(t *testing.T) {
	ctx := context.Background()
	s := openFeedStore(t)
	storetest.Save(t, s, storetest.Change("a", "1", 1, false))
	before := cursorNow(t, s)
	storetest.Save(t, s, storetest.Change("a", "1", 2, true))
	upToDate := cursorNow(t, s)
	if n, err := s.PurgeTombstones(ctx, "ns", time.Unix(1_700_000_010, 0)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones = %d, %v; want 1", n, err)
	}
	after := cursorNow(t, s)
	storetest.Save(t, s, storetest.Change("c", "3", 4, false))
	for _, c := range []unionstore.Cursor{before, upToDate} {
		if _, err := watchFrom(t, s, c, 1); !errors.Is(err, unionstore.ErrCursorExpired) {
			t.Fatalf("Watch from %q, before the purge = %v, want ErrCursorExpired", c, err)
		}
	}
	evs, err := watchFrom(t, s, after, 1)
	if err != nil || evs[0].Change.Entity.ID != "c" {
		t.Fatalf("Watch from after the purge = %v, %v; want c", evs, err)
	}
	if _, n := feedEntries(t, s, "ns"); n != 1 {
		t.Fatalf("%d feed entries after the purge and one save, want 1", n)
	}
}

// TestWatchReadsPastAPage watches a batch of more changes than one read
// takes, whose feed entry a page therefore ends inside, and the single
// changes after it: every one of them comes, in order, once.
func TestWatchReadsPastAPage(t *testing.T) {
	s := openFeedStore(t, WithNoSync())
	c := cursorNow(t, s)
	const big, small = 3*watchPage + 17, 5
	batch := make(unionstore.Changes[storetest.Item], big)
	for i := range batch {
		batch[i] = storetest.Change(fmt.Sprintf("e%04d", i), "v", i, false)
	}
	if err := s.Save(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	for i := big; i < big+small; i++ {
		storetest.Save(t, s, storetest.Change(fmt.Sprintf("e%04d", i), "v", i, false))
	}
	evs, err := watchFrom(t, s, c, big+small)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if want := fmt.Sprintf("e%04d", i); ev.Change.Entity.ID != want {
			t.Fatalf("event %d is %s, want %s", i, ev.Change.Entity.ID, want)
		}
	}
}
