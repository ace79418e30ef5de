package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// GrowthSizes are the namespace sizes [BenchmarkGrowth] measures by
// default.
var GrowthSizes = []int{10_000, 100_000, 1_000_000}

// growthBatch is the batch size of the saves that fill the namespace.
const growthBatch = 10_000

// growthGets is the number of random Gets measured at each size.
const growthGets = 1000

// scatteredID names entity k of BenchmarkGrowth: the numbers k times an
// odd constant prime to 10, modulo 10^9, are distinct for distinct k
// below 10^9 and scattered over the key space, so that each batch of new
// entities lands all over the namespace, as random ids do.
func scatteredID(k int) string {
	return reportID(int(uint64(k) * 2654435761 % 1_000_000_000))
}

// BenchmarkGrowth fills one namespace of a store made by newStore with
// new entities in batches of 10,000, scattered over the key space, up to
// each of sizes in turn (ascending; [GrowthSizes] when none are given),
// and at each size runs a sub-benchmark "entities=N" that reports, per
// change, so that a cost linear in the namespace is flat:
//
//   - "save-µs/change": the fill from the size before (from empty for
//     the first), each Save of 10,000 timed;
//   - "load-µs/change" and "scan-µs/change": a Load, and a Scan walked to
//     its end, of the whole namespace, once per iteration;
//   - "get-µs": the mean of 1,000 Gets of random entities of the
//     namespace (a Store without [unionstore.Getter] reports none).
//
// The fill happens before each sub-benchmark; run it with -benchtime 1x,
// where each sub-benchmark's reads run once. A Save, Load, Scan or Get
// that fails, or returns the wrong count, stops the benchmark.
func BenchmarkGrowth(b *testing.B, newStore BenchFactory, sizes ...int) {
	if len(sizes) == 0 {
		sizes = GrowthSizes
	}
	ctx := context.Background()
	s := openFresh(b, newStore)
	filled := 0
	for _, n := range sizes {
		saved, err := fillGrowth(ctx, s, filled, n)
		if err != nil {
			b.Fatalf("fill to %d: %v", n, err)
		}
		fillPer := float64(saved.Microseconds()) / float64(n-filled)
		filled = n
		b.Run(fmt.Sprintf("entities=%d", n), func(b *testing.B) {
			var load, scan, get time.Duration
			gets := 0
			for b.Loop() {
				start := time.Now()
				got, err := s.Load(ctx, "growth")
				load += time.Since(start)
				if err != nil || len(got) != n {
					b.Fatalf("Load = %d changes, %v; want %d", len(got), err, n)
				}
				got = nil
				start = time.Now()
				walked, err := walkScan(ctx, s, "growth")
				scan += time.Since(start)
				if err != nil || walked != n {
					b.Fatalf("Scan = %d changes, %v; want %d", walked, err, n)
				}
				took, ok, err := timeGets(ctx, s, n)
				if err != nil {
					b.Fatal(err)
				}
				if ok {
					get += took
					gets += growthGets
				}
			}
			reads := float64(b.N) * float64(n)
			b.ReportMetric(fillPer, "save-µs/change")
			b.ReportMetric(float64(load.Microseconds())/reads, "load-µs/change")
			b.ReportMetric(float64(scan.Microseconds())/reads, "scan-µs/change")
			if gets > 0 {
				b.ReportMetric(float64(get.Microseconds())/float64(gets), "get-µs")
			}
		})
	}
}

// fillGrowth saves the entities from to n of namespace "growth" in
// batches of growthBatch, and returns the time the saves took.
func fillGrowth(ctx context.Context, s unionstore.Store[Item], from, n int) (time.Duration, error) {
	var took time.Duration
	for first := from; first < n; first += growthBatch {
		batch := customers("growth", first, min(growthBatch, n-first), scatteredID)
		start := time.Now()
		err := s.Save(ctx, batch)
		took += time.Since(start)
		if err != nil {
			return took, err
		}
	}
	return took, nil
}

// walkScan walks a Scan of namespace to its end and returns the number
// of changes it yielded.
func walkScan(ctx context.Context, s unionstore.Store[Item], namespace string) (int, error) {
	sc, ok := s.(unionstore.Scanner[Item])
	if !ok {
		got, err := s.Load(ctx, namespace)
		return len(got), err
	}
	n := 0
	for _, err := range sc.Scan(ctx, namespace) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// timeGets times growthGets Gets of entities drawn at random, from a
// seed fixed by n, among the first n; ok is false for a store without
// Get.
func timeGets(ctx context.Context, s unionstore.Store[Item], n int) (took time.Duration, ok bool, err error) {
	g, ok := s.(unionstore.Getter[Item])
	if !ok {
		return 0, false, nil
	}
	r := rand.New(rand.NewPCG(uint64(n), 1))
	keys := make([]int, growthGets)
	for i := range keys {
		keys[i] = r.IntN(n)
	}
	start := time.Now()
	for _, k := range keys {
		_, found, err := g.Get(ctx, "growth", "customer", scatteredID(k))
		if err != nil || !found {
			return 0, true, fmt.Errorf("Get of entity %d = found %v, %v; want found", k, found, err)
		}
	}
	return time.Since(start), true, nil
}
