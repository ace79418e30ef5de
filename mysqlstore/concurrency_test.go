package mysqlstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestConcurrentWritersKeepTheLatest has many goroutines on several pools,
// standing for several processes, save random batches of overlapping keys
// with many equal timestamps, then compares the table with a model: each
// identity must hold a change with the latest timestamp saved for it, and
// one that won its own batch. Which of several tied batches wins depends on
// the order the server runs them in, so any of them is accepted.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	const pools = 3
	table := newTable(t)
	stores := make([]unionstore.Store[storetest.Item], pools)
	for p := range stores {
		stores[p] = newStoreOn(t, newDB(t), table)
	}
	writes := storetest.Writes{Writers: pools * 4, SavesPerWriter: 25, MaxBatch: 20, IDs: 30, Timestamps: 200,
		Namespaces: []string{"a", "b"}, Seed: 1}
	for _, d := range storetest.ConcurrentWriters(t, stores, stores[0], writes) {
		t.Error(d)
	}
}
