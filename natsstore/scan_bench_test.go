package natsstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkScanVersusLoad runs [storetest.BenchmarkScanVersusLoad] on a
// namespace of 100k entities: Load and Scan, Scan both within its default
// spill threshold and beyond a 1 MiB one, their times and live heaps.
func BenchmarkScanVersusLoad(b *testing.B) {
	const n = 100_000
	s := newStore(b)
	fillNamespace(b, s, n)
	spilling := newStoreOn(b, sharedJS(b), s.Stream(), natsstore.WithSpillThreshold(1<<20))
	storetest.BenchmarkScanVersusLoad(b, s, spilling, "bench", n)
}

// BenchmarkSubjectListing times the one key-ordered view of a namespace
// that servers 2.9 give, the stream info's subjects under the namespace's
// filter, against Load of the same 100k entities in the same iterations:
// what a Scan that listed the subjects first, to yield in key order,
// would pay before its first change, its bodies still to come by point
// reads. It reports the listing's time (listing-ms) and its ratio to
// Load's (listing/load).
func BenchmarkSubjectListing(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s := newStore(b)
	fillNamespace(b, s, n)
	st, err := sharedJS(b).Stream(ctx, s.Stream())
	if err != nil {
		b.Fatal(err)
	}
	filter := natsstore.NamespaceFilter(s.Stream(), "bench")
	var list, load time.Duration
	for b.Loop() {
		start := time.Now()
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
		if err != nil || len(info.State.Subjects) != n {
			b.Fatalf("the stream's info lists %d subjects under %q, %v; want %d", len(info.State.Subjects), filter, err, n)
		}
		list += time.Since(start)
		load += storetest.MeasureLoad(b, s, "bench", n, false).Total
	}
	b.ReportMetric(float64(list)/float64(b.N)/1e6, "listing-ms")
	b.ReportMetric(float64(list)/float64(load), "listing/load")
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
	s := newStore(t)
	body := strings.Repeat("x", 1000)
	saveInBatches(t, s, n, func(i int) unionstore.Change[storetest.Item] {
		return set("big", "k", fmt.Sprintf("%07d", i), body, at(i))
	})
	spilling := newStoreOn(t, sharedJS(t), s.Stream(), natsstore.WithSpillThreshold(1<<20), natsstore.WithTempDir(t.TempDir()))
	storetest.CheckScanMemory(t, s, spilling, "big", n)
}
