package s3store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

const benchEntities = 100_000

// fillSegments saves benchEntities changes to ns in k batches, one segment
// each; every batch after the first also overwrites a tenth of as many
// entities of the first.
func fillSegments(b *testing.B, s *s3store.Store[storetest.Item], ns string, k int) {
	b.Helper()
	per := benchEntities / k
	for i := range k {
		in := batch(ns, i*per, per)
		if i > 0 {
			for j := 0; j < per; j += 10 {
				in = append(in, item(ns, fmt.Sprintf("%06d", j), benchEntities+i*per+j))
			}
		}
		if err := s.Save(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave(b *testing.B) {
	f := newFakeS3(b, false).server()
	s, _ := f.newStore(b, s3store.WithMaxSegments(0))
	in := batch("ns", 0, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := s.Save(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(in))/b.Elapsed().Seconds(), "changes/s")
}

func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	f := newFakeS3(b, false).server()
	for _, k := range []int{1, 32} {
		s, _ := f.newStore(b, s3store.WithMaxSegments(0))
		ns := fmt.Sprint("segments-", k)
		fillSegments(b, s, ns, k)
		b.Run(fmt.Sprintf("load/entities=100k/segments=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				got, err := s.Load(ctx, ns)
				if err != nil || len(got) != benchEntities {
					b.Fatalf("Load = %d changes, %v", len(got), err)
				}
			}
		})
		b.Run(fmt.Sprintf("scan/entities=100k/segments=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				n := 0
				for _, err := range s.Scan(ctx, ns) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != benchEntities {
					b.Fatalf("Scan = %d changes", n)
				}
			}
		})
		b.Run(fmt.Sprintf("get/entities=100k/segments=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if _, ok, err := s.Get(ctx, ns, "k", fmt.Sprintf("%06d", (i*7919)%benchEntities)); err != nil || !ok {
					b.Fatalf("Get = %v, %v", ok, err)
				}
			}
		})
	}
}

func BenchmarkCompact(b *testing.B) {
	f := newFakeS3(b, false).server()
	b.Run("entities=100k/segments=32", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			b.StopTimer()
			s, _ := f.newStore(b, s3store.WithMaxSegments(0))
			fillSegments(b, s, "ns", 32)
			b.StartTimer()
			if err := s.Compact(context.Background(), "ns"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
