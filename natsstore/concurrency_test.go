package natsstore_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// concurrentRun has writers on several connections, each with its own
// store on one stream, save random batches of overlapping identities with
// random, often equal timestamps, then compares the stream with a model:
// each identity must hold a change with the latest timestamp saved for it,
// one that won its own batch (which of several tied batches wins depends
// on the order of publishing). Some batches are large enough to read their
// state in one pass over the namespace, the others read it by point reads.
// It returns the differences found.
func concurrentRun(t *testing.T, seed uint64) []string {
	const conns = 3
	js := sharedJS(t)
	stream := newStreamName(t, js)
	stores := make([]unionstore.Store[storetest.Item], conns)
	for c := range stores {
		var cjs jetstream.JetStream = js
		if c > 0 {
			cjs = connect(t, serverURL())
		}
		stores[c] = newStoreOn(t, cjs, stream)
	}
	writes := storetest.Writes{Writers: conns * 3, SavesPerWriter: 20, MaxBatch: 100, IDs: 40, Timestamps: 300, Namespaces: []string{"a", "b"}, Seed: seed}
	return storetest.ConcurrentWriters(t, stores, stores[0], writes)
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
	storetest.ExpectDifferences(t, "the expected-sequence check", 5, func(round int) []string {
		return concurrentRun(t, uint64(round+10))
	})
}
