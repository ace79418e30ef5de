package pebblestore_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch saves b.N single-change batches, one after the other,
// while a Watch of their namespace runs, and reports the delivery latency
// from Save returning to the event arriving (p50-µs, p99-µs; 0 when the
// event came first, as it may: watchers are woken when the sync returns, a
// moment before Save does) and the events per second, from the first save
// to the last event. Beside it, the same for pebble's own feed, the
// ceiling: synced batches of one key each, and an iterator over the keys
// after the last one read, woken the same way (raw-p50-µs, raw-p99-µs,
// raw-events/s).
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
	rawReturned, rawArrived, rawElapsed := rawPebbleFeed(b, n)
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
