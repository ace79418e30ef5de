package pgstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

type key struct{ ns, kind, id string }

func keyOf(c unionstore.Change[storetest.Item]) key {
	ns, kind, id := c.Key()
	return key{ns, kind, id}
}

// naiveWinners returns, per identity, the change of batch that a store must
// keep from it: the latest timestamp, the later change on a tie.
func naiveWinners(batch unionstore.Changes[storetest.Item]) map[key]unionstore.Change[storetest.Item] {
	out := map[key]unionstore.Change[storetest.Item]{}
	for _, c := range batch {
		if old, ok := out[keyOf(c)]; ok && c.Timestamp.Before(old.Timestamp) {
			continue
		}
		out[keyOf(c)] = c
	}
	return out
}

// TestConcurrentWritersKeepTheLatest has many goroutines on several pools,
// standing for several processes, save random batches of overlapping keys
// with many equal timestamps, then compares the table with a model: each
// identity must hold a change with the latest timestamp saved for it, and
// one that won its own batch. Which of several tied batches wins depends on
// commit order, so any of them is accepted. It runs once for each way Save
// sends a batch to the server.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	forEachSavePath(t, testConcurrentWritersKeepTheLatest)
}

func testConcurrentWritersKeepTheLatest(t *testing.T) {
	const (
		pools, writersPerPool, savesPerWriter, maxBatch = 3, 4, 25, 20
		ids, timestamps                                 = 30, 200
	)
	table := newTable(t)
	rng := rand.New(rand.NewPCG(1, 2))
	// Generate every batch up front, so that the model does not depend on
	// the schedule.
	batches := make([][]unionstore.Changes[storetest.Item], pools*writersPerPool)
	for w := range batches {
		for s := 0; s < savesPerWriter; s++ {
			n := 1 + rng.IntN(maxBatch)
			batch := make(unionstore.Changes[storetest.Item], n)
			for i := range batch {
				c := set([]string{"a", "b"}[rng.IntN(2)], "k", fmt.Sprint(rng.IntN(ids)), fmt.Sprintf("w%d-s%d-c%d", w, s, i), at(rng.IntN(timestamps)))
				if rng.IntN(4) == 0 {
					c.ChangeType = unionstore.ChangeTypeUnset
				}
				batch[i] = c
			}
			batches[w] = append(batches[w], batch)
		}
	}

	stores := make([]*pgstore.Store[storetest.Item], pools)
	for p := range stores {
		stores[p] = newStoreOn(t, newPool(t, ""), table)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(batches))
	for w := range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%pools]
			for _, b := range batches[w] {
				if err := s.Save(context.Background(), b); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// candidates[k] holds the batch winners with the latest timestamp.
	candidates := map[key][]unionstore.Change[storetest.Item]{}
	for _, ws := range batches {
		for _, b := range ws {
			for k, c := range naiveWinners(b) {
				cur := candidates[k]
				switch {
				case len(cur) == 0 || c.Timestamp.After(cur[0].Timestamp):
					candidates[k] = []unionstore.Change[storetest.Item]{c}
				case c.Timestamp.Equal(cur[0].Timestamp):
					candidates[k] = append(cur, c)
				}
			}
		}
	}
	got := map[key]unionstore.Change[storetest.Item]{}
	for _, ns := range []string{"a", "b"} {
		changes, err := stores[0].Load(context.Background(), ns)
		if err != nil {
			t.Fatalf("Load(%q): %v", ns, err)
		}
		for _, c := range changes {
			got[keyOf(c)] = c
		}
	}
	if len(got) != len(candidates) {
		t.Errorf("table holds %d identities, want %d", len(got), len(candidates))
	}
	ties := 0
	for k, want := range candidates {
		if len(want) > 1 {
			ties++
		}
		c, ok := got[k]
		if !ok {
			t.Errorf("%v: missing", k)
			continue
		}
		found := false
		for _, w := range want {
			found = found || (w.ChangeType == c.ChangeType && w.Entity == c.Entity && w.Timestamp.Equal(c.Timestamp))
		}
		if !found {
			t.Errorf("%v = %s %+v at %d, want one of %v", k, c.ChangeType, c.Entity, c.Timestamp.UnixNano(), want)
		}
	}
	t.Logf("%d identities, %d decided between tied saves", len(candidates), ties)
}
