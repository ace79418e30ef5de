package natsstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
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

// concurrentRun has writers on several connections, each with its own
// store on one stream, save random batches of overlapping identities with
// random, often equal timestamps, then compares the stream with a model:
// each identity must hold a change with the latest timestamp saved for it,
// one that won its own batch (which of several tied batches wins depends
// on the order of publishing). It returns the differences found.
func concurrentRun(t *testing.T, seed uint64) []string {
	const (
		conns, writersPerConn, savesPerWriter, maxBatch = 3, 3, 20, 100
		ids, timestamps                                 = 40, 300
	)
	js := sharedJS(t)
	stream := newStreamName(t, js)
	rng := rand.New(rand.NewPCG(seed, 2))
	// Generate every batch up front, so that the model does not depend on
	// the schedule. Some batches are large enough to read their state in
	// one pass over the namespace, the others read it by point reads.
	batches := make([][]unionstore.Changes[storetest.Item], conns*writersPerConn)
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
	stores := make([]*natsstore.Store[storetest.Item], conns)
	for c := range stores {
		var cjs jetstream.JetStream = js
		if c > 0 {
			cjs = connect(t, serverURL())
		}
		stores[c] = newStoreOn(t, cjs, stream)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(batches))
	for w := range batches {
		wg.Go(func() {
			s := stores[w%conns]
			for _, b := range batches[w] {
				if err := s.Save(context.Background(), b); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
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
	var diffs []string
	if len(got) != len(candidates) {
		diffs = append(diffs, fmt.Sprintf("stream holds %d identities, want %d", len(got), len(candidates)))
	}
	for k, want := range candidates {
		c, ok := got[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%v: missing", k))
			continue
		}
		found := false
		for _, w := range want {
			found = found || (w.ChangeType == c.ChangeType && w.Entity == c.Entity && w.Timestamp.Equal(c.Timestamp))
		}
		if !found {
			diffs = append(diffs, fmt.Sprintf("%v = %s %+v at %d, want one of %v", k, c.ChangeType, c.Entity, c.Timestamp.UnixNano(), want))
		}
	}
	return diffs
}

// TestConcurrentWritersKeepTheLatest checks concurrent writers against
// the model.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	for _, d := range concurrentRun(t, 1) {
		t.Error(d)
	}
}

// TestConcurrentWritersNeedTheSequenceCheck shows that the model test can
// fail: without the expected-sequence check, a change read as current and
// then overtaken by another writer's newer one replaces it. Races are
// random, so it runs up to five rounds and requires a difference in one.
func TestConcurrentWritersNeedTheSequenceCheck(t *testing.T) {
	defer natsstore.SetWithoutSequenceCheck(true)()
	for round := range 5 {
		if diffs := concurrentRun(t, uint64(round+10)); len(diffs) > 0 {
			t.Logf("round %d: %d identities lost their latest change, as expected without the check; first: %s", round, len(diffs), diffs[0])
			return
		}
	}
	t.Fatal("five rounds without the expected-sequence check kept every latest change: the model test cannot tell the check is missing")
}
