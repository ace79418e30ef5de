package pebblestore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// TestScanAcrossPages scans a namespace of several pages of records with
// distinct payloads, whose bytes the store reuses from page to page: Scan
// must yield what Load returns, each record intact.
func TestScanAcrossPages(t *testing.T) {
	ctx := context.Background()
	s := open(t, pebblestore.WithNoSync())
	const n = 3*512 + 5
	batch := make(unionstore.Changes[storetest.Item], n)
	for i := range batch {
		batch[i] = item("ns", "k", fmt.Sprintf("%05d", i), fmt.Sprintf("value %d %s", i, slices.Repeat([]byte{'x'}, i%97)), i)
	}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatal(err)
	}
	want, err := s.Load(ctx, "ns")
	if err != nil || len(want) != n {
		t.Fatalf("Load = %d changes, %v; want %d", len(want), err, n)
	}
	var got unionstore.Changes[storetest.Item]
	for c, err := range s.Scan(ctx, "ns") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if g, w := describe(got), describe(want); !slices.Equal(g, w) {
		t.Fatalf("Scan yielded %d changes, Load returned %d; first difference at %d", len(g), len(w), firstDiff(g, w))
	}
	if describe(want)[n-1] != describe(batch)[n-1] {
		t.Fatalf("Load's last change = %s, want %s", describe(want)[n-1], describe(batch)[n-1])
	}
}

// firstDiff returns the first index at which a and b differ.
func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
