package pebblestore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// growthSizes are the namespace sizes the growth benchmarks compare.
var growthSizes = []struct {
	name string
	n    int
}{{"100k", 100_000}, {"1M", 1_000_000}}

// BenchmarkSaveGrowth fills a fresh store's one namespace with n entities
// of about 270 bytes and random ids, in batches of 10,000, for each size,
// by Save and by blindSave in turn, then times 10,000 Gets of random
// stored ids one after the other in each. It reports the fill's time at
// each size and its growth from 100k to 1M (10 is linear), the floor's
// time over Save's at 1M (1 is the floor's rate, higher is faster), and
// the Gets' 99th percentile, also as a ratio of the floor store's.
func BenchmarkSaveGrowth(b *testing.B) {
	const batch, gets = 10000, 10000
	ctx := context.Background()
	fill := map[string]time.Duration{}
	p99 := map[string]time.Duration{}
	iter := 0
	for b.Loop() {
		iter++
		for _, size := range growthSizes {
			for j := range savers {
				// The order alternates, so that a machine whose load
				// changes weighs on both alike.
				sv := savers[(iter+j)%len(savers)]
				s, err := Open[storetest.Item](filepath.Join(b.TempDir(), "store"))
				if err != nil {
					b.Fatal(err)
				}
				r := rand.New(rand.NewPCG(uint64(iter), 3))
				ids := storetest.FillIDs(r, size.n)
				fill[sv.name+size.name] += storetest.FillPhase(b, r, "fill", ids, batch, func(changes unionstore.Changes[storetest.Item]) error { return sv.save(s, changes) })
				{
					lat := make([]time.Duration, gets)
					for i := range lat {
						id := ids[r.IntN(len(ids))]
						start := time.Now()
						if _, ok, err := s.Get(ctx, "fill", "customer", id); err != nil || !ok {
							b.Fatalf("Get(%q) = %v, %v", id, ok, err)
						}
						lat[i] = time.Since(start)
					}
					slices.Sort(lat)
					p99[sv.name+size.name] += lat[gets*99/100]
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	for _, size := range growthSizes {
		b.ReportMetric(fill["save"+size.name].Seconds()*1000/float64(iter), "save-ms-at-"+size.name)
		b.ReportMetric(float64(p99["save"+size.name].Microseconds())/float64(iter), "get-p99-us-at-"+size.name)
		b.ReportMetric(p99["save"+size.name].Seconds()/p99["blind"+size.name].Seconds(), "get-p99-save/blind-at-"+size.name)
	}
	b.ReportMetric(fill["save1M"].Seconds()/fill["save100k"].Seconds(), "save-x-per-10x")
	b.ReportMetric(fill["blind1M"].Seconds()/fill["blind100k"].Seconds(), "blind-x-per-10x")
	b.ReportMetric(fill["blind1M"].Seconds()/fill["save1M"].Seconds(), "save/blind-at-1M")
}

// BenchmarkNamespaces lists a store of n namespaces of one entity each,
// once after the saves (which recounts every namespace) and then over and
// over, for 10k and 100k namespaces.
func BenchmarkNamespaces(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("namespaces=%d", n), func(b *testing.B) {
			s, err := Open[storetest.Item](filepath.Join(b.TempDir(), "store"), WithNoSync())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < n; i += 10000 {
				var changes unionstore.Changes[storetest.Item]
				for j := i; j < i+10000; j++ {
					changes = append(changes, unionstore.Change[storetest.Item]{Namespace: fmt.Sprintf("ns%08d", j), ChangeType: unionstore.ChangeTypeSet,
						Entity: storetest.Item{Kind: "k", ID: "1"}, Timestamp: unionstore.Now()})
				}
				if err := s.Save(ctx, changes); err != nil {
					b.Fatal(err)
				}
			}
			start := time.Now()
			if got, err := s.Namespaces(ctx); err != nil || len(got) != n {
				b.Fatalf("Namespaces = %d namespaces, %v; want %d", len(got), err, n)
			}
			first := time.Since(start)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Namespaces(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
		})
	}
}
