package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// WatchStore is a store with a change feed, for [BenchmarkWatch].
type WatchStore interface {
	unionstore.Store[Item]
	unionstore.Watcher[Item]
}

// RawFeed runs an engine's own feed for n events, the ceiling of a
// store's Watch: n writes of one key each while a reader reads them as
// the engine lets it. It returns when each write returned, when the
// reader read each one, and the time from the first write to the last
// read.
type RawFeed func(b *testing.B, n int) (returned, arrived []time.Time, elapsed time.Duration)

// BenchmarkWatch saves b.N single-change batches to s, one after the
// other, while a Watch of their namespace runs, and reports the delivery
// latency from Save returning to the event arriving (p50-µs, p99-µs; 0
// when the event came first, as it may when watchers are woken by the
// commit, a moment before Save returns) and the events per second from the
// first save to the last event. Beside it, the same for raw, the engine's
// own feed (raw-p50-µs, raw-p99-µs, raw-events/s), when raw is not nil.
func BenchmarkWatch(b *testing.B, s WatchStore, raw RawFeed) {
	ctx := context.Background()
	_, cursor, err := s.Snapshot(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	n := b.N
	batches := benchBatches("bench", n)
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
	start := time.Now()
	returned := saveEach(ctx, b, s, batches)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	ReportLatency(b, "", returned, arrived, elapsed)
	if raw != nil {
		rawReturned, rawArrived, rawElapsed := raw(b, n)
		ReportLatency(b, "raw-", rawReturned, rawArrived, rawElapsed)
	}
}

// saveEach saves the batches to s one after the other and returns when
// each Save returned.
func saveEach(ctx context.Context, b *testing.B, s unionstore.Store[Item], batches []unionstore.Changes[Item]) []time.Time {
	returned := make([]time.Time, len(batches))
	for i := range batches {
		if err := s.Save(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
		returned[i] = time.Now()
	}
	return returned
}

// benchBatches returns n batches of one new customer each in namespace.
func benchBatches(namespace string, n int) []unionstore.Changes[Item] {
	batches := make([]unionstore.Changes[Item], n)
	for i := range batches {
		batches[i] = unionstore.Changes[Item]{{
			Namespace: namespace, ChangeType: unionstore.ChangeTypeSet,
			Entity:    Item{Kind: "customer", ID: fmt.Sprintf("c-%09d", i), Value: "a customer record of moderate size", N: i},
			Timestamp: time.Unix(1_700_000_000, int64(i)),
		}}
	}
	return batches
}

// ReportLatency reports the median and 99th percentile of arrived minus
// returned in microseconds (prefix+"p50-µs", prefix+"p99-µs"; a negative
// latency counts as 0), and the events per second over elapsed
// (prefix+"events/s").
func ReportLatency(b *testing.B, prefix string, returned, arrived []time.Time, elapsed time.Duration) {
	lat := make([]float64, len(returned))
	for i := range returned {
		lat[i] = max(0, float64(arrived[i].Sub(returned[i]).Nanoseconds())/1e3)
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], prefix+"p50-µs")
	b.ReportMetric(lat[min(len(lat)-1, len(lat)*99/100)], prefix+"p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), prefix+"events/s")
}

// RawWatch reads an engine's feed of namespace after a cursor as the
// store's Watch does (the same query, the same wake-ups) but hands over
// only each change's id, without records or decoding, until ctx ends.
type RawWatch func(ctx context.Context, namespace string, after unionstore.Cursor, arrive func(id string)) error

// PollFeed makes the [RawFeed] of an engine whose raw feed is read through
// the store: s saves n single-change batches of a namespace of its own
// while watch reads them.
func PollFeed(s WatchStore, watch RawWatch) RawFeed {
	return func(b *testing.B, n int) (returned, arrived []time.Time, elapsed time.Duration) {
		const ns = "bench-raw"
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, cursor, err := s.Snapshot(ctx, ns)
		if err != nil {
			b.Fatal(err)
		}
		batches := benchBatches(ns, n)
		index := make(map[string]int, n)
		for i, c := range batches {
			index[c[0].Entity.ID] = i
		}
		arrived = make([]time.Time, n)
		done := make(chan error, 1)
		go func() {
			got := 0
			err := watch(ctx, ns, cursor, func(id string) {
				if i, ok := index[id]; ok && arrived[i].IsZero() {
					arrived[i] = time.Now()
					if got++; got == n {
						cancel()
					}
				}
			})
			if got == n {
				err = nil
			}
			done <- err
		}()
		start := time.Now()
		returned = saveEach(ctx, b, s, batches)
		if err := <-done; err != nil {
			b.Fatalf("the raw feed: %v", err)
		}
		var last time.Time
		for _, t := range arrived {
			if t.After(last) {
				last = t
			}
		}
		return returned, arrived, last.Sub(start)
	}
}
