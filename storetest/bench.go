package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
)

// BenchFactory returns a new, empty store for one benchmark. It should
// register the store's cleanup with b.Cleanup; the benchmarks close the
// store themselves too, so Close must be safe to call twice.
type BenchFactory func(b *testing.B) unionstore.Store[Item]

// batchSizes are the batch sizes BenchmarkBatchSize saves; the benchmark
// report reads batch=1000 as the allocations per change of Save.
var batchSizes = []int{1, 10, 100, 1000, 10000}

// LoadEntities is the number of entities in the namespace
// [BenchmarkLoad] loads.
const LoadEntities = 10000

// reportID names entity k of the benchmarks.
func reportID(k int) string { return fmt.Sprintf("c-%09d", k) }

// Customers returns n sets of new entities in namespace ns, numbered from
// first, as the benchmarks save them: kind "customer", id "c-" and the
// number in 9 digits, a value of 34 bytes, and timestamps one nanosecond
// apart from a fixed instant, rising with the number.
func Customers(ns string, first, n int) unionstore.Changes[Item] {
	return customers(ns, first, n, reportID)
}

// BenchmarkBatchSize saves batches of 1, 10, 100, 1,000 and 10,000 new
// entities to one namespace, each Save on its own, in a sub-benchmark
// "batch=N" with a fresh store made by newStore, and reports changes per
// second ("changes/s") and allocations ("allocs/op", "B/op"); allocs/op
// divided by the batch size is the allocations per change. A Save that
// fails stops the benchmark with its error.
//
// The batches are made before the timer starts: stopping it at every
// iteration would cost more than a small Save. They take memory in
// proportion to b.N times the batch size.
func BenchmarkBatchSize(b *testing.B, newStore BenchFactory) {
	ctx := context.Background()
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s := openFresh(b, newStore)
			batches := make([]unionstore.Changes[Item], b.N)
			for i := range batches {
				batches[i] = Customers("report", i*n, n)
			}
			b.ReportAllocs()
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

// BenchmarkLoad loads a namespace of [LoadEntities] entities from a store
// made by newStore and filled once, in a sub-benchmark "entities=N", and
// reports allocations ("allocs/op", "B/op"); allocs/op divided by N is the
// allocations per change. A Save or Load that fails, or a Load of the
// wrong length, stops the benchmark.
func BenchmarkLoad(b *testing.B, newStore BenchFactory) {
	const n = LoadEntities
	ctx := context.Background()
	s := openFresh(b, newStore)
	if err := s.Save(ctx, Customers("report", 0, n)); err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("entities=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, err := s.Load(ctx, "report"); err != nil || len(got) != n {
				b.Fatalf("Load = %d changes, %v; want %d", len(got), err, n)
			}
		}
	})
}
