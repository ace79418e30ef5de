package unionstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
)

// spreadBatch returns n changes over spaces namespaces.
func spreadBatch(n, spaces, round int) unionstore.Changes[Item] {
	out := make(unionstore.Changes[Item], n)
	for i := range out {
		out[i] = inNS(fmt.Sprintf("tenant-%d", i%spaces), set(fmt.Sprint(i), "v", at(round*n+i)))
	}
	return out
}

// BenchmarkShardsSave compares a batch saved to one Memory with the same
// batch split over 4 shards of Memory, and a Load of one namespace.
func BenchmarkShardsSave(b *testing.B) {
	ctx := context.Background()
	p := mustPlacement(b, []string{"a", "b", "c", "d"})
	targets := []struct {
		name  string
		store func() unionstore.Store[Item]
	}{
		{"one memory", func() unionstore.Store[Item] { return unionstore.NewMemory[Item]() }},
		{"4 shards", func() unionstore.Store[Item] {
			return mustShards(b, p, storesOf(shardMemories("a", "b", "c", "d"), p))
		}},
	}
	for _, tc := range targets {
		b.Run("save 100 changes over 10 namespaces/"+tc.name, func(b *testing.B) {
			s := tc.store()
			b.ReportAllocs()
			round := 0
			for b.Loop() {
				round++
				if err := s.Save(ctx, spreadBatch(100, 10, round)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("load 1000 entities/"+tc.name, func(b *testing.B) {
			s := tc.store()
			if err := s.Save(ctx, spreadBatch(1000, 1, 0)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Load(ctx, "tenant-0"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRebalance moves the namespaces a fifth shard takes from four,
// 200 namespaces of 100 entities each, and reports namespaces moved per
// second.
func BenchmarkRebalance(b *testing.B) {
	ctx := context.Background()
	four := mustPlacement(b, []string{"a", "b", "c", "d"})
	five := mustPlacement(b, []string{"a", "b", "c", "d", "e"})
	moved := 0
	for b.Loop() {
		b.StopTimer()
		mem := shardMemories("a", "b", "c", "d", "e")
		old := mustShards(b, four, storesOf(mem, four))
		for i := range 200 {
			batch := make(unionstore.Changes[Item], 100)
			for j := range batch {
				batch[j] = inNS(fmt.Sprintf("tenant-%d", i), set(fmt.Sprint(j), "v", at(j)))
			}
			if err := old.Save(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		s := mustShards(b, five, storesOf(mem, four, five), unionstore.Previous(four))
		b.StartTimer()
		report, err := s.Rebalance(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		moved += report.Moved()
	}
	b.ReportMetric(float64(moved)/b.Elapsed().Seconds(), "namespaces/s")
	b.ReportMetric(float64(moved)/float64(b.N), "moved/op")
}
