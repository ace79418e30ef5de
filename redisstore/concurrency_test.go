package redisstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// concurrentWrites has writers on several clients save random batches of
// overlapping identities with many equal timestamps to one prefix, and
// returns how the prefix then differs from the model.
func concurrentWrites(t *testing.T, seed uint64) []string {
	const clients = 3
	prefix := newPrefix(t)
	stores := make([]unionstore.Store[storetest.Item], clients)
	for i := range stores {
		// Small chunks are not an option; small pages read the result
		// across many pages.
		stores[i] = newStoreOn(t, newClient(t), prefix, redisstore.WithPageSize(7))
	}
	writes := storetest.Writes{Writers: clients * 4, SavesPerWriter: 25, MaxBatch: 20, IDs: 30, Timestamps: 200, Namespaces: []string{"a", "b", "c:{d}"}, Seed: seed}
	return storetest.ConcurrentWriters(t, stores, stores[0], writes)
}

// TestConcurrentWritersKeepTheLatest compares the prefix with the model
// after concurrent writers: each identity must hold a change with the
// latest timestamp saved for it, one that won its own batch.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	for _, d := range concurrentWrites(t, 1) {
		t.Error(d)
	}
}

// TestConcurrentWritersCatchAMissingCheck runs the same writers with a put
// script that replaces records whatever their timestamp, and expects the
// model to find differences: the test above can fail.
func TestConcurrentWritersCatchAMissingCheck(t *testing.T) {
	adminClient(t)
	defer redisstore.WithoutTimestampCheck()()
	storetest.ExpectDifferences(t, "the timestamp check", 1, func(int) []string { return concurrentWrites(t, 1) })
}
