package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// WatchUnderWriters has writers goroutines save saves batches each
// through stores (writer w through the store w modulo their number:
// stores of one database opened apart stand for several processes) while
// watcher watches namespace "ns" from the cursor of its snapshot. Every
// batch holds a new identity of "ns", and one batch in three a change of
// namespace "other" too, so that a batch takes the feed positions of two
// namespaces. No change supersedes another, so the watcher must see every
// one: a feed that numbered changes out of the order of their commits
// would let it read past a change that commits later and miss it for
// good. It fails the test naming what the watcher missed.
func WatchUnderWriters(t *testing.T, stores []unionstore.Store[Item], watcher unionstore.Watcher[Item], writers, saves int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, cursor, err := watcher.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	done := make(chan error, 1)
	go func() {
		for ev, err := range watcher.Watch(ctx, "ns", cursor) {
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

	id := func(w, i int) string { return fmt.Sprintf("w%d-%d", w, i) }
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 3))
			s := stores[w%len(stores)]
			for i := range saves {
				c := unionstore.Changes[Item]{set("ns", "k", id(w, i), "v", at(i))}
				if r.IntN(3) == 0 {
					c = append(c, set("other", "k", id(w, i), "v", at(i)))
				}
				if err := s.Save(context.Background(), c); err != nil {
					t.Errorf("writer %d: %v", w, err)
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
		for w := range writers {
			for i := range saves {
				if !seen[id(w, i)] {
					out = append(out, id(w, i))
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

// PurgingStore is a store with a change feed whose tombstones can be
// purged, for [PurgeExpiresOlderCursors].
type PurgingStore interface {
	WatchStore
	unionstore.TombstonePurger
}

// PurgeExpiresOlderCursors purges a tombstone of namespace "ns" of s and
// requires that a cursor from before the tombstone expire, since its
// watcher could not learn of the deletion, while the cursor of the
// namespace's state at the purge goes on; a purge that removes nothing
// expires nothing. It suits a feed that expires the cursors older than a
// purge that removed something; a feed that can still deliver the
// deletion need not.
func PurgeExpiresOlderCursors(t *testing.T, s PurgingStore) {
	t.Helper()
	ctx := context.Background()
	cursor := func() unionstore.Cursor {
		t.Helper()
		_, c, err := s.Snapshot(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := func(c unionstore.Cursor) (unionstore.WatchEvent[Item], error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		for ev, err := range s.Watch(ctx, "ns", c) {
			return ev, err
		}
		return unionstore.WatchEvent[Item]{}, errors.New("the watch ended without an error")
	}
	save(t, s, set("ns", "k", "a", "1", at(1)))
	beforeTombstone := cursor()
	save(t, s, unset("ns", "k", "a", at(2)), set("ns", "k", "b", "1", at(3)))
	upToDate := cursor()
	if n, err := s.PurgeTombstones(ctx, "ns", at(2)); err != nil || n != 0 {
		t.Fatalf("PurgeTombstones before the tombstone = %d, %v, want 0, nil", n, err)
	}
	if ev, err := first(beforeTombstone); err != nil || ev.Change.Entity.ID != "a" || ev.Change.ChangeType != unionstore.ChangeTypeUnset {
		t.Errorf("Watch after a purge that removed nothing = %v, %v, want the unset of a", ev.Change, err)
	}
	if n, err := s.PurgeTombstones(ctx, "ns", at(10)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones = %d, %v, want 1, nil", n, err)
	}
	if ev, err := first(beforeTombstone); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Errorf("Watch from before a purged tombstone = %v, %v, want ErrCursorExpired", ev.Change, err)
	}
	save(t, s, set("ns", "k", "c", "1", at(4)))
	if ev, err := first(upToDate); err != nil || ev.Change.Entity.ID != "c" {
		t.Errorf("Watch from the cursor of the state at the purge = %v, %v, want the set of c", ev.Change, err)
	}
}
