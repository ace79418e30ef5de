package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// reportBatch returns n sets of new entities in namespace ns, numbered from
// first.
func reportBatch(ns string, first, n int) unionstore.Changes[storetest.Item] {
	ts := time.Unix(1700000000, 0)
	out := make(unionstore.Changes[storetest.Item], n)
	for i := range out {
		out[i] = unionstore.Change[storetest.Item]{
			Namespace:  ns,
			ChangeType: unionstore.ChangeTypeSet,
			Entity:     storetest.Item{Kind: "customer", ID: fmt.Sprintf("c-%09d", first+i), Value: "a customer record of moderate size", N: i},
			Timestamp:  ts.Add(time.Duration(first + i)),
		}
	}
	return out
}

// BenchmarkReportBatchSize saves batches of new entities of growing size,
// each Save on its own, and reports changes per second; allocs/op divided
// by the batch size is the allocations per change.
func BenchmarkReportBatchSize(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s := reportStore(b)
			// The batches are made before the timer starts: stopping it
			// at every iteration would cost more than a small Save.
			batches := make([]unionstore.Changes[storetest.Item], b.N)
			for i := range batches {
				batches[i] = reportBatch("report", i*n, n)
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

// BenchmarkReportLoad loads a namespace of 10,000 entities; allocs/op
// divided by 10,000 is the allocations per change.
func BenchmarkReportLoad(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	s := reportStore(b)
	if err := s.Save(ctx, reportBatch("report", 0, n)); err != nil {
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

// reportStore returns a store on a table of its own on the server of
// UNIONSTORE_POSTGRES_URL.
func reportStore(b *testing.B) unionstore.Store[storetest.Item] { return newStore(b) }
