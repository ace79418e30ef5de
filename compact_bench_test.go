package unionstore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/unionstore/unionstore"
)

// BenchmarkCompact compacts a batch of 10,000 changes of distinct
// identities, as Save does before writing: in random order (each id once,
// the common case of a backend's Save), already sorted (the fast path),
// and random with each identity twice.
func BenchmarkCompact(b *testing.B) {
	const n = 10_000
	sorted := make(unionstore.Changes[Item], n)
	for i := range sorted {
		sorted[i] = set(entityID(i), "a value of moderate size", at(i))
	}
	random := append(unionstore.Changes[Item](nil), sorted...)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(n, func(i, j int) { random[i], random[j] = random[j], random[i] })
	twice := append(append(unionstore.Changes[Item](nil), random[:n/2]...), random[:n/2]...)
	for _, tc := range []struct {
		name  string
		batch unionstore.Changes[Item]
	}{{"random", random}, {"sorted", sorted}, {"twice", twice}} {
		b.Run(fmt.Sprint(tc.name), func(b *testing.B) {
			for b.Loop() {
				if got := unionstore.Compact(tc.batch); len(got) == 0 {
					b.Fatal("empty")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tc.batch)), "ns/change")
		})
	}
}
