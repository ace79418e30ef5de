package natsstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// watchSavers is the number of goroutines that save during BenchmarkWatch,
// so that the feed, not one writer's round trips, sets the pace.
const watchSavers = 4

// BenchmarkWatch saves b.N single-change batches, from watchSavers
// goroutines, while a Watch of the namespace and, as the ceiling, a plain
// ordered consumer on the same subjects run, and reports for each the
// delivery latency from Save returning to the event arriving (median and
// 99th percentile; an event that arrives before its Save returns counts
// as 0), the same from Save's call (call-p50-µs, call-p99-µs), which
// includes Save's read of the identity's state and its publish, and the
// events per second from the first Save to the last event. Then it reads
// the same changes again, behind, to report the feeds' own rates.
func BenchmarkWatch(b *testing.B) {
	ctx := context.Background()
	js := sharedJS(b)
	s := newStore(b)
	const ns = "bench"
	n := b.N
	change := func(i int) unionstore.Change[storetest.Item] {
		c := set(ns, "k", fmt.Sprintf("%07d", i), "v", at(i+1))
		c.Entity.N = i
		return c
	}
	// The raw consumer knows a change by its subject.
	index := make(map[string]int, n+1)
	for i := -1; i < n; i++ {
		c := change(i)
		index[natsstore.Subject(s.Stream(), ns, c.Entity.Kind, c.Entity.ID)] = i
	}
	_, cursor := storetest.Snapshot(b, s, ns)
	rawMsgs := namespaceMessages(b, ctx, js, s, ns, jetstream.DeliverNewPolicy)
	defer rawMsgs.Stop()

	var (
		called  = make([]time.Time, n)
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
			if i := ev.Change.Entity.N; i < 0 {
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
		for got := 0; got < n+1; got++ {
			m, err := rawMsgs.Next(jetstream.NextContext(wctx))
			if err != nil {
				b.Errorf("raw feed after %d messages: %v", got, err)
				return
			}
			if i := index[m.Subject()]; i < 0 {
				warm.Done()
			} else {
				rawSeen[i] = time.Now()
			}
		}
	})
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{change(-1)}); err != nil {
		b.Fatal(err)
	}
	warm.Wait()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var savers sync.WaitGroup
	for w := range watchSavers {
		savers.Go(func() {
			for i := w; i < n; i += watchSavers {
				called[i] = time.Now()
				if err := s.Save(ctx, unionstore.Changes[storetest.Item]{change(i)}); err != nil {
					b.Errorf("Save %d: %v", i, err)
					return
				}
				saved[i] = time.Now()
			}
		})
	}
	savers.Wait()
	readers.Wait()
	b.StopTimer()
	if b.Failed() {
		return
	}
	report := func(prefix string, seen []time.Time) {
		lat, fromCall := make([]time.Duration, n), make([]time.Duration, n)
		last := start
		for i := range n {
			lat[i] = max(seen[i].Sub(saved[i]), 0)
			fromCall[i] = seen[i].Sub(called[i])
			if seen[i].After(last) {
				last = seen[i]
			}
		}
		slices.Sort(lat)
		slices.Sort(fromCall)
		b.ReportMetric(float64(lat[n/2].Microseconds()), prefix+"p50-µs")
		b.ReportMetric(float64(lat[min(n-1, n*99/100)].Microseconds()), prefix+"p99-µs")
		b.ReportMetric(float64(fromCall[n/2].Microseconds()), prefix+"call-p50-µs")
		b.ReportMetric(float64(fromCall[min(n-1, n*99/100)].Microseconds()), prefix+"call-p99-µs")
		b.ReportMetric(float64(n)/last.Sub(start).Seconds(), prefix+"events/s")
	}
	report("", watched)
	report("raw-", rawSeen)
	reportCatchUp(b, s, js, ns, cursor, n+1)
}

// reportCatchUp reports the events per second of a Watch from cursor, and
// of a plain ordered consumer from the stream's start, that read the n
// changes the stream holds after it: the rate of a feed that is behind,
// which the savers do not limit.
func reportCatchUp(b *testing.B, s *natsstore.Store[storetest.Item], js jetstream.JetStream, ns string, cursor unionstore.Cursor, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start, got := time.Now(), 0
	for _, err := range s.Watch(ctx, ns, cursor) {
		if err != nil {
			b.Fatalf("catch-up Watch after %d events: %v", got, err)
		}
		if got++; got == n {
			break
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "catchup-events/s")
	start = time.Now()
	msgs := namespaceMessages(b, ctx, js, s, ns, jetstream.DeliverAllPolicy)
	defer msgs.Stop()
	for got := range n {
		if _, err := msgs.Next(jetstream.NextContext(ctx)); err != nil {
			b.Fatalf("catch-up raw feed after %d messages: %v", got, err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "raw-catchup-events/s")
}

// namespaceMessages returns the messages of namespace ns in s's stream,
// from where deliver says, read through js by an ordered consumer: the
// plain feed that the benchmarks set beside Watch. The caller stops it.
func namespaceMessages(b *testing.B, ctx context.Context, js jetstream.JetStream, s *natsstore.Store[storetest.Item], ns string, deliver jetstream.DeliverPolicy) jetstream.MessagesContext {
	b.Helper()
	raw, err := js.OrderedConsumer(ctx, s.Stream(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{natsstore.NamespaceFilter(s.Stream(), ns)},
		DeliverPolicy:  deliver,
	})
	if err != nil {
		b.Fatal(err)
	}
	msgs, err := raw.Messages()
	if err != nil {
		b.Fatal(err)
	}
	return msgs
}
