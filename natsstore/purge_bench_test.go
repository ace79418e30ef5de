package natsstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// churnTombstones returns round r of the tombstones that
// BenchmarkPurgeTombstonesChurn republishes: the first n identities of
// the filled namespace, unset an hour before the purge's limit at most.
func churnTombstones(n, r int) unionstore.Changes[storetest.Item] {
	out := make(unionstore.Changes[storetest.Item], n)
	for i := range out {
		out[i] = set("bench", "k", fmt.Sprintf("%07d", i), "", t0.Add(time.Second+time.Duration(r)))
		out[i].ChangeType = unionstore.ChangeTypeUnset
	}
	return out
}

// BenchmarkPurgeTombstonesChurn purges 200 tombstones from a namespace of
// 20,000 identities, in each iteration once in quiet and once while one
// writer republishes the 200 tombstones in a loop and two readers load
// the namespace in a loop, and reports both times and their ratio. For
// the share of the machine that the churn leaves, it also loads the
// namespace after each purge, in quiet and under the same churn.
func BenchmarkPurgeTombstonesChurn(b *testing.B) {
	const n, tombs = 20_000, 200
	ctx := context.Background()
	s := newStore(b)
	fillNamespace(b, s, n)
	limit := t0.Add(time.Hour)
	round := 0
	republish := func() error {
		round++
		return s.Save(ctx, churnTombstones(tombs, round))
	}
	var quiet, churn, loadQuiet, loadChurn time.Duration
	load := func() time.Duration {
		start := time.Now()
		if _, err := s.Load(ctx, "bench"); err != nil {
			b.Fatalf("Load: %v", err)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := republish(); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if got, err := s.PurgeTombstones(ctx, "bench", limit); err != nil || got != tombs {
			b.Fatalf("quiet PurgeTombstones = %d, %v; want %d", got, err, tombs)
		}
		quiet += time.Since(start)
		loadQuiet += load()

		if err := republish(); err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		repeatUntil(b, &wg, stop, "republish", republish)
		for range 2 {
			repeatUntil(b, &wg, stop, "Load", func() error {
				_, err := s.Load(ctx, "bench")
				return err
			})
		}
		start = time.Now()
		_, err := s.PurgeTombstones(ctx, "bench", limit)
		churn += time.Since(start)
		loadChurn += load()
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatalf("PurgeTombstones under churn: %v", err)
		}
	}
	b.ReportMetric(float64(quiet.Milliseconds())/float64(b.N), "quiet-ms")
	b.ReportMetric(float64(churn.Milliseconds())/float64(b.N), "churn-ms")
	b.ReportMetric(float64(churn)/float64(quiet), "churn/quiet")
	b.ReportMetric(float64(loadChurn)/float64(loadQuiet), "load-churn/quiet")
}
