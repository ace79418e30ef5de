package kafkastore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

func benchBatch(ns string, from, n int) unionstore.Changes[storetest.Item] {
	out := make(unionstore.Changes[storetest.Item], n)
	for i := range out {
		out[i] = set(ns, "k", fmt.Sprintf("%07d", from+i), "some value of moderate length", at(from+i))
	}
	return out
}

// BenchmarkSave saves batches of 10,000 new identities to one namespace.
func BenchmarkSave(b *testing.B) {
	const batch = 10000
	s := open(b, newTopic(b))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := s.Save(context.Background(), benchBatch("ns", n, batch)); err != nil {
			b.Fatal(err)
		}
		n += batch
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "changes/s")
}

// BenchmarkRead reads a namespace of 100,000 identities in one run: Load,
// Scan in memory, Scan spilling runs of 1 MiB to disk, and a point read
// with Get, which reads the same partition.
func BenchmarkRead(b *testing.B) {
	const entities, batch = 100000, 10000
	topic := newTopic(b)
	s := open(b, topic, kafkastore.WithPartitions(1))
	for i := 0; i < entities; i += batch {
		if err := s.Save(context.Background(), benchBatch("ns", i, batch)); err != nil {
			b.Fatal(err)
		}
	}
	spilling := open(b, topic, kafkastore.WithoutCreate(), kafkastore.WithSpillThreshold(1<<20))
	scan := func(b *testing.B, s *kafkastore.Store[storetest.Item]) {
		n := 0
		for _, err := range s.Scan(context.Background(), "ns") {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != entities {
			b.Fatalf("Scan yielded %d changes, want %d", n, entities)
		}
	}
	for _, bc := range []struct {
		name string
		run  func(b *testing.B)
	}{
		{"load", func(b *testing.B) {
			if got := load(b, s, "ns"); len(got) != entities {
				b.Fatalf("Load = %d changes, want %d", len(got), entities)
			}
		}},
		{"scan", func(b *testing.B) { scan(b, s) }},
		{"scan-spill-1MiB", func(b *testing.B) { scan(b, spilling) }},
		{"get", func(b *testing.B) {
			if _, ok, err := s.Get(context.Background(), "ns", "k", "0050000"); err != nil || !ok {
				b.Fatalf("Get = %v, %v", ok, err)
			}
		}},
	} {
		b.Run(fmt.Sprintf("%s/entities=100k", bc.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.run(b)
			}
		})
	}
}

// BenchmarkGet reads single identities of a namespace of 10k and of 100k
// identities with Get: through a store WithGetIndex ("indexed"), whose
// index the first Get makes before the timer starts, and through one
// without it ("scan"), which reads the partition at each Get. It reports
// the microseconds of a Get; BenchmarkGetIndexMemory measures the index.
func BenchmarkGet(b *testing.B) {
	const batch = 10000
	for _, entities := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("entities=%dk", entities/1000), func(b *testing.B) {
			topic := newTopic(b)
			s := open(b, topic, kafkastore.WithPartitions(1))
			for i := 0; i < entities; i += batch {
				if err := s.Save(context.Background(), benchBatch("ns", i, batch)); err != nil {
					b.Fatal(err)
				}
			}
			indexed := open(b, topic, kafkastore.WithoutCreate(), kafkastore.WithGetIndex())
			for _, bc := range []struct {
				name string
				s    *kafkastore.Store[storetest.Item]
			}{
				{"indexed", indexed},
				{"scan", s},
			} {
				b.Run(bc.name, func(b *testing.B) {
					n := 0
					get := func() {
						// A stride across the namespace, so that Gets
						// do not read the same record batch.
						id := fmt.Sprintf("%07d", n*7919%entities)
						n++
						c, ok, err := bc.s.Get(context.Background(), "ns", "k", id)
						if err != nil || !ok || c.Entity.ID != id {
							b.Fatalf("Get(%s) = %v, %v, %v", id, c.Entity.ID, ok, err)
						}
					}
					get()
					b.ReportAllocs()
					n = 0
					for b.Loop() {
						get()
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "get-µs")
				})
			}
		})
	}
}
