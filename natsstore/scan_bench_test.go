package natsstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// scanRead is what one read of scanVersusLoad took: its whole time, the
// time to its first change, and the live heap (after a collection) when
// it held its first change, above the heap before the read.
type scanRead struct {
	total, first time.Duration
	live         uint64
}

// timedScan scans namespace, taking the time to its first change and to
// its end, and, with heap, the live heap at its first change instead of
// the times (a collection inside the timed read would lengthen it).
func timedScan(tb testing.TB, s *natsstore.Store[storetest.Item], namespace string, want int, heap bool) scanRead {
	tb.Helper()
	var r scanRead
	base := liveHeap(heap)
	start := time.Now()
	n := 0
	for _, err := range s.Scan(context.Background(), namespace) {
		if err != nil {
			tb.Fatalf("Scan: %v", err)
		}
		if n == 0 {
			r.first = time.Since(start)
			r.live = above(liveHeap(heap), base)
		}
		n++
	}
	r.total = time.Since(start)
	if n != want {
		tb.Fatalf("Scan yielded %d changes, want %d", n, want)
	}
	return r
}

// timedLoad loads namespace as timedScan scans it, the live heap taken
// while the loaded changes are held.
func timedLoad(tb testing.TB, s *natsstore.Store[storetest.Item], namespace string, want int, heap bool) scanRead {
	tb.Helper()
	base := liveHeap(heap)
	start := time.Now()
	got, err := s.Load(context.Background(), namespace)
	r := scanRead{total: time.Since(start)}
	if err != nil || len(got) != want {
		tb.Fatalf("Load = %d changes, %v; want %d", len(got), err, want)
	}
	r.live = above(liveHeap(heap), base)
	runtime.KeepAlive(got)
	return r
}

// liveHeap returns the heap's live bytes after a collection, or 0 when
// measure is false.
func liveHeap(measure bool) uint64 {
	if !measure {
		return 0
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// above returns how far heap is above base, or 0.
func above(heap, base uint64) uint64 { return heap - min(base, heap) }

// BenchmarkScanVersusLoad reads a namespace of 100k entities with Load and
// with Scan, one after the other in each iteration, Scan both within its
// default spill threshold and beyond a 1 MiB one, and reports Scan's time
// and the time to its first change against Load's, as ratios of the same
// iterations. After the timed iterations it reads each way once more to
// report the live heap while the read holds its first change (Load: its
// result), above the heap before the read.
func BenchmarkScanVersusLoad(b *testing.B) {
	const n = 100_000
	s := newStore(b)
	fillNamespace(b, s, n)
	spilling := newStoreOn(b, sharedJS(b), s.Stream(), natsstore.WithSpillThreshold(1<<20))
	var load, scan, spilled scanRead
	add := func(sum *scanRead, r scanRead) { sum.total += r.total; sum.first += r.first }
	for b.Loop() {
		add(&load, timedLoad(b, s, "bench", n, false))
		add(&scan, timedScan(b, s, "bench", n, false))
		add(&spilled, timedScan(b, spilling, "bench", n, false))
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	b.ReportMetric(ms(load.total), "load-ms")
	b.ReportMetric(ms(scan.total), "scan-ms")
	b.ReportMetric(ms(scan.first), "scan-first-ms")
	b.ReportMetric(ms(spilled.total), "spilled-ms")
	b.ReportMetric(float64(scan.total)/float64(load.total), "scan/load")
	b.ReportMetric(float64(scan.first)/float64(load.total), "scan-first/load")
	b.ReportMetric(float64(spilled.total)/float64(load.total), "spilled/load")
	mib := func(r scanRead) float64 { return float64(r.live) / (1 << 20) }
	b.ReportMetric(mib(timedLoad(b, s, "bench", n, true)), "load-live-MiB")
	b.ReportMetric(mib(timedScan(b, s, "bench", n, true)), "scan-live-MiB")
	b.ReportMetric(mib(timedScan(b, spilling, "bench", n, true)), "spilled-live-MiB")
	b.ReportMetric(0, "ns/op")
}

// TestScanMemoryIsBounded scans a namespace of 10k changes of about 1,000
// bytes each, 10 MiB of bodies, with a spill threshold of 1 MiB, and
// checks that the live heap while the Scan holds its first change is a
// small part of what Load holds, and below a bound that does not grow
// with the namespace: the threshold's records have been written to disk
// by then, and the merge holds a buffer of 32 KiB per run.
func TestScanMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("saves and reads 10 MiB")
	}
	const n = 10_000
	ctx := context.Background()
	s := newStore(t)
	body := strings.Repeat("x", 1000)
	for start := 0; start < n; start += benchBatch {
		batch := make(unionstore.Changes[storetest.Item], 0, benchBatch)
		for i := start; i < min(start+benchBatch, n); i++ {
			batch = append(batch, set("big", "k", fmt.Sprintf("%07d", i), body, at(i)))
		}
		if err := s.Save(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	spilling := newStoreOn(t, sharedJS(t), s.Stream(), natsstore.WithSpillThreshold(1<<20), natsstore.WithTempDir(t.TempDir()))
	load := timedLoad(t, s, "big", n, true)
	scan := timedScan(t, spilling, "big", n, true)
	t.Logf("live heap: Load %.1f MiB, Scan beyond a 1 MiB threshold %.1f MiB", float64(load.live)/(1<<20), float64(scan.live)/(1<<20))
	if limit := uint64(4 << 20); scan.live > limit {
		t.Errorf("Scan holds %.1f MiB at its first change, want at most %d MiB", float64(scan.live)/(1<<20), limit>>20)
	}
	if scan.live*3 > load.live {
		t.Errorf("Scan holds %d bytes at its first change, more than a third of Load's %d", scan.live, load.live)
	}
}
