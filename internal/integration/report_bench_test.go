package integration_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkReportSaveConcurrency saves 64 single-change batches per
// iteration, split evenly over 1 to 64 goroutines, on each engine, and
// reports changes per second: how far concurrent saves share a sync.
func BenchmarkReportSaveConcurrency(b *testing.B) {
	const saves = 64
	ctx := context.Background()
	for _, e := range engines {
		for _, goroutines := range []int{1, 4, 16, 64} {
			b.Run(fmt.Sprintf("engine=%s/goroutines=%d", e.name, goroutines), func(b *testing.B) {
				s := e.open(b, b.TempDir())
				next := 0
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					work := make([]unionstore.Changes[storetest.Item], saves)
					for i := range work {
						work[i] = storetest.Customers("report", next, 1)
						next++
					}
					b.StartTimer()
					var wg sync.WaitGroup
					per := saves / goroutines
					for g := range goroutines {
						wg.Go(func() {
							for _, c := range work[g*per : (g+1)*per] {
								if err := s.Save(ctx, c); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					wg.Wait()
				}
				b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "changes/s")
			})
		}
	}
}

// allocatedBytes returns the bytes allocated on disk to the files under
// dir.
func allocatedBytes(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Stat(path, &st); err != nil {
			return err
		}
		n += st.Blocks * 512
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// fillResult is what one engine took to fill and update, and its size.
type fillResult struct {
	insert, update time.Duration
	allocated      int64
}

// fillOnce writes 100k entities with random ids in batches of 10,000 to a
// fresh store of e, then updates all of them in batches of 10,000, and
// returns the times and the bytes allocated after Close.
func fillOnce(b *testing.B, e engine, seed uint64) fillResult {
	const n, batch = 100000, 10000
	ctx := context.Background()
	dir := b.TempDir()
	s := e.open(b, dir)
	r := rand.New(rand.NewPCG(seed, 2))
	ids := storetest.FillIDs(r, n)
	var res fillResult
	for _, phase := range []*time.Duration{&res.insert, &res.update} {
		ts := unionstore.Now()
		for i := 0; i < n; i += batch {
			changes := storetest.FillCustomers(r, "fill", ids[i:i+batch], ts)
			start := time.Now()
			if err := s.Save(ctx, changes); err != nil {
				b.Fatal(err)
			}
			*phase += time.Since(start)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	res.allocated = allocatedBytes(b, dir)
	return res
}

// BenchmarkReportFill fills each engine with 100k entities of about 270
// bytes with random ids in batches of 10,000, then updates all of them, in
// the same iterations with the engines' order alternating, and reports
// bolt's insert and update rates as ratios of pebble's, and bolt's bytes
// allocated on disk after Close as a ratio of pebble's.
func BenchmarkReportFill(b *testing.B) {
	const n = 100000
	var sum [2]fillResult // pebble, bolt
	iter := 0
	for b.Loop() {
		iter++
		for j := range engines {
			k := (iter + j) % len(engines)
			res := fillOnce(b, engines[k], uint64(iter))
			sum[k].insert += res.insert
			sum[k].update += res.update
			sum[k].allocated = res.allocated
		}
	}
	pebble, bolt := sum[0], sum[1]
	rate := func(d time.Duration) float64 { return float64(n*iter) / d.Seconds() }
	b.ReportMetric(rate(pebble.insert), "pebble-inserts/s")
	b.ReportMetric(rate(bolt.insert), "bolt-inserts/s")
	b.ReportMetric(rate(pebble.update), "pebble-updates/s")
	b.ReportMetric(rate(bolt.update), "bolt-updates/s")
	b.ReportMetric(pebble.insert.Seconds()/bolt.insert.Seconds(), "bolt/pebble-inserts")
	b.ReportMetric(pebble.update.Seconds()/bolt.update.Seconds(), "bolt/pebble-updates")
	b.ReportMetric(float64(pebble.allocated)/(1<<20), "pebble-MiB")
	b.ReportMetric(float64(bolt.allocated)/(1<<20), "bolt-MiB")
	b.ReportMetric(float64(bolt.allocated)/float64(pebble.allocated), "bolt/pebble-size")
}
