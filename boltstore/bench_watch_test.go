package boltstore_test

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch is [storetest.BenchmarkWatch]: it saves b.N single-change
// batches while a Watch of their namespace runs, and reports the delivery
// latency from Save returning to the event arriving (p50-µs, p99-µs; 0 when the
// event came first, as it may: watchers are woken by the commit, a moment
// before Save returns) and the events per second, from the first save to
// the last event. Beside it, the same for bbolt's own feed, the ceiling:
// transactions that put one key each, and a reader that reads the new keys
// in a View, woken the same way (raw-p50-µs, raw-p99-µs, raw-events/s).
// Both files are synced, as by default.
func BenchmarkWatch(b *testing.B) { storetest.BenchmarkWatch(b, open(b), rawBoltFeed) }

// rawBoltFeed puts n keys in n synced transactions of a fresh bbolt file
// while a reader, woken after each commit, reads the keys after the last
// it read in a View: bbolt's own feed, run by [storetest.KeyFeed].
func rawBoltFeed(b *testing.B, n int) (returned, arrived []time.Time, elapsed time.Duration) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bucket := []byte("feed")
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
		b.Fatal(err)
	}
	put := func(key, value []byte) error {
		return db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, value) })
	}
	read := func(from []byte, arrive func(key []byte)) error {
		return db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucket).Cursor()
			for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
				arrive(k)
			}
			return nil
		})
	}
	return storetest.KeyFeed(b, n, put, read)
}
