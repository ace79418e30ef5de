package pgstore_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch saves b.N single-change batches, one after the other,
// while a watch runs, and reports the delivery latency from Save
// returning to the event arriving (p50-µs, p99-µs) and the rate of
// events (events/s, from the first save to the last event). It then does
// the same with the engine's raw feed, the ceiling: a loop that runs
// SELECT ... WHERE rev > $1 whenever LISTEN wakes it (raw-p50-µs,
// raw-p99-µs, raw-events/s), on a table of its own written by the same
// Save, whose revs increase with each save, as the loop needs (a single
// writer commits in the order of its revs).
//
//	go test -run '^$' -bench BenchmarkWatch -benchtime 2000x ./pgstore/
func BenchmarkWatch(b *testing.B) {
	watched := newStore(b)
	raw := newStore(b)
	// The store's revs come from a sequence whose values each connection
	// takes a hundred at a time: unique, not increasing across
	// connections, which the feed does not need and the raw loop does.
	if _, err := adminPool(b).Exec(context.Background(), "ALTER TABLE "+raw.Table()+" ALTER COLUMN rev SET CACHE 1"); err != nil {
		b.Fatal(err)
	}
	feed := func(ctx context.Context, arrived func(id string)) (func(), error) {
		_, c, err := watched.Snapshot(ctx, "ns")
		if err != nil {
			return nil, err
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			for ev, err := range watched.Watch(ctx, "ns", c) {
				if err != nil {
					return
				}
				arrived(ev.Change.Entity.ID)
			}
		})
		return wg.Wait, nil
	}
	rawFeed := func(ctx context.Context, arrived func(id string)) (func(), error) {
		return startRawFeed(ctx, b, raw.Table(), arrived)
	}
	b.ResetTimer()
	p50, p99, rate := measureFeed(b, watched, feed)
	rawP50, rawP99, rawRate := measureFeed(b, raw, rawFeed)
	b.StopTimer()
	b.ReportMetric(p50, "p50-µs")
	b.ReportMetric(p99, "p99-µs")
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(rawP50, "raw-p50-µs")
	b.ReportMetric(rawP99, "raw-p99-µs")
	b.ReportMetric(rawRate, "raw-events/s")
}

// measureFeed saves b.N changes to s while the feed started by start
// reports their arrival, and returns the median and 99th percentile of
// the latency in microseconds, and the events per second.
func measureFeed(b *testing.B, s interface {
	Save(context.Context, unionstore.Changes[storetest.Item]) error
}, start func(context.Context, func(id string)) (wait func(), err error)) (p50, p99, rate float64) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu       sync.Mutex
		arrivals = make(map[string]time.Time, b.N)
		all      = make(chan struct{})
	)
	wait, err := start(ctx, func(id string) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := arrivals[id]; !ok {
			arrivals[id] = time.Now()
			if len(arrivals) == b.N {
				close(all)
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		cancel()
		wait()
	}()
	saved := make([]time.Time, b.N)
	begin := time.Now()
	for i := range b.N {
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", strconv.Itoa(i), "v", at(i))}); err != nil {
			b.Fatal(err)
		}
		saved[i] = time.Now()
	}
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		b.Fatalf("%d of %d events arrived", len(arrivals), b.N)
	}
	mu.Lock()
	defer mu.Unlock()
	lat := make([]float64, b.N)
	var last time.Time
	for i := range b.N {
		at := arrivals[strconv.Itoa(i)]
		lat[i] = float64(max(at.Sub(saved[i]), 0)) / float64(time.Microsecond)
		if at.After(last) {
			last = at
		}
	}
	slices.Sort(lat)
	return lat[b.N/2], lat[min(b.N-1, b.N*99/100)], float64(b.N) / last.Sub(begin).Seconds()
}

// startRawFeed starts the raw feed of table: on a connection of its own
// it listens to the channel Save notifies, and on each notification (or
// every second) reads the rows of namespace ns after the last rev it
// read, reporting each.
func startRawFeed(ctx context.Context, tb testing.TB, table string, arrived func(id string)) (wait func(), err error) {
	pool := adminPool(tb)
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := pc.Hijack()
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT $1::regclass::oid", table).Scan(&oid); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("LISTEN unionstore_%d", oid)); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	query := fmt.Sprintf("SELECT id, rev FROM %s WHERE namespace = 'ns' AND rev > $1 ORDER BY rev", table)
	var done sync.WaitGroup
	done.Go(func() {
		defer conn.Close(context.Background())
		var last int64
		for ctx.Err() == nil {
			rows, err := pool.Query(ctx, query, last)
			if err != nil {
				return
			}
			var id string
			var rev int64
			_, err = pgx.ForEachRow(rows, []any{&id, &rev}, func() error {
				last = rev
				arrived(id)
				return nil
			})
			if err != nil {
				return
			}
			wait, cancel := context.WithTimeout(ctx, time.Second)
			_, _ = conn.WaitForNotification(wait)
			cancel()
		}
	})
	return done.Wait, nil
}
