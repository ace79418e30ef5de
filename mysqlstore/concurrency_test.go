package mysqlstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestConcurrentWritersKeepTheLatest has many goroutines on several pools,
// standing for several processes, save random batches of overlapping keys
// with many equal timestamps, then compares the table with a model: each
// identity must hold a change with the latest timestamp saved for it, and
// one that won its own batch. Which of several tied batches wins depends on
// the order the server runs them in, so any of them is accepted. It runs
// with each batch one statement, and with batches split into statements of
// a few rows run in one transaction.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		packet int // 0 for the server's
	}{
		{"one statement a batch", 0},
		{"a transaction of statements of a few rows", 16<<10 + 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const pools = 3
			table := newTable(t)
			stores := make([]unionstore.Store[storetest.Item], pools)
			for p := range stores {
				s := newStoreOn(t, newDB(t), table)
				if tc.packet > 0 {
					mysqlstore.SetMaxPacket(s, tc.packet)
				}
				stores[p] = s
			}
			writes := storetest.Writes{Writers: pools * 4, SavesPerWriter: 25, MaxBatch: 20, IDs: 30, Timestamps: 200,
				Namespaces: []string{"a", "b"}, Seed: 1}
			for _, d := range storetest.ConcurrentWriters(t, stores, stores[0], writes) {
				t.Error(d)
			}
		})
	}
}
