package boltstore_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch saves b.N single-change batches, one after the other,
// while a Watch of their namespace runs, and reports the delivery latency
// from Save returning to the event arriving (p50-µs, p99-µs; 0 when the
// event came first, as it may: watchers are woken by the commit, a moment
// before Save returns) and the events per second, from the first save to
// the last event. Beside it, the same for bbolt's own feed, the ceiling:
// transactions that put one key each, and a reader that reads the new keys
// in a View, woken the same way (raw-p50-µs, raw-p99-µs, raw-events/s).
// Both files are synced, as by default.
func BenchmarkWatch(b *testing.B) {
	ctx := context.Background()
	s := open(b)
	_, cursor, err := s.Snapshot(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	n := b.N
	batches := make([]unionstore.Changes[storetest.Item], n)
	for i := range batches {
		batches[i] = unionstore.Changes[storetest.Item]{{
			Namespace: "bench", ChangeType: unionstore.ChangeTypeSet,
			Entity:    storetest.Item{Kind: "customer", ID: fmt.Sprintf("c-%09d", i), Value: "a customer record of moderate size", N: i},
			Timestamp: time.Unix(1_700_000_000, int64(i)),
		}}
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	arrived := make([]time.Time, n)
	done := make(chan error, 1)
	go func() {
		got := 0
		for ev, err := range s.Watch(wctx, "bench", cursor) {
			if err != nil {
				done <- err
				return
			}
			arrived[ev.Change.Entity.N] = time.Now()
			if got++; got == n {
				break
			}
		}
		done <- nil
	}()
	b.ResetTimer()
	returned := make([]time.Time, n)
	start := time.Now()
	for i := range n {
		if err := s.Save(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
		returned[i] = time.Now()
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, "", returned, arrived, elapsed)
	rawReturned, rawArrived, rawElapsed := rawBoltFeed(b, n)
	report(b, "raw-", rawReturned, rawArrived, rawElapsed)
}

// report reports the median and 99th percentile of arrived minus
// returned, and the events per second over elapsed, with the prefix.
func report(b *testing.B, prefix string, returned, arrived []time.Time, elapsed time.Duration) {
	lat := make([]float64, len(returned))
	for i := range returned {
		lat[i] = max(0, float64(arrived[i].Sub(returned[i]).Nanoseconds())/1e3)
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], prefix+"p50-µs")
	b.ReportMetric(lat[min(len(lat)-1, len(lat)*99/100)], prefix+"p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), prefix+"events/s")
}

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
