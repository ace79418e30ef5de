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
