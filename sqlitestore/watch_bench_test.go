package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
)

// arrival is an event's id and when a watcher got it.
type arrival struct {
	id string
	at time.Time
}

// BenchmarkWatch saves single-change batches while Watch and the raw feed
// ([sqlitestore.RawWatch], the same polling query without records or
// decoding) both run on the store, and measures, for each:
//
//   - the delivery latency, from Save returning to the event arriving:
//     b.N saves one at a time, each waiting for both feeds to deliver it
//     (p50-µs, p99-µs; an event that arrives before Save returns, as a
//     commit wakes the store's watchers at once, counts 0);
//   - the rate of events: b.N more saves back to back, over the time from
//     the first save to the feed's last event (events/s).
//
// The raw feed's figures are raw-p50-µs, raw-p99-µs and raw-events/s.
// The file is synced at each commit (the default, SyncFull).
// Both rates are bounded by Save's: a feed can deliver no faster than
// changes commit.
func BenchmarkWatch(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	s := open(b)
	_, cursor, err := s.Snapshot(ctx, "ns")
	if err != nil {
		b.Fatal(err)
	}
	feed, raw := make(chan arrival, 2*b.N+1), make(chan arrival, 2*b.N+1)
	done := make(chan error, 2)
	go func() {
		for ev, err := range s.Watch(ctx, "ns", cursor) {
			if err != nil {
				done <- err
				return
			}
			feed <- arrival{ev.Change.Entity.ID, time.Now()}
		}
	}()
	go func() {
		done <- sqlitestore.RawWatch(ctx, s, "ns", cursor, func(id string) { raw <- arrival{id, time.Now()} })
	}()
	b.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; !errors.Is(err, context.Canceled) {
				b.Errorf("a watch ended with %v", err)
			}
		}
	})

	change := func(i int) unionstore.Changes[item] {
		return unionstore.Changes[item]{set("ns", fmt.Sprint("e", i), "v", at(i))}
	}
	await := func(ch <-chan arrival, id string) time.Time {
		for {
			select {
			case a := <-ch:
				if a.id == id {
					return a.at
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("no event for %s in 10s", id)
			}
		}
	}
	lat, rawLat := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if err := s.Save(ctx, change(i)); err != nil {
			b.Fatal(err)
		}
		saved := time.Now()
		id := fmt.Sprint("e", i)
		lat = append(lat, max(0, await(feed, id).Sub(saved)))
		rawLat = append(rawLat, max(0, await(raw, id).Sub(saved)))
	}
	start := time.Now()
	for i := range b.N {
		if err := s.Save(ctx, change(b.N+i)); err != nil {
			b.Fatal(err)
		}
	}
	last := fmt.Sprint("e", 2*b.N-1)
	feedTime, rawTime := await(feed, last).Sub(start), await(raw, last).Sub(start)
	b.StopTimer()
	reportLatency(b, "", lat, feedTime)
	reportLatency(b, "raw-", rawLat, rawTime)
}

// reportLatency reports the median and 99th percentile of lat and the
// rate of len(lat) events in d, under names that begin with prefix.
func reportLatency(b *testing.B, prefix string, lat []time.Duration, d time.Duration) {
	slices.Sort(lat)
	us := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Microsecond) }
	b.ReportMetric(us(0.5), prefix+"p50-µs")
	b.ReportMetric(us(0.99), prefix+"p99-µs")
	b.ReportMetric(float64(len(lat))/d.Seconds(), prefix+"events/s")
	b.ReportMetric(0, "ns/op")
}
