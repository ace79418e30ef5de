package boltstore_test

import (
	"encoding/binary"
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
// while a reader, woken by a channel closed after each commit, reads the
// keys after the last it read in a View: bbolt's own feed. It returns when
// each transaction returned, when the reader read its key, and the time
// from the first put to the last read.
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
	value := []byte(`{"kind":"customer","id":"c-000000000","value":"a customer record of moderate size","n":0}`)
	wake, wakes := make(chan struct{}), make(chan chan struct{}, 1)
	wakes <- wake
	returned, arrived = make([]time.Time, n), make([]time.Time, n)
	done := make(chan error, 1)
	go func() {
		next := uint64(0)
		for next < uint64(n) {
			w := <-wakes
			wakes <- w
			err := db.View(func(tx *bolt.Tx) error {
				c := tx.Bucket(bucket).Cursor()
				for k, _ := c.Seek(binary.BigEndian.AppendUint64(nil, next)); k != nil; k, _ = c.Next() {
					arrived[binary.BigEndian.Uint64(k)] = time.Now()
					next = binary.BigEndian.Uint64(k) + 1
				}
				return nil
			})
			if err != nil {
				done <- err
				return
			}
			if next < uint64(n) {
				<-w
			}
		}
		done <- nil
	}()
	start := time.Now()
	for i := range n {
		err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucket).Put(binary.BigEndian.AppendUint64(nil, uint64(i)), value)
		})
		if err != nil {
			b.Fatal(err)
		}
		w := <-wakes
		close(w)
		wakes <- make(chan struct{})
		returned[i] = time.Now()
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return returned, arrived, time.Since(start)
}
