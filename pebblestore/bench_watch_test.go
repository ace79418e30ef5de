package pebblestore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch is [storetest.BenchmarkWatch]: it saves b.N single-change
// batches while a Watch of their namespace runs, and reports the delivery
// latency from Save returning to the event arriving (p50-µs, p99-µs; 0 when the
// event came first, as it may: watchers are woken when the sync returns, a
// moment before Save does) and the events per second, from the first save
// to the last event. Beside it, the same for pebble's own feed, the
// ceiling: synced batches of one key each, and an iterator over the keys
// after the last one read, woken the same way (raw-p50-µs, raw-p99-µs,
// raw-events/s).
func BenchmarkWatch(b *testing.B) { storetest.BenchmarkWatch(b, open(b), rawPebbleFeed) }

// rawPebbleFeed commits n synced batches of one key each to a fresh pebble
// database while a reader, woken after each commit, reads the keys after
// the last it read with an iterator: pebble's own feed, run by
// [storetest.KeyFeed].
func rawPebbleFeed(b *testing.B, n int) (returned, arrived []time.Time, elapsed time.Duration) {
	db, err := pebble.Open(filepath.Join(b.TempDir(), "raw"), &pebble.Options{Logger: quiet{}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	put := func(key, value []byte) error { return db.Set(key, value, pebble.Sync) }
	read := func(from []byte, arrive func(key []byte)) error {
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: from})
		if err != nil {
			return err
		}
		for ok := it.First(); ok; ok = it.Next() {
			arrive(it.Key())
		}
		return it.Close()
	}
	return storetest.KeyFeed(b, n, put, read)
}
