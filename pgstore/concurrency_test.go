package pgstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestConcurrentWritersKeepTheLatest has many goroutines on several pools,
// standing for several processes, save random batches of overlapping keys
// with many equal timestamps, then compares the table with a model: each
// identity must hold a change with the latest timestamp saved for it, and
// one that won its own batch. Which of several tied batches wins depends on
// commit order, so any of them is accepted. It runs once for each way Save
// sends a batch to the server, on a table with the change feed and on one
// without, whose statements differ.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	forEachSavePath(t, func(t *testing.T) {
		for _, layout := range []struct {
			name string
			opts []pgstore.Option
		}{{"with the change feed", nil}, {"without the change feed", []pgstore.Option{pgstore.WithoutChangeFeed()}}} {
			t.Run(layout.name, func(t *testing.T) { testConcurrentWritersKeepTheLatest(t, layout.opts...) })
		}
	})
}

func testConcurrentWritersKeepTheLatest(t *testing.T, opts ...pgstore.Option) {
	const pools = 3
	table := newTable(t)
	stores := make([]unionstore.Store[storetest.Item], pools)
	for p := range stores {
		stores[p] = newStoreOn(t, newPool(t, ""), table, opts...)
	}
	writes := storetest.Writes{Writers: pools * 4, SavesPerWriter: 25, MaxBatch: 20, IDs: 30, Timestamps: 200, Namespaces: []string{"a", "b"}, Seed: 1}
	for _, d := range storetest.ConcurrentWriters(t, stores, stores[0], writes) {
		t.Error(d)
	}
}
