package natsstore_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// growthSizes are the namespace sizes that BenchmarkReportReadGrowth reads,
// each in a stream of its own.
var growthSizes = []int{10_000, 100_000, 1_000_000}

// growthStore is a namespace that BenchmarkReportReadGrowth reads: a store
// and a second one on its stream whose Scan writes a run of its temporary
// file every MiB.
type growthStore struct {
	s, spilling *natsstore.Store[storetest.Item]
}

// growthReads are the reads whose growth BenchmarkReportReadGrowth
// measures: each returns the number of changes or namespaces' entities it
// saw.
var growthReads = []struct {
	name string
	read func(context.Context, growthStore) (int, error)
}{
	{"load", func(ctx context.Context, g growthStore) (int, error) {
		got, err := g.s.Load(ctx, "bench")
		return len(got), err
	}},
	{"scan", func(ctx context.Context, g growthStore) (int, error) {
		return countScan(ctx, g.s, "bench")
	}},
	// Scan beyond its spill threshold, through sorted runs on disk.
	{"scan-spilled", func(ctx context.Context, g growthStore) (int, error) {
		return countScan(ctx, g.spilling, "bench")
	}},
	{"namespaces", func(ctx context.Context, g growthStore) (int, error) {
		stats, err := g.s.Namespaces(ctx)
		if err != nil || len(stats) != 1 {
			return 0, fmt.Errorf("namespaces %v: %w", stats, err)
		}
		return stats[0].Entities, nil
	}},
	// A purge of tombstones in a namespace that has none is its read.
	{"purge-tombstones", func(ctx context.Context, g growthStore) (int, error) {
		n, err := g.s.PurgeTombstones(ctx, "bench", t0)
		if err != nil || n != 0 {
			return 0, fmt.Errorf("purged %d: %w", n, err)
		}
		nss, err := g.s.Namespaces(ctx)
		if err != nil || len(nss) != 1 {
			return 0, fmt.Errorf("namespaces %v: %w", nss, err)
		}
		return nss[0].Entities, nil
	}},
}

// countScan returns the number of changes Scan of namespace yields, up to
// its error.
func countScan(ctx context.Context, s *natsstore.Store[storetest.Item], namespace string) (int, error) {
	n := 0
	for _, err := range s.Scan(ctx, namespace) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// fillNamespace saves n new identities to namespace "bench" of s, in
// batches of benchBatch.
func fillNamespace(tb testing.TB, s *natsstore.Store[storetest.Item], n int) {
	tb.Helper()
	saveInBatches(tb, s, n, func(i int) unionstore.Change[storetest.Item] {
		c := set("bench", "k", fmt.Sprintf("%07d", i), "v", at(i))
		c.Entity.N = i
		return c
	})
}

// saveInBatches saves change(0) to change(n-1) to s, in batches of
// benchBatch, and fails tb at the first batch that Save refuses.
func saveInBatches(tb testing.TB, s *natsstore.Store[storetest.Item], n int, change func(i int) unionstore.Change[storetest.Item]) {
	tb.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += benchBatch {
		batch := make(unionstore.Changes[storetest.Item], 0, benchBatch)
		for i := start; i < min(start+benchBatch, n); i++ {
			batch = append(batch, change(i))
		}
		if err := s.Save(ctx, batch); err != nil {
			tb.Fatalf("fill %d: %v", n, err)
		}
	}
}

// BenchmarkReportReadGrowth reads namespaces of 10k, 100k and 1M
// entities, each in its own stream, with each read of growthReads, and
// reports the time at each size and how much it grows per tenfold growth
// of the namespace, between each size and the next: 10 for a read whose
// time is linear in the namespace. In each iteration it reads the two
// largest sizes once and each smaller size often enough to take about as
// long as the second largest once, the reads spread over the iteration,
// so that a machine whose load changes from second to second weighs on
// those sizes alike (reading 10k a hundred times for each read of 1M
// would triple the run for little).
func BenchmarkReportReadGrowth(b *testing.B) {
	stores := make([]growthStore, len(growthSizes))
	for i, n := range growthSizes {
		s := newStore(b)
		fillNamespace(b, s, n)
		stores[i] = growthStore{s, newStoreOn(b, sharedJS(b), s.Stream(), natsstore.WithSpillThreshold(1<<20))}
	}
	rounds := growthSizes[len(growthSizes)-2] / growthSizes[0]
	ctx := context.Background()
	for _, r := range growthReads {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			times := make([]time.Duration, len(stores))
			reads := make([]int, len(stores))
			for i := 0; i < b.N; i++ {
				for round := range rounds {
					for j, s := range stores {
						// Size j is read rounds/(size/smallest) times per
						// iteration, and at least once, in round 0.
						if round%(growthSizes[j]/growthSizes[0]) != 0 {
							continue
						}
						start := time.Now()
						got, err := r.read(ctx, s)
						times[j] += time.Since(start)
						reads[j]++
						if err != nil || got != growthSizes[j] {
							b.Fatalf("%s of %d = %d, %v; want %d", r.name, growthSizes[j], got, err, growthSizes[j])
						}
					}
				}
			}
			per := make([]float64, len(stores))
			for j, n := range growthSizes {
				per[j] = float64(times[j]) / float64(reads[j])
				b.ReportMetric(per[j]/1e6, "ms-at-"+sizeLabel(n))
				if j > 0 {
					// Time ratio raised to the power that scales the
					// sizes' ratio to 10.
					k := float64(n) / float64(growthSizes[j-1])
					b.ReportMetric(math.Pow(per[j]/per[j-1], 1/math.Log10(k)), "x-per-10x-to-"+sizeLabel(n))
				}
			}
		})
	}
}

// sizeLabel returns n as 10k or 1M.
func sizeLabel(n int) string {
	if n >= 1_000_000 && n%1_000_000 == 0 {
		return fmt.Sprint(n/1_000_000, "M")
	}
	return fmt.Sprint(n/1000, "k")
}
