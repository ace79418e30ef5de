package unionstore_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

func slowStores(n int, latency time.Duration) []unionstore.Store[Item] {
	out := make([]unionstore.Store[Item], n)
	for i := range out {
		out[i] = slow{unionstore.NewMemory[Item](), latency}
	}
	return out
}

func benchBatch(n int) unionstore.Changes[Item] {
	out := make(unionstore.Changes[Item], n)
	for i := range out {
		out[i] = set(entityID(i), "v", time.Time{})
	}
	return out
}

// BenchmarkSaveLatency saves one batch of 100 changes to stores that each
// take 1ms, through one store alone, a union of three and the sequential
// baseline of three, and reports each one's time as a ratio of the single
// store's, measured in the same iterations.
func BenchmarkSaveLatency(b *testing.B) {
	ctx := context.Background()
	const latency = time.Millisecond
	single := slowStores(1, latency)[0]
	union := unionstore.New(slowStores(3, latency)...)
	base := baseline{slowStores(3, latency)}
	changes := benchBatch(100)
	var tSingle, tUnion, tBase time.Duration
	b.ReportAllocs()
	for b.Loop() {
		for _, step := range []struct {
			s   unionstore.Store[Item]
			sum *time.Duration
		}{{single, &tSingle}, {union, &tUnion}, {base, &tBase}} {
			start := time.Now()
			if err := step.s.Save(ctx, changes); err != nil {
				b.Fatal(err)
			}
			*step.sum += time.Since(start)
		}
	}
	b.ReportMetric(float64(tUnion)/float64(tSingle), "union/single")
	b.ReportMetric(float64(tBase)/float64(tSingle), "baseline/single")
	b.ReportMetric(float64(tSingle.Microseconds())/float64(b.N), "single-µs/save")
}

// loadFixture fills three stores with n entities each: the same ids, with
// the newest version spread over the stores, and a tenth of the ids held by
// one store only.
func loadFixture(b *testing.B, n int) []unionstore.Store[Item] {
	b.Helper()
	stores, err := fixtureStores(n)
	if err != nil {
		b.Fatal(err)
	}
	return stores
}

// fixtureStores returns the stores of loadFixture, or the error of a Save.
func fixtureStores(n int) ([]unionstore.Store[Item], error) {
	ctx := context.Background()
	stores := make([]unionstore.Store[Item], 3)
	for s := range stores {
		m := unionstore.NewMemory[Item]()
		changes := make(unionstore.Changes[Item], n)
		for i := range changes {
			id := entityID(i)
			if i%10 == 0 {
				id = fmt.Sprintf("only-%d-%s", s, id)
			}
			changes[i] = set(id, "v", t0.Add(time.Duration((i+s)%3)))
		}
		if err := m.Save(ctx, changes); err != nil {
			return nil, err
		}
		stores[s] = m
	}
	return stores, nil
}

// scanPeakHeap merges three synthetic streams of n entities each and
// returns the number of merged entities, the highest heap seen and the
// highest live heap seen. It samples eight times along the merge: the heap
// as it is, then the live heap after a collection.
func scanPeakHeap(tb testing.TB, n int) (count int, peak, live uint64) {
	tb.Helper()
	u := unionstore.New[Item](synthetic{n: n}, synthetic{n: n, offset: 1}, synthetic{n: n / 2, offset: 2})
	every := max(n/8, 1)
	runtime.GC()
	var ms runtime.MemStats
	for _, err := range u.Scan(context.Background(), "ns") {
		if err != nil {
			tb.Fatal(err)
		}
		if count%every == every/2 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			runtime.GC()
			runtime.ReadMemStats(&ms)
			live = max(live, ms.HeapAlloc)
		}
		count++
	}
	return count, peak, live
}

// BenchmarkScanPeakHeap reports the heap of a streaming merge of three
// stores as their size grows a hundredfold: the peak, which includes
// garbage not yet collected, and the live heap after a collection.
func BenchmarkScanPeakHeap(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var peak, live uint64
			b.ReportAllocs()
			for b.Loop() {
				count, p, l := scanPeakHeap(b, n)
				if count != n {
					b.Fatalf("merged %d entities, want %d", count, n)
				}
				peak, live = max(peak, p), max(live, l)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
		})
	}
}

