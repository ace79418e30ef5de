package kafkastore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// TestConcurrentWritersKeepTheLatest has many goroutines on several stores,
// each with its own client, standing for several processes, save random
// batches of overlapping keys with many equal timestamps to one topic, then
// compares Load, Scan and Get of a fresh store, which spills to disk, with
// a model: each identity must hold a change with the latest timestamp saved
// for it, one that won its own batch. Which of several tied batches wins
// depends on the order the records reached the partition, so any of them
// is accepted.
func TestConcurrentWritersKeepTheLatest(t *testing.T) {
	const stores = 3
	topic := newTopic(t)
	ss := make([]unionstore.Store[storetest.Item], stores)
	for i := range ss {
		ss[i] = open(t, topic, kafkastore.WithPartitions(2))
	}
	reader := open(t, topic, kafkastore.WithoutCreate(), kafkastore.WithSpillThreshold(1<<10))
	writes := storetest.Writes{Writers: stores * 4, SavesPerWriter: 15, MaxBatch: 20, IDs: 30, Timestamps: 200, Namespaces: []string{"a", "b", "c"}, Seed: 1}
	for _, d := range storetest.ConcurrentWriters(t, ss, reader, writes) {
		t.Error(d)
	}
}
