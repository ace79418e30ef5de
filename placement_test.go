package unionstore_test

import (
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
)

func mustPlacement(t testing.TB, shards []string, opts ...unionstore.PlacementOption) unionstore.Placement {
	t.Helper()
	p, err := unionstore.NewPlacement(shards, opts...)
	if err != nil {
		t.Fatalf("NewPlacement(%q): %v", shards, err)
	}
	return p
}

// TestPlacementMovesAFifthToANewShard grows 4 shards to 5 over 10,000
// namespaces: the new shard should take about 1/5 of them (2,000; the
// binomial standard deviation is 40, and the test allows ±200), and no
// namespace may move between two of the old shards.
func TestPlacementMovesAFifthToANewShard(t *testing.T) {
	const n = 10_000
	old := mustPlacement(t, []string{"a", "b", "c", "d"})
	grown := mustPlacement(t, []string{"a", "b", "c", "d", "e"})
	moved := 0
	perShard := map[string]int{}
	for i := range n {
		ns := fmt.Sprintf("tenant-%d", i)
		from, to := old.Owner(ns), grown.Owner(ns)
		perShard[from]++
		if from == to {
			continue
		}
		moved++
		if to != "e" {
			t.Fatalf("namespace %q moved from old shard %q to old shard %q", ns, from, to)
		}
	}
	t.Logf("4 → 5 shards: %d of %d namespaces moved (%.1f%%); before, per shard: %v", moved, n, 100*float64(moved)/n, perShard)
	if moved < 1800 || moved > 2200 {
		t.Errorf("%d of %d namespaces moved, want 2000±200", moved, n)
	}
	for shard, count := range perShard {
		if count < 2300 || count > 2700 {
			t.Errorf("shard %q owns %d of %d namespaces, want 2500±200", shard, count, n)
		}
	}
}

// TestPlacementRemovingAShardMovesOnlyItsNamespaces shrinks 5 shards to 4.
func TestPlacementRemovingAShardMovesOnlyItsNamespaces(t *testing.T) {
	before := mustPlacement(t, []string{"a", "b", "c", "d", "e"})
	after := mustPlacement(t, []string{"a", "b", "d", "e"})
	for i := range 5000 {
		ns := fmt.Sprintf("ns/%d", i)
		from, to := before.Owner(ns), after.Owner(ns)
		if from != "c" && from != to {
			t.Fatalf("Owner(%q) moved from %q to %q, though only shard c went", ns, from, to)
		}
		if to == "c" {
			t.Fatalf("Owner(%q) = %q, a removed shard", ns, to)
		}
	}
}

func TestPlacementWeightsAndPins(t *testing.T) {
	const n = 10_000
	p := mustPlacement(t, []string{"big", "small1", "small2"}, unionstore.Weight("big", 2), unionstore.Pin("tenant-7", "small2"))
	counts := map[string]int{}
	for i := range n {
		counts[p.Owner(fmt.Sprintf("tenant-%d", i))]++
	}
	// big has weight 2 of a total of 4: about half.
	if c := counts["big"]; c < 4700 || c > 5300 {
		t.Errorf("shard big of weight 2 in 4 owns %d of %d namespaces, want 5000±300", c, n)
	}
	if got := p.Owner("tenant-7"); got != "small2" {
		t.Errorf("Owner of a pinned namespace = %q, want %q", got, "small2")
	}
}

func TestPlacementIsIndependentOfOrder(t *testing.T) {
	a := mustPlacement(t, []string{"x", "y", "z"})
	b := mustPlacement(t, []string{"z", "x", "y"})
	for i := range 1000 {
		ns := fmt.Sprint(i)
		if a.Owner(ns) != b.Owner(ns) {
			t.Fatalf("Owner(%q) = %q for one order, %q for another", ns, a.Owner(ns), b.Owner(ns))
		}
	}
	// The hash is fixed: these owners must never change between
	// releases, or every deployment would move its namespaces.
	fixed := map[string]string{}
	for _, ns := range []string{"alpha", "beta", "gamma", "tenant-1", "日本"} {
		fixed[ns] = a.Owner(ns)
	}
	want := map[string]string{"alpha": "z", "beta": "z", "gamma": "x", "tenant-1": "y", "日本": "z"}
	for ns, w := range want {
		if fixed[ns] != w {
			t.Errorf("Owner(%q) = %q, want %q", ns, fixed[ns], w)
		}
	}
}

func TestNewPlacementErrors(t *testing.T) {
	tests := []struct {
		name   string
		shards []string
		opts   []unionstore.PlacementOption
	}{
		{"no shards", nil, nil},
		{"empty name", []string{"a", ""}, nil},
		{"repeated name", []string{"a", "b", "a"}, nil},
		{"invalid UTF-8", []string{"a", "\xff"}, nil},
		{"weight of unknown shard", []string{"a"}, []unionstore.PlacementOption{unionstore.Weight("b", 2)}},
		{"zero weight", []string{"a"}, []unionstore.PlacementOption{unionstore.Weight("a", 0)}},
		{"negative weight", []string{"a"}, []unionstore.PlacementOption{unionstore.Weight("a", -1)}},
		{"pin to unknown shard", []string{"a"}, []unionstore.PlacementOption{unionstore.Pin("ns", "b")}},
	}
	for _, tc := range tests {
		if _, err := unionstore.NewPlacement(tc.shards, tc.opts...); err == nil {
			t.Errorf("NewPlacement(%q) with %s = nil error, want one", tc.shards, tc.name)
		}
	}
}

func BenchmarkPlacementOwner(b *testing.B) {
	for _, n := range []int{4, 16, 64} {
		shards := make([]string, n)
		for i := range shards {
			shards[i] = fmt.Sprintf("shard-%d", i)
		}
		p := mustPlacement(b, shards)
		b.Run(fmt.Sprintf("shards=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Owner("tenant-12345")
			}
		})
	}
}
