package kafkastore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// fillSeparate saves n identities of namespace ns, the value of the i-th
// being value(i), in batches of 10,000, to a one-partition topic on separate brokers (see
// separateURL), and returns the store and the topic's URL.
func fillSeparate(tb testing.TB, ns string, n int, value func(i int) string) (*kafkastore.Store[storetest.Item], string) {
	tb.Helper()
	const batch = 10000
	url := separateURL(tb)
	s := openURL(tb, url, kafkastore.WithPartitions(1))
	for start := 0; start < n; start += batch {
		changes := make(unionstore.Changes[storetest.Item], 0, batch)
		for i := start; i < min(start+batch, n); i++ {
			changes = append(changes, set(ns, "k", fmt.Sprintf("%07d", i), value(i), at(i)))
		}
		if err := s.Save(context.Background(), changes); err != nil {
			tb.Fatalf("fill %d: %v", n, err)
		}
	}
	return s, url
}

// TestScanMemoryIsBounded scans a namespace of 10k changes of about 1,000
// bytes each, 10 MiB of bodies, with a spill threshold of 1 MiB, on
// brokers outside the test's process, and checks that the live heap while
// the Scan holds its first change is a small part of what Load holds, and
// below a bound that does not grow with the namespace: by then the
// threshold's records are on disk, and the merge holds a buffer of 32 KiB
// per run.
func TestScanMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("saves and reads 10 MiB")
	}
	const n = 10_000
	body := strings.Repeat("x", 1000)
	s, url := fillSeparate(t, "big", n, func(int) string { return body })
	spilling := openURL(t, url, kafkastore.WithoutCreate(), kafkastore.WithSpillThreshold(1<<20), kafkastore.WithTempDir(t.TempDir()))
	storetest.CheckScanMemory(t, s, spilling, "big", n)
}

// BenchmarkScanVersusLoad runs [storetest.BenchmarkScanVersusLoad] on a
// namespace of 100k entities of about 270 bytes, on brokers outside the
// benchmark's process (see separateURL), so that the live heaps count the
// client alone: Load and Scan, Scan both within its default spill
// threshold and beyond a 1 MiB one.
func BenchmarkScanVersusLoad(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	s, url := fillSeparate(b, "bench", n, func(int) string { return storetest.FillValue(r) })
	spilling := openURL(b, url, kafkastore.WithoutCreate(), kafkastore.WithSpillThreshold(1<<20))
	storetest.BenchmarkScanVersusLoad(b, s, spilling, "bench", n)
}
