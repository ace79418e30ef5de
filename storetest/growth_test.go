package storetest

import (
	"slices"
	"testing"
)

// The ids of BenchmarkGrowth are distinct up to its largest size, and
// scattered: a batch of consecutive entities is not a run of adjacent
// keys.
func TestScatteredIDs(t *testing.T) {
	n := GrowthSizes[len(GrowthSizes)-1]
	seen := make(map[string]int, n)
	for k := range n {
		id := scatteredID(k)
		if prev, ok := seen[id]; ok {
			t.Fatalf("entities %d and %d share the id %q", prev, k, id)
		}
		seen[id] = k
	}
	batch := make([]string, growthBatch)
	for k := range batch {
		batch[k] = scatteredID(k)
	}
	if slices.IsSorted(batch) {
		t.Fatalf("a batch's ids come in key order: %q ...", batch[:3])
	}
}
