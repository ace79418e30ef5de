package boltstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

var benchBatches = []int{1, 100, 10000}

// benchChanges returns n new customers of namespace "bench", numbered from
// offset.
func benchChanges(n, offset int) unionstore.Changes[storetest.Item] {
	return storetest.Customers("bench", offset, n)
}

// BenchmarkSave saves batches of new entities, each batch one synced
// transaction. Per-change throughput is reported as changes/s.
func BenchmarkSave(b *testing.B) {
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			s := open(b)
			ctx := context.Background()
			batches := make([]unionstore.Changes[storetest.Item], 0, b.N)
			for i := range b.N {
				batches = append(batches, benchChanges(n, i*n))
			}
			b.ResetTimer()
			for i := range b.N {
				if err := s.Save(ctx, batches[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

// BenchmarkLoad loads a namespace of 100k entities, with Load and with
// Scan, and reads one entity of it with Get.
func BenchmarkLoad(b *testing.B) {
	const n = 100000
	s := open(b)
	ctx := context.Background()
	for i := 0; i < n; i += 10000 {
		if err := s.Save(ctx, benchChanges(10000, i)); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("load/entities=100k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, err := s.Load(ctx, "bench")
			if err != nil || len(got) != n {
				b.Fatalf("Load = %d, %v", len(got), err)
			}
		}
	})
	b.Run("get/entities=100k", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			id := fmt.Sprintf("c-%09d", i*7919%n)
			i++
			if _, ok, err := s.Get(ctx, "bench", "customer", id); !ok || err != nil {
				b.Fatalf("Get(%q) = %v, %v", id, ok, err)
			}
		}
	})
	b.Run("scan/entities=100k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			storetest.ScanCount(b, s, "bench", n)
		}
	})
}
