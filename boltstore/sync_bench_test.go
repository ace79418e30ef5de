//go:build linux

package boltstore_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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
