package boltstore_test

import (
	"context"
	"math/rand/v2"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

var variants = []struct {
	name string
	opts []boltstore.Option
}{
	{"plain", nil},
	{"compressed", []boltstore.Option{boltstore.WithCompression()}},
	{"fast-compressed", []boltstore.Option{boltstore.WithFastCompression()}},
	{"pages=2048", []boltstore.Option{boltstore.WithPageSize(2048)}},
	{"pages=1024", []boltstore.Option{boltstore.WithPageSize(1024)}},
	{"pages=1024/fast-compressed", []boltstore.Option{boltstore.WithPageSize(1024), boltstore.WithFastCompression()}},
}

// BenchmarkFill writes 100k entities of about 270 bytes with random ids in
// batches of 10,000, then updates all of them in batches of 10,000, with
// and without compression, and reports the file's size after the fill:
// allocated on disk and apparent.
func BenchmarkFill(b *testing.B) {
	const n, batch = 100000, 10000
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			var insert, update time.Duration
			var allocated, apparent int64
			for b.Loop() {
				s := open(b, v.opts...)
				ctx := context.Background()
				r := rand.New(rand.NewPCG(1, 2))
				ids := storetest.FillIDs(r, n)
				save := func(changes unionstore.Changes[storetest.Item]) error { return s.Save(ctx, changes) }
				insert += storetest.FillPhase(b, r, "bench", ids, batch, save)
				var st syscall.Stat_t
				if err := syscall.Stat(s.Path(), &st); err != nil {
					b.Fatal(err)
				}
				allocated, apparent = st.Blocks*512, st.Size
				update += storetest.FillPhase(b, r, "bench", ids, batch, save)
				s.Close()
				os.Remove(s.Path())
			}
			b.ReportMetric(float64(b.N*n)/insert.Seconds(), "inserts/s")
			b.ReportMetric(float64(b.N*n)/update.Seconds(), "updates/s")
			b.ReportMetric(float64(allocated)/(1<<20), "MiB-allocated")
			b.ReportMetric(float64(apparent)/(1<<20), "MiB-apparent")
		})
	}
}

// BenchmarkGroupCommit saves 64 single-change batches one after the other,
// then 64 from 64 goroutines at once, on the same synced file in the same
// iteration, and reports both rates and their ratio.
func BenchmarkGroupCommit(b *testing.B) {
	const goroutines = 64
	s := open(b)
	ctx := context.Background()
	var serial, concurrent time.Duration
	next := 0
	one := func() unionstore.Changes[storetest.Item] {
		next++
		return benchChanges(1, next)
	}
	for b.Loop() {
		start := time.Now()
		for range goroutines {
			if err := s.Save(ctx, one()); err != nil {
				b.Fatal(err)
			}
		}
		serial += time.Since(start)
		batches := make([]unionstore.Changes[storetest.Item], goroutines)
		for i := range batches {
			batches[i] = one()
		}
		var wg sync.WaitGroup
		start = time.Now()
		for _, batch := range batches {
			wg.Go(func() {
				if err := s.Save(ctx, batch); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		concurrent += time.Since(start)
	}
	b.ReportMetric(float64(b.N*goroutines)/serial.Seconds(), "serial-saves/s")
	b.ReportMetric(float64(b.N*goroutines)/concurrent.Seconds(), "concurrent-saves/s")
	b.ReportMetric(serial.Seconds()/concurrent.Seconds(), "speedup")
}
