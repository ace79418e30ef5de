package boltstore_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkFillGrowth fills a store with 1M entities of about 270 bytes
// with random ids in batches of 10,000, and reports, for the last ten
// batches before 100k and before 1M, the time and the bytes written to
// the file per change saved: why a Save of new entities costs more as the
// namespace grows. bbolt rewrites whole every page a batch touches, and a
// batch of random ids touches a share of the leaf pages that rises with
// their number, up to one page per change.
func BenchmarkFillGrowth(b *testing.B) {
	const n, batch, window = 1_000_000, 10_000, 10
	marks := []struct {
		name string
		at   int // the entities saved after the window
	}{{"100k", 100_000}, {"1M", 1_000_000}}
	took := make([]time.Duration, len(marks))
	wrote := make([]int64, len(marks))
	iter := 0
	for b.Loop() {
		iter++
		s := open(b)
		ctx := context.Background()
		r := rand.New(rand.NewPCG(uint64(iter), 2))
		ids := storetest.FillIDs(r, n)
		ts := unionstore.Now()
		for i := 0; i < n; i += batch {
			changes := storetest.FillCustomers(r, "bench", ids[i:i+batch], ts)
			before, start := writtenBytes(b), time.Now()
			if err := s.Save(ctx, changes); err != nil {
				b.Fatal(err)
			}
			for m, mark := range marks {
				if i >= mark.at-window*batch && i < mark.at {
					took[m] += time.Since(start)
					wrote[m] += writtenBytes(b) - before
				}
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	changes := float64(iter * window * batch)
	for m, mark := range marks {
		b.ReportMetric(float64(took[m].Nanoseconds())/1000/changes, "µs/change-at-"+mark.name)
		b.ReportMetric(float64(wrote[m])/changes, "B-written/change-at-"+mark.name)
	}
	b.ReportMetric(float64(took[1])/float64(took[0]), "µs-1M/100k")
	b.ReportMetric(float64(wrote[1])/float64(wrote[0]), "written-1M/100k")
}
