package kafkastore_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch saves b.N single-change batches, one after the other,
// while a Watch of the namespace and, as the ceiling, a plain franz-go
// consumer of the same partition run, and reports for each the delivery
// latency from Save returning to the event arriving (median and 99th
// percentile; an event that arrives before its Save returns counts as 0)
// and the events per second from the first Save to the last event.
func BenchmarkWatch(b *testing.B) {
	ctx := context.Background()
	topic := newTopic(b)
	s := open(b, topic)
	const ns = "bench"
	n := b.N
	change := func(i int) unionstore.Change[storetest.Item] {
		return set(ns, "k", fmt.Sprintf("%07d", i), "v", at(i+1))
	}
	_, cursor, err := s.Snapshot(ctx, ns)
	if err != nil {
		b.Fatal(err)
	}
	part := kafkastore.PartitionOf(s, ns)
	// The snapshot's cursor ends in the partition's high watermark.
	hw, err := strconv.ParseInt(string(cursor[strings.LastIndexByte(string(cursor), ':')+1:]), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := kgo.NewClient(
		kgo.SeedBrokers(setup(b)...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {part: kgo.NewOffset().At(hw)}}),
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()

	var (
		saved   = make([]time.Time, n)
		watched = make([]time.Time, n)
		rawSeen = make([]time.Time, n)
		warm    sync.WaitGroup // both readers saw the warm-up change
		readers sync.WaitGroup
	)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	warm.Add(2)
	readers.Go(func() {
		got := 0
		for ev, err := range s.Watch(wctx, ns, cursor) {
			if err != nil {
				b.Errorf("Watch after %d events: %v", got, err)
				break
			}
			if i, _ := strconv.Atoi(ev.Change.Entity.ID); i < 0 {
				warm.Done()
			} else {
				watched[i] = time.Now()
			}
			if got++; got == n+1 {
				break
			}
		}
	})
	readers.Go(func() {
		for got := 0; got < n+1; {
			fetches := raw.PollFetches(wctx)
			if err := fetches.Err0(); err != nil {
				b.Errorf("raw feed after %d records: %v", got, err)
				return
			}
			now := time.Now()
			fetches.EachRecord(func(r *kgo.Record) {
				// The key ends in the id, seven characters.
				i, _ := strconv.Atoi(string(r.Key[len(r.Key)-7:]))
				if i < 0 {
					warm.Done()
				} else {
					rawSeen[i] = now
				}
				got++
			})
		}
	})
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{change(-1)}); err != nil {
		b.Fatal(err)
	}
	warm.Wait()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range n {
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{change(i)}); err != nil {
			b.Fatalf("Save %d: %v", i, err)
		}
		saved[i] = time.Now()
	}
	readers.Wait()
	b.StopTimer()
	if b.Failed() {
		return
	}
	reportFeed(b, "", start, saved, watched)
	reportFeed(b, "raw-", start, saved, rawSeen)
}

// reportFeed reports the latencies from saved to seen, median and 99th
// percentile, and the events per second from start to the last event.
func reportFeed(b *testing.B, prefix string, start time.Time, saved, seen []time.Time) {
	n := len(saved)
	lat := make([]time.Duration, n)
	last := start
	for i := range n {
		lat[i] = max(seen[i].Sub(saved[i]), 0)
		if seen[i].After(last) {
			last = seen[i]
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[n/2].Microseconds()), prefix+"p50-µs")
	b.ReportMetric(float64(lat[min(n-1, n*99/100)].Microseconds()), prefix+"p99-µs")
	b.ReportMetric(float64(n)/last.Sub(start).Seconds(), prefix+"events/s")
}