// TestScanMemoryIsBounded checks that a streaming merge does not hold the
// entities: holding 3 x 300k changes would take well over 50 MiB.
func TestScanMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("merges 750k changes")
	}
	count, peak, live := scanPeakHeap(t, 300_000)
	if count != 300_000 {
		t.Fatalf("merged %d entities, want 300000", count)
	}
	if limit := uint64(16 << 20); peak > limit {
		t.Fatalf("peak heap %d MiB during the merge, want under %d MiB", peak>>20, limit>>20)
	}
	if limit := uint64(4 << 20); live > limit {
		t.Fatalf("live heap %d MiB during the merge, want under %d MiB", live>>20, limit>>20)
	}
}

// overlapFixture fills stores with the workload of the comparison with the
// old design: 3 stores of 100k entities, store s holding ids s·50k to
// s·50k+100k, so that neighbours share 50k ids and the merge holds 200k.
func overlapFixture(b *testing.B, stores ...unionstore.Store[Item]) {
	b.Helper()
	const n, shift = 100_000, 50_000
	for s, st := range stores {
		changes := make(unionstore.Changes[Item], n)
		for i := range changes {
			id := s*shift + i
			changes[i] = set(entityID(id), fmt.Sprint(s), t0.Add(time.Duration((id*7+s)%5)))
		}
		if err := st.Save(context.Background(), changes); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadMergeOldDesign loads the overlapping workload through the
// union over Memory stores (sorted, deterministic) and through the old
// design's union over its own memory stores (a map merge of unsorted map
// values), in the same iterations. It also times Memory's Save of the
// fixture, the cost that keeping each namespace in order moves to writes,
// against the old store's.
func BenchmarkLoadMergeOldDesign(b *testing.B) {
	ctx := context.Background()
	ours := []unionstore.Store[Item]{unionstore.NewMemory[Item](), unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()}
	old := []unionstore.Store[Item]{newOldMemory(), newOldMemory(), newOldMemory()}
	start := time.Now()
	overlapFixture(b, ours...)
	tSaveOurs := time.Since(start)
	start = time.Now()
	overlapFixture(b, old...)
	tSaveOld := time.Since(start)
	union := unionstore.New(ours...)
	base := baseline{old}
	var tUnion, tBase time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		got, err := union.Load(ctx, "ns")
		if err != nil {
			b.Fatal(err)
		}
		tUnion += time.Since(start)
		start = time.Now()
		want, err := base.Load(ctx, "ns")
		if err != nil {
			b.Fatal(err)
		}
		tBase += time.Since(start)
		if len(got) != 200_000 || len(want) != 200_000 {
			b.Fatalf("union loaded %d entities, old design %d, want 200000", len(got), len(want))
		}
	}
	b.ReportMetric(float64(tUnion)/float64(tBase), "union/old")
	b.ReportMetric(float64(tUnion.Microseconds())/1e3/float64(b.N), "union-ms/load")
	b.ReportMetric(float64(tBase.Microseconds())/1e3/float64(b.N), "old-ms/load")
	b.ReportMetric(float64(tSaveOurs)/float64(tSaveOld), "save-memory/old")
}

// BenchmarkGetVersusLoad reads one entity of a 100k-entity namespace and
// loads the namespace, in the same iterations, from a Memory and through a
// union of two: the point read's cost must not follow the namespace's size.
func BenchmarkGetVersusLoad(b *testing.B) {
	ctx := context.Background()
	const n = 100_000
	fill := func() *unionstore.Memory[Item] {
		m := unionstore.NewMemory[Item]()
		changes := make(unionstore.Changes[Item], n)
		for i := range changes {
			changes[i] = set(entityID(i), "v", at(i))
		}
		mustSave(b, m, changes)
		return m
	}
	a := fill()
	for _, tt := range []struct {
		name  string
		store unionstore.Store[Item]
	}{
		{"memory", a},
		{"union of two", unionstore.New[Item](a, fill())},
	} {
		b.Run(tt.name, func(b *testing.B) {
			g := tt.store.(unionstore.Getter[Item])
			var tGet, tLoad time.Duration
			i := 0
			const gets = 1000 // per load: the loads' garbage is collected meanwhile
			for b.Loop() {
				start := time.Now()
				for range gets {
					if _, found, err := g.Get(ctx, "ns", "k", entityID(i%n)); err != nil || !found {
						b.Fatalf("Get: %v, found %v", err, found)
					}
					i += 7919
				}
				tGet += time.Since(start)
				start = time.Now()
				if _, err := tt.store.Load(ctx, "ns"); err != nil {
					b.Fatal(err)
				}
				tLoad += time.Since(start)
			}
			b.ReportMetric(float64(tGet.Nanoseconds())/1e3/float64(b.N*gets), "get-µs")
			b.ReportMetric(float64(tLoad.Microseconds())/1e3/float64(b.N), "load-ms")
		})
	}
}
