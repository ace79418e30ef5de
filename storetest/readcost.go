package storetest

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// ReadCost is what one read of a namespace took, as [MeasureScan] and
// [MeasureLoad] measure it.
type ReadCost struct {
	// Total is the time of the whole read, and First the time to a Scan's
	// first change (for Load, zero).
	Total, First time.Duration
	// Live is the heap's live bytes, after a collection, above those
	// before the read: for a Scan while it holds its first change, for a
	// Load while its result is held. It is measured only when asked for,
	// since a collection inside a timed read would lengthen it.
	Live uint64
}

// MeasureScan scans namespace of s and fails tb unless it yields want
// changes without error. With heap, it takes the live heap at the first
// change instead of meaningful times.
//
// A Scan that streams holds little at its first change; one that reads
// the namespace into memory first holds all of it: the live heap tells
// them apart, where allocation counts, which add up garbage, cannot.
func MeasureScan(tb testing.TB, s unionstore.Scanner[Item], namespace string, want int, heap bool) ReadCost {
	tb.Helper()
	var r ReadCost
	base := liveHeap(heap)
	start := time.Now()
	n := 0
	for _, err := range s.Scan(context.Background(), namespace) {
		if err != nil {
			tb.Fatalf("Scan(%q): %v", namespace, err)
		}
		if n == 0 {
			r.First = time.Since(start)
			r.Live = above(liveHeap(heap), base)
		}
		n++
	}
	r.Total = time.Since(start)
	if n != want {
		tb.Fatalf("Scan(%q) yielded %d changes, want %d", namespace, n, want)
	}
	return r
}

// MeasureLoad loads namespace of s as [MeasureScan] scans it, and fails tb
// unless the load returns want changes without error. With heap, it takes
// the live heap while the loaded changes are held.
func MeasureLoad(tb testing.TB, s unionstore.Store[Item], namespace string, want int, heap bool) ReadCost {
	tb.Helper()
	base := liveHeap(heap)
	start := time.Now()
	got, err := s.Load(context.Background(), namespace)
	r := ReadCost{Total: time.Since(start)}
	if err != nil || len(got) != want {
		tb.Fatalf("Load(%q) = %d changes, %v; want %d", namespace, len(got), err, want)
	}
	r.Live = above(liveHeap(heap), base)
	runtime.KeepAlive(got)
	return r
}

// liveHeap returns the heap's live bytes after a collection, or 0 when
// measure is false. It collects twice: what sync.Pools held survives one
// collection in their victim caches, and would count as live at one
// measure and not at the next.
func liveHeap(measure bool) uint64 {
	if !measure {
		return 0
	}
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// above returns how far heap is above base, or 0.
func above(heap, base uint64) uint64 { return heap - min(base, heap) }

// ScanStore is a store that scans.
type ScanStore interface {
	unionstore.Store[Item]
	unionstore.Scanner[Item]
}

// BenchmarkScanVersusLoad reads namespace, which holds n changes, with
// Load and Scan of s, and with Scan of spilling, the same data behind a
// small spill threshold, one after the other in each iteration, and
// reports each read's time (load-ms, scan-ms, spilled-ms), the Scan's time
// to its first change (scan-first-ms), and their ratios to Load's in the
// same iterations (scan/load, scan-first/load, spilled/load). After the
// timed iterations it reads each way once more and reports the live heap
// each holds at a Scan's first change or with Load's result
// (load-live-MiB, scan-live-MiB, spilled-live-MiB): see [MeasureScan].
func BenchmarkScanVersusLoad(b *testing.B, s ScanStore, spilling unionstore.Scanner[Item], namespace string, n int) {
	var load, scan, spilled ReadCost
	add := func(sum *ReadCost, r ReadCost) { sum.Total += r.Total; sum.First += r.First }
	for b.Loop() {
		add(&load, MeasureLoad(b, s, namespace, n, false))
		add(&scan, MeasureScan(b, s, namespace, n, false))
		add(&spilled, MeasureScan(b, spilling, namespace, n, false))
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	b.ReportMetric(ms(load.Total), "load-ms")
	b.ReportMetric(ms(scan.Total), "scan-ms")
	b.ReportMetric(ms(scan.First), "scan-first-ms")
	b.ReportMetric(ms(spilled.Total), "spilled-ms")
	b.ReportMetric(float64(scan.Total)/float64(load.Total), "scan/load")
	b.ReportMetric(float64(scan.First)/float64(load.Total), "scan-first/load")
	b.ReportMetric(float64(spilled.Total)/float64(load.Total), "spilled/load")
	mib := func(r ReadCost) float64 { return float64(r.Live) / (1 << 20) }
	b.ReportMetric(mib(MeasureLoad(b, s, namespace, n, true)), "load-live-MiB")
	b.ReportMetric(mib(MeasureScan(b, s, namespace, n, true)), "scan-live-MiB")
	b.ReportMetric(mib(MeasureScan(b, spilling, namespace, n, true)), "spilled-live-MiB")
	b.ReportMetric(0, "ns/op")
}

// ScanMemoryLimit is the live heap a Scan beyond a spill threshold of
// 1 MiB may hold at its first change, whatever the namespace's size: see
// [CheckScanMemory].
const ScanMemoryLimit = 4 << 20

// CheckScanMemory loads namespace, which holds n changes, from s, and
// scans it with spilling, a store of the same data whose spill threshold
// is 1 MiB, and fails t unless the live heap the Scan holds at its first
// change is at most [ScanMemoryLimit] and a third of what Load's result
// holds. For a namespace of several MiB, this tells a Scan that spilled
// what it read to disk and merges it, holding a buffer per run, from one
// that holds the namespace.
func CheckScanMemory(t testing.TB, s unionstore.Store[Item], spilling unionstore.Scanner[Item], namespace string, n int) {
	t.Helper()
	load := MeasureLoad(t, s, namespace, n, true)
	scan := MeasureScan(t, spilling, namespace, n, true)
	t.Logf("live heap: Load %.1f MiB, Scan beyond its threshold %.1f MiB", float64(load.Live)/(1<<20), float64(scan.Live)/(1<<20))
	if scan.Live > ScanMemoryLimit {
		t.Errorf("Scan holds %.1f MiB at its first change, want at most %d MiB", float64(scan.Live)/(1<<20), ScanMemoryLimit>>20)
	}
	if scan.Live*3 > load.Live {
		t.Errorf("Scan holds %d bytes at its first change, more than a third of Load's %d", scan.Live, load.Live)
	}
}
