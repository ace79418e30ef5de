package integration_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// engine opens one of the embedded stores, so that each benchmark runs the
// same work on pebble and on bolt in one run.
type engine struct {
	name string
	open func(tb testing.TB, dir string) unionstore.Store[storetest.Item]
}

var engines = []engine{
	{"pebble", func(tb testing.TB, dir string) unionstore.Store[storetest.Item] {
		tb.Helper()
		s, err := pebblestore.Open[storetest.Item](filepath.Join(dir, "store"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"bolt", func(tb testing.TB, dir string) unionstore.Store[storetest.Item] {
		tb.Helper()
		s, err := boltstore.Open[storetest.Item](filepath.Join(dir, "store.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

const benchEntities = 100000

// benchChanges returns n sets of new customers numbered from offset, with
// timestamps that grow with generation: a later generation updates them.
func benchChanges(n, offset, generation int) unionstore.Changes[storetest.Item] {
	out := storetest.Customers("bench", offset, n)
	for i := range out {
		out[i].Entity.N = generation
		out[i].Timestamp = out[i].Timestamp.Add(time.Duration(generation) * time.Hour)
	}
	return out
}

// fill saves benchEntities customers in batches of 10,000.
func fill(tb testing.TB, s unionstore.Store[storetest.Item]) {
	tb.Helper()
	for i := 0; i < benchEntities; i += 10000 {
		if err := s.Save(context.Background(), benchChanges(10000, i, 0)); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkSave saves batches of 10,000 new entities, and batches of 1,000
// updates to entities of a 100k namespace; each batch is one synced write.
func BenchmarkSave(b *testing.B) {
	ctx := context.Background()
	for _, e := range engines {
		b.Run("engine="+e.name+"/new/batch=10000", func(b *testing.B) {
			b.ReportAllocs()
			s := e.open(b, b.TempDir())
			batches := make([]unionstore.Changes[storetest.Item], b.N)
			for i := range batches {
				batches[i] = benchChanges(10000, i*10000, 0)
			}
			b.ResetTimer()
			for i := range b.N {
				if err := s.Save(ctx, batches[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "changes/s")
		})
		b.Run("engine="+e.name+"/update/batch=1000", func(b *testing.B) {
			b.ReportAllocs()
			s := e.open(b, b.TempDir())
			fill(b, s)
			batches := make([]unionstore.Changes[storetest.Item], b.N)
			for i := range batches {
				// Spread over the namespace, each a newer generation.
				batches[i] = benchChanges(1000, (i*37000)%(benchEntities-1000), i+1)
			}
			b.ResetTimer()
			for i := range b.N {
				if err := s.Save(ctx, batches[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

// BenchmarkSaveOne saves one change per Save, from one goroutine and from
// 64 at once: concurrent saves can share the sync of the log (pebble) or
// not (bolt, whose writers take turns).
func BenchmarkSaveOne(b *testing.B) {
	ctx := context.Background()
	for _, e := range engines {
		for _, goroutines := range []int{1, 64} {
			b.Run(fmt.Sprintf("engine=%s/goroutines=%d", e.name, goroutines), func(b *testing.B) {
				b.ReportAllocs()
				s := e.open(b, b.TempDir())
				var next atomic.Int64
				b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
				if goroutines == 1 {
					b.SetParallelism(1)
				}
				save := func() {
					n := int(next.Add(1))
					if err := s.Save(ctx, benchChanges(1, n, 0)); err != nil {
						b.Error(err)
					}
				}
				b.ResetTimer()
				if goroutines == 1 {
					for b.Loop() {
						save()
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							save()
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
			})
		}
	}
}

// BenchmarkRead loads and scans a namespace of 100k entities, and reads one
// entity of it with Get, on the stores that implement unionstore.Getter.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	for _, e := range engines {
		s := e.open(b, b.TempDir())
		fill(b, s)
		b.Run("engine="+e.name+"/load/entities=100k", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.Load(ctx, "bench")
				if err != nil || len(got) != benchEntities {
					b.Fatalf("Load = %d, %v", len(got), err)
				}
			}
		})
		b.Run("engine="+e.name+"/scan/entities=100k", func(b *testing.B) {
			b.ReportAllocs()
			sc := s.(unionstore.Scanner[storetest.Item])
			for b.Loop() {
				storetest.ScanCount(b, sc, "bench", benchEntities)
			}
		})
		g, ok := s.(unionstore.Getter[storetest.Item])
		if !ok {
			continue
		}
		b.Run("engine="+e.name+"/get/entities=100k", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i = (i + 7919) % benchEntities
				if _, found, err := g.Get(ctx, "bench", "customer", fmt.Sprintf("c-%09d", i)); err != nil || !found {
					b.Fatalf("Get = %v, %v", found, err)
				}
			}
		})
	}
}

// BenchmarkSize reports the bytes on disk of 100k entities saved in
// batches of 10,000, after Close.
func BenchmarkSize(b *testing.B) {
	for _, e := range engines {
		b.Run("engine="+e.name+"/entities=100k", func(b *testing.B) {
			var size int64
			for b.Loop() {
				dir := b.TempDir()
				s := e.open(b, dir)
				fill(b, s)
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				size = dirSize(b, dir)
			}
			b.ReportMetric(float64(size)/(1<<20), "MiB")
		})
	}
}

func dirSize(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
