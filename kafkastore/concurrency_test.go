package kafkastore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
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

// TestConcurrentWritersKeepTheLatest has many goroutines on several stores,
// each with its own client, standing for several processes, save random
// batches of overlapping keys with many equal timestamps to one topic, then
// compares Load, Scan and Get of a fresh store with a model: each identity
// must hold a change with the latest timestamp saved for it, one that won
// its own batch. Which of several tied batches wins depends on the order
// the records reached the partition, so any of them is accepted.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	const (
		stores, writersPerStore, savesPerWriter, maxBatch = 3, 4, 15, 20
		ids, timestamps                                   = 30, 200
	)
	topic := newTopic(t)
	rng := rand.New(rand.NewPCG(1, 2))
	batches := make([][]unionstore.Changes[storetest.Item], stores*writersPerStore)
	for w := range batches {
		for s := 0; s < savesPerWriter; s++ {
			batch := make(unionstore.Changes[storetest.Item], 1+rng.IntN(maxBatch))
			for i := range batch {
				c := set([]string{"a", "b", "c"}[rng.IntN(3)], "k", fmt.Sprint(rng.IntN(ids)), fmt.Sprintf("w%d-s%d-c%d", w, s, i), at(rng.IntN(timestamps)))
				if rng.IntN(4) == 0 {
					c.ChangeType = unionstore.ChangeTypeUnset
				}
				batch[i] = c
			}
			batches[w] = append(batches[w], batch)
		}
	}
	ss := make([]*kafkastore.Store[storetest.Item], stores)
	for i := range ss {
		ss[i] = open(t, topic, kafkastore.WithPartitions(2))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(batches))
	for w := range batches {
		wg.Go(func() {
			for _, b := range batches[w] {
				if err := ss[w%stores].Save(context.Background(), b); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

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
	reader := open(t, topic, kafkastore.WithoutCreate(), kafkastore.WithSpillThreshold(1<<10))
	got := map[key]unionstore.Change[storetest.Item]{}
	for _, ns := range []string{"a", "b", "c"} {
		loaded := load(t, reader, ns)
		var scanned unionstore.Changes[storetest.Item]
		for c, err := range reader.Scan(context.Background(), ns) {
			if err != nil {
				t.Fatalf("Scan(%q): %v", ns, err)
			}
			scanned = append(scanned, c)
		}
		if a, b := describe(loaded), describe(scanned); fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("Scan(%q) = %v, Load = %v", ns, b, a)
		}
		for _, c := range loaded {
			got[keyOf(c)] = c
		}
	}
	if len(got) != len(candidates) {
		t.Errorf("topic holds %d identities, want %d", len(got), len(candidates))
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
			t.Errorf("%v = %s %+v at %d, want one of %v", k, c.ChangeType, c.Entity, c.Timestamp.UnixNano(), describe(want))
		}
		g, ok, err := reader.Get(context.Background(), k.ns, k.kind, k.id)
		if err != nil || !ok || describe(unionstore.Changes[storetest.Item]{g})[0] != describe(unionstore.Changes[storetest.Item]{c})[0] {
			t.Errorf("Get%v = %v, %v, %v; Load gave %v", k, describe(unionstore.Changes[storetest.Item]{g}), ok, err, describe(unionstore.Changes[storetest.Item]{c}))
		}
	}
	t.Logf("%d identities, %d decided between tied saves", len(candidates), ties)
}
