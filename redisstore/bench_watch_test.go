package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// feedFigures are what one feed delivered: latency percentiles from a
// send returning to its event arriving, the same from the send's start,
// and events per second from the first send to the last arrival.
type feedFigures struct {
	p50, p99           time.Duration
	startP50, startP99 time.Duration
	rate               float64
}

// percentiles sorts lat and returns its median and 99th percentile.
func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(lat)
	return lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
}

// measureFeed sends n changes one after the other with send while watch,
// started first in a goroutine of its own, calls arrive for each event in
// order until arrive returns false. An event may arrive before its send
// returns (the server answers the watch and the sender in either order):
// its latency counts as zero.
func measureFeed(b *testing.B, n int, send func(i int) error, watch func(ctx context.Context, arrive func() bool) error) feedFigures {
	b.Helper()
	started := make([]time.Time, n)
	returned := make([]time.Time, n)
	arrived := make([]time.Time, 0, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- watch(ctx, func() bool {
			arrived = append(arrived, time.Now())
			return len(arrived) < n
		})
	}()
	start := time.Now()
	for i := range n {
		started[i] = time.Now()
		if err := send(i); err != nil {
			b.Fatalf("send %d: %v", i, err)
		}
		returned[i] = time.Now()
	}
	select {
	case err := <-done:
		if err != nil {
			b.Fatalf("watch: %v", err)
		}
	case <-time.After(time.Minute):
		cancel()
		<-done
		b.Fatalf("the watch delivered %d of %d events in a minute", len(arrived), n)
	}
	lat := make([]time.Duration, n)
	fromStart := make([]time.Duration, n)
	for i := range n {
		lat[i] = max(0, arrived[i].Sub(returned[i]))
		fromStart[i] = arrived[i].Sub(started[i])
	}
	var f feedFigures
	f.p50, f.p99 = percentiles(lat)
	f.startP50, f.startP99 = percentiles(fromStart)
	f.rate = float64(n) / arrived[n-1].Sub(start).Seconds()
	return f
}

// BenchmarkWatch measures, in one run, the store's feed and Redis's own
// beside it as the ceiling. The store: b.N single-change batches saved
// one after the other to one namespace while a Watch of it runs. Raw: a
// plain XADD of the same stored values to a stream of the same history
// bound, read by a plain XREAD BLOCK loop. It reports p50-µs and p99-µs
// (from Save, or XADD, returning to the event arriving), events/s, and
// the same for the raw feed as raw-p50-µs, raw-p99-µs, raw-events/s;
// and, since a Save returns after a second round trip (the index), so
// that its event often arrives first and counts as 0 µs, the latencies
// from the call's start as well: start-p50-µs, start-p99-µs,
// raw-start-p50-µs, raw-start-p99-µs.
func BenchmarkWatch(b *testing.B) {
	ctx := context.Background()
	client := adminClient(b)
	s := newStore(b)
	n := max(b.N, 100) // enough for a 99th percentile
	changes := make(unionstore.Changes[storetest.Item], n)
	for i := range changes {
		changes[i] = set("bench", "k", fmt.Sprint(i), "value of a benchmark entity", at(i))
	}
	_, cursor, err := s.Snapshot(ctx, "bench")
	if err != nil {
		b.Fatalf("Snapshot: %v", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	store := measureFeed(b, n, func(i int) error {
		return s.Save(ctx, changes[i:i+1])
	}, func(ctx context.Context, arrive func() bool) error {
		for _, err := range s.Watch(ctx, "bench", cursor) {
			if err != nil {
				return err
			}
			if !arrive() {
				return nil
			}
		}
		return errors.New("the watch ended")
	})
	stream := "{" + newPrefix(b) + "}:raw"
	values := rawValues(b, "unused", changes)
	raw := measureFeed(b, n, func(i int) error {
		return client.XAdd(ctx, &redis.XAddArgs{Stream: stream, MaxLen: redisstore.DefaultHistory, Approx: true,
			Values: []any{"m", redisstore.Member("k", fmt.Sprint(i)), "v", values[2*i+1]}}).Err()
	}, func(ctx context.Context, arrive func() bool) error {
		last := "0-0"
		for {
			streams, err := client.XRead(ctx, &redis.XReadArgs{Streams: []string{stream, last}, Count: 256, Block: 500 * time.Millisecond}).Result()
			switch {
			case errors.Is(err, redis.Nil):
				continue
			case err != nil:
				return err
			}
			for _, m := range streams[0].Messages {
				last = m.ID
				if !arrive() {
					return nil
				}
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(store.p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(store.p99.Microseconds()), "p99-µs")
	b.ReportMetric(store.rate, "events/s")
	b.ReportMetric(float64(raw.p50.Microseconds()), "raw-p50-µs")
	b.ReportMetric(float64(raw.p99.Microseconds()), "raw-p99-µs")
	b.ReportMetric(raw.rate, "raw-events/s")
	b.ReportMetric(float64(store.startP50.Microseconds()), "start-p50-µs")
	b.ReportMetric(float64(store.startP99.Microseconds()), "start-p99-µs")
	b.ReportMetric(float64(raw.startP50.Microseconds()), "raw-start-p50-µs")
	b.ReportMetric(float64(raw.startP99.Microseconds()), "raw-start-p99-µs")
}
