package pebblestore_test

import (
	"encoding/binary"
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
// database while a reader, woken by a channel closed after each commit,
// reads the keys after the last it read with an iterator: pebble's own
// feed. It returns when each commit returned, when the reader read its
// key, and the time from the first commit to the last read.
func rawPebbleFeed(b *testing.B, n int) (returned, arrived []time.Time, elapsed time.Duration) {
	db, err := pebble.Open(filepath.Join(b.TempDir(), "raw"), &pebble.Options{Logger: quiet{}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	value := []byte(`{"kind":"customer","id":"c-000000000","value":"a customer record of moderate size","n":0}`)
	wakes := make(chan chan struct{}, 1)
	wakes <- make(chan struct{})
	returned, arrived = make([]time.Time, n), make([]time.Time, n)
	done := make(chan error, 1)
	go func() {
		next := uint64(0)
		for next < uint64(n) {
			w := <-wakes
			wakes <- w
			it, err := db.NewIter(&pebble.IterOptions{LowerBound: binary.BigEndian.AppendUint64(nil, next)})
			if err != nil {
				done <- err
				return
			}
			for ok := it.First(); ok; ok = it.Next() {
				k := binary.BigEndian.Uint64(it.Key())
				arrived[k] = time.Now()
				next = k + 1
			}
			if err := it.Close(); err != nil {
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
		if err := db.Set(binary.BigEndian.AppendUint64(nil, uint64(i)), value, pebble.Sync); err != nil {
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
