package s3store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// TestConcurrentWritersMatchModel runs writers on one prefix, each through
// its own store and client, with compactions on their own and started by
// saves, and readers checking that nothing acknowledged ever goes missing
// or older. At the end the store must hold what a naive model holds: the
// latest change of each entity of every acknowledged batch.
func TestConcurrentWritersMatchModel(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	base, _ := f.newStore(t, s3store.WithMaxSegments(0))
	const writers, batches, entities = 4, 25, 40
	if testing.Short() {
		t.Skip("-short")
	}

	var (
		mu    sync.Mutex
		acked = map[string]unionstore.Change[storetest.Item]{} // id: latest acknowledged change
		all   unionstore.Changes[storetest.Item]
	)
	snapshot := func() map[string]unionstore.Change[storetest.Item] {
		mu.Lock()
		defer mu.Unlock()
		m := make(map[string]unionstore.Change[storetest.Item], len(acked))
		for k, v := range acked {
			m[k] = v
		}
		return m
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range writers {
		s := f.reopen(t, base, s3store.WithMaxSegments(3))
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for b := range batches {
				var in unionstore.Changes[storetest.Item]
				for range 1 + r.IntN(8) {
					// Unique timestamps: the model needs no tie-break.
					c := item("ns", fmt.Sprint(r.IntN(entities)), (b*writers+w)*100+len(in))
					c.Entity.Value = fmt.Sprintf("w%d b%d", w, b)
					if r.IntN(4) == 0 {
						c.ChangeType = unionstore.ChangeTypeUnset
					}
					in = append(in, c)
				}
				if err := s.Save(ctx, in); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				mu.Lock()
				all = append(all, in...)
				for _, c := range unionstore.Compact(in) {
					if old, ok := acked[c.Entity.ID]; !ok || c.Timestamp.After(old.Timestamp) {
						acked[c.Entity.ID] = c
					}
				}
				mu.Unlock()
			}
		})
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	compactor := f.reopen(t, base)
	bg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if err := compactor.Compact(ctx, "ns"); err != nil {
				errs <- fmt.Errorf("compactor: %w", err)
				return
			}
		}
	})
	reader := f.reopen(t, base, s3store.WithMaxSegments(0))
	bg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			before := snapshot()
			got, err := reader.Load(ctx, "ns")
			if err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
			byID := map[string]unionstore.Change[storetest.Item]{}
			for _, c := range got {
				byID[c.Entity.ID] = c
			}
			for id, want := range before {
				if c, ok := byID[id]; !ok || c.Timestamp.Before(want.Timestamp) {
					errs <- fmt.Errorf("reader: entity %s = %s, older than the acknowledged %s", id, describe(c), describe(want))
					return
				}
			}
		}
	})
	wg.Wait()
	close(stop)
	bg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	expectLoad(t, reader, "ns", all)
	got, err := reader.Namespaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want unionstore.NamespaceStat
	want.Namespace = "ns"
	for _, c := range unionstore.Compact(all) {
		if c.ChangeType == unionstore.ChangeTypeUnset {
			want.Tombstones++
		} else {
			want.Entities++
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("Namespaces = %+v, want [%+v]", got, want)
	}
}
