package unionstore_test

import (
	"cmp"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// The benchmarks of this file feed the benchmark report: each measures its
// subject and its baseline or floor in the same iterations, alternating
// which goes first, and reports their ratio.

// timeBoth runs a and b, in an order that alternates with iter, and adds
// their durations to ta and tb.
func timeBoth(iter int, a, b func(), ta, tb *time.Duration) {
	run := func(f func(), sum *time.Duration) {
		start := time.Now()
		f()
		*sum += time.Since(start)
	}
	if iter%2 == 0 {
		run(a, ta)
		run(b, tb)
	} else {
		run(b, tb)
		run(a, ta)
	}
}

// namedBatch returns n sets of new entities in namespace ns.
func namedBatch(ns string, n int) unionstore.Changes[Item] {
	out := make(unionstore.Changes[Item], n)
	for i := range out {
		out[i] = set(entityID(i), "a value of moderate size", at(i))
		out[i].Namespace = ns
	}
	return out
}

// BenchmarkReportUnionOverhead saves and loads 10,000 changes through a
// Union of one Memory and through a Memory alone, in the same iterations,
// and reports the union's time as a ratio of the member's.
func BenchmarkReportUnionOverhead(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	b.Run("save", func(b *testing.B) {
		member, inner := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
		union := unionstore.New[Item](inner)
		var tUnion, tMember time.Duration
		iter := 0
		for b.Loop() {
			iter++
			// A namespace per iteration keeps the stores' maps the same
			// size at every Save.
			changes := namedBatch(fmt.Sprint("ns", iter), n)
			timeBoth(iter, func() {
				if err := union.Save(ctx, changes); err != nil {
					b.Fatal(err)
				}
			}, func() {
				if err := member.Save(ctx, changes); err != nil {
					b.Fatal(err)
				}
			}, &tUnion, &tMember)
		}
		b.ReportMetric(float64(tUnion)/float64(tMember), "union/member")
		b.ReportMetric(float64(n*iter)/tUnion.Seconds(), "union-changes/s")
	})
	b.Run("load", func(b *testing.B) {
		member, inner := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
		union := unionstore.New[Item](inner)
		mustSave(b, member, namedBatch("ns", n))
		mustSave(b, inner, namedBatch("ns", n))
		var tUnion, tMember time.Duration
		iter := 0
		load := func(s unionstore.Store[Item]) func() {
			return func() {
				if got, err := s.Load(ctx, "ns"); err != nil || len(got) != n {
					b.Fatalf("Load = %d changes, %v; want %d", len(got), err, n)
				}
			}
		}
		for b.Loop() {
			iter++
			timeBoth(iter, load(union), load(member), &tUnion, &tMember)
		}
		b.ReportMetric(float64(tUnion)/float64(tMember), "union/member")
		b.ReportMetric(float64(tUnion.Microseconds())/float64(iter), "union-µs/load")
	})
}

// mergeSorted is the floor of a union's Load: a merge of slices already
// sorted by (kind, id) into one slice sized to their total, with no
// compaction of equal identities and nothing else.
func mergeSorted(parts []unionstore.Changes[Item]) unionstore.Changes[Item] {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	out := make(unionstore.Changes[Item], 0, total)
	heads := make([]int, len(parts))
	for len(out) < total {
		best := -1
		for i, p := range parts {
			if heads[i] == len(p) {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			c, w := p[heads[i]].Entity, parts[best][heads[best]].Entity
			if cmp.Or(cmp.Compare(c.Kind, w.Kind), cmp.Compare(c.ID, w.ID)) < 0 {
				best = i
			}
		}
		out = append(out, parts[best][heads[best]])
		heads[best]++
	}
	return out
}

// BenchmarkReportMergeFloor loads and merges 3 stores of 100k entities each
// through the union, and merges the same three results, loaded beforehand,
// with mergeSorted, in the same iterations; it reports the union's time as
// a ratio of that floor's.
func BenchmarkReportMergeFloor(b *testing.B) {
	ctx := context.Background()
	stores := loadFixture(b, 100_000)
	union := unionstore.New(stores...)
	parts := make([]unionstore.Changes[Item], len(stores))
	for i, s := range stores {
		parts[i] = mustLoad(b, s)
	}
	var tUnion, tFloor time.Duration
	iter := 0
	for b.Loop() {
		iter++
		timeBoth(iter, func() {
			if _, err := union.Load(ctx, "ns"); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if got := mergeSorted(parts); len(got) != 300_000 {
				b.Fatalf("floor merged %d changes, want 300000", len(got))
			}
		}, &tUnion, &tFloor)
	}
	b.ReportMetric(float64(tUnion)/float64(tFloor), "union/floor")
	b.ReportMetric(float64(tUnion.Milliseconds())/float64(iter), "union-ms/load")
	b.ReportMetric(float64(tFloor.Milliseconds())/float64(iter), "floor-ms/merge")
}

// mapMemory is the old design's memory store, for Memory's Save to be
// measured against: a map per namespace, latest timestamp wins, no
// validation and no order kept.
type mapMemory map[string]map[[2]string]unionstore.Change[Item]

func (m mapMemory) save(changes unionstore.Changes[Item]) {
	for _, c := range changes {
		space := m[c.Namespace]
		if space == nil {
			space = map[[2]string]unionstore.Change[Item]{}
			m[c.Namespace] = space
		}
		k := [2]string{c.Entity.Kind, c.Entity.ID}
		if old, ok := space[k]; !ok || !c.Timestamp.Before(old.Timestamp) {
			space[k] = c
		}
	}
}

// BenchmarkReportMemorySave saves batches of 10,000 new entities to a
// Memory and to the old design's map store, in the same iterations, and
// reports Memory's time as a ratio of the map's: the cost of what Memory
// keeps for its sorted Loads, and of validation.
func BenchmarkReportMemorySave(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	m, old := unionstore.NewMemory[Item](), mapMemory{}
	var tMemory, tMap time.Duration
	iter := 0
	b.ReportAllocs()
	for b.Loop() {
		iter++
		changes := namedBatch(fmt.Sprint("ns", iter), n)
		timeBoth(iter, func() {
			if err := m.Save(ctx, changes); err != nil {
				b.Fatal(err)
			}
		}, func() { old.save(changes) }, &tMemory, &tMap)
	}
	b.ReportMetric(float64(tMemory)/float64(tMap), "memory/baseline")
	b.ReportMetric(float64(n*iter)/tMemory.Seconds(), "changes/s")
}

// BenchmarkReportBatchSize saves batches of new entities of growing size
// to one namespace of a Memory and reports changes per second; allocs/op
// divided by the batch size is the allocations per change.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, reportMemory) }

// BenchmarkReportLoad loads a namespace of 10,000 entities from a Memory;
// allocs/op divided by 10,000 is the allocations per change.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, reportMemory) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on a Memory at
// 10k, 100k and 1M entities, for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, reportMemory) }

// reportMemory returns a new Memory for the report's benchmarks.
func reportMemory(*testing.B) unionstore.Store[Item] { return unionstore.NewMemory[Item]() }
