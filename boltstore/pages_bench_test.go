package boltstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// pageFigures is what bbolt's statistics say of a closed store's file.
type pageFigures struct {
	pageSize  int
	pages     int // the file's high-water mark, in pages
	allocated int64
	leaf      int // leaf pages of the namespaces, overflow included
	branch    int
	leafAlloc int // bytes of those leaf pages
	leafInuse int // bytes of them that hold keys, values and headers
	free      int // pages on the freelist, ready for reuse
	pending   int // pages freed by a transaction a reader may still see
	freelist  int // bytes the freelist takes when it is synced
	depth     int
}

// fill is the part of the leaf pages' bytes in use.
func (f pageFigures) fill() float64 { return float64(f.leafInuse) / float64(f.leafAlloc) }

// readPages opens the closed store's file read-only and reads its page
// statistics: the namespaces' buckets, and the freelist.
func readPages(tb testing.TB, path string) pageFigures {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		tb.Fatalf("bolt.Open(%q): %v", path, err)
	}
	defer db.Close()
	var f pageFigures
	err = db.View(func(tx *bolt.Tx) error {
		f.pageSize = tx.DB().Info().PageSize
		f.pages = int(tx.Size()) / f.pageSize
		records := tx.Bucket([]byte("records"))
		if records == nil {
			return fmt.Errorf("no records bucket")
		}
		return records.ForEachBucket(func(name []byte) error {
			st := records.Bucket(name).Stats()
			f.leaf += st.LeafPageN + st.LeafOverflowN
			f.branch += st.BranchPageN + st.BranchOverflowN
			f.leafAlloc += st.LeafAlloc
			f.leafInuse += st.LeafInuse
			f.depth = max(f.depth, st.Depth)
			return nil
		})
	})
	if err != nil {
		tb.Fatalf("page statistics of %q: %v", path, err)
	}
	st := db.Stats()
	f.free, f.pending, f.freelist = st.FreePageN, st.PendingPageN, st.FreelistInuse
	var fi syscall.Stat_t
	if err := syscall.Stat(path, &fi); err != nil {
		tb.Fatal(err)
	}
	f.allocated = fi.Blocks * 512
	return f
}

// report reports f under the given phase name.
func (f pageFigures) report(b *testing.B, phase string) {
	b.ReportMetric(float64(f.pages*f.pageSize)/(1<<20), phase+"-MiB")
	b.ReportMetric(float64(f.leaf), phase+"-leaf-pages")
	b.ReportMetric(100*f.fill(), phase+"-leaf-fill-%")
	b.ReportMetric(float64(f.branch), phase+"-branch-pages")
	b.ReportMetric(float64(f.free+f.pending), phase+"-free-pages")
	b.ReportMetric(100*float64(f.free+f.pending)/float64(f.pages), phase+"-free-%")
}

// BenchmarkFillPages runs the fill of BenchmarkFill (100k entities of about
// 270 bytes with random ids, in batches of 10,000), then updates all of
// them three times, and reports bbolt's page statistics after the fill,
// after the first update and after the last: the file's size (its
// high-water mark of pages), the namespace's leaf and branch pages, the
// part of the leaf pages' bytes in use, and the free pages that the
// freelist holds for reuse.
func BenchmarkFillPages(b *testing.B) {
	const n, batch, updates = 100000, 10000, 3
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			var fill, first, last pageFigures
			for b.Loop() {
				s := open(b, v.opts...)
				ctx := context.Background()
				r := rand.New(rand.NewPCG(1, 2))
				ids := storetest.FillIDs(r, n)
				for round := range 1 + updates {
					storetest.FillPhase(b, r, "bench", ids, batch, func(changes unionstore.Changes[storetest.Item]) error { return s.Save(ctx, changes) })
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					f := readPages(b, s.Path())
					switch round {
					case 0:
						fill = f
					case 1:
						first = f
					case updates:
						last = f
					}
					s = openAt(b, s.Path(), v.opts...)
				}
			}
			fill.report(b, "fill")
			first.report(b, "update1")
			last.report(b, fmt.Sprintf("update%d", updates))
		})
	}
}
