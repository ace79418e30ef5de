//go:build linux

package boltstore_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkSaveOneSyncs measures a Save of one change against the floor
// that the disk sets: a 4 KiB write and fdatasync of a file in the same
// directory, alternating in the same iterations. bbolt commits a
// transaction with two fdatasyncs, one for the pages and one for the meta
// page that points to them, so syncs-per-save near 2 says that a lone
// Save is bound by the disk, not by the store; a log-structured store
// that syncs once per commit can be twice as fast.
func BenchmarkSaveOneSyncs(b *testing.B) {
	s := open(b)
	ctx := context.Background()
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "floor"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	var save, sync time.Duration
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		next++
		c := benchChanges(1, next)
		start := time.Now()
		if err := s.Save(ctx, c); err != nil {
			b.Fatal(err)
		}
		save += time.Since(start)
		start = time.Now()
		if _, err := f.WriteAt(page, int64(next%16)*4096); err != nil {
			b.Fatal(err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
		sync += time.Since(start)
	}
	b.ReportMetric(float64(save.Microseconds())/float64(b.N), "save-µs")
	b.ReportMetric(float64(sync.Microseconds())/float64(b.N), "sync-µs")
	b.ReportMetric(save.Seconds()/sync.Seconds(), "syncs/save")
}

// writtenBytes returns the bytes the process has written through write
// calls so far (wchar of /proc/self/io).
func writtenBytes(tb testing.TB) int64 {
	tb.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatal("no wchar in /proc/self/io")
	return 0
}

// BenchmarkWriteAmplification fills a store with 100k entities of about
// 270 bytes with random ids, then updates all of them in batches of
// 10,000, and reports what the updates wrote to the file per batch
// against the bytes of the records they stored (key, 14-byte header and
// payload): bbolt writes every page a batch touches, whole.
func BenchmarkWriteAmplification(b *testing.B) {
	const n, batch = 100000, 10000
	codec := unionstore.JSONCodec[storetest.Item]()
	var written, records int64
	batches := 0
	for b.Loop() {
		s := open(b)
		ctx := context.Background()
		r := rand.New(rand.NewPCG(1, 2))
		ids := storetest.FillIDs(r, n)
		for round := range 2 {
			// The fill, then the update, which is measured.
			storetest.FillPhase(b, r, "bench", ids, batch, func(changes unionstore.Changes[storetest.Item]) error {
				before := writtenBytes(b)
				if err := s.Save(ctx, changes); err != nil || round == 0 {
					return err
				}
				written += writtenBytes(b) - before
				batches++
				for _, c := range changes {
					p, err := codec.Encode(c.Entity)
					if err != nil {
						return err
					}
					records += int64(len(c.Entity.Kind) + 2 + len(c.Entity.ID) + 14 + len(p))
				}
				return nil
			})
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(written)/float64(batches)/(1<<20), "MiB-written/batch")
	b.ReportMetric(float64(records)/float64(batches)/(1<<20), "MiB-of-records/batch")
	b.ReportMetric(float64(written)/float64(records), "write-amplification")
}
