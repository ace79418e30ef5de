package natsstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

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
	storetest.CheckScanMemory(t, s, spilling, "big", n)
}
