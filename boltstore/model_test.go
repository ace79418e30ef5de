package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestMatchesMemory applies the same random batches to a bolt store and to
// the in-memory reference store and compares every read.
func TestMatchesMemory(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	s := open(t, boltstoreNoSync()...)
	namespaces := []string{"a", "b", "b\x01", "ü"}
	batches := storetest.RandomBatches(t, s, r, 60, func(round int) unionstore.Change[storetest.Item] {
		return item(namespaces[r.IntN(len(namespaces))], fmt.Sprint("k", r.IntN(3)), fmt.Sprint(r.IntN(200)), fmt.Sprint(round), r.IntN(50))
	})
	storetest.ExpectModel(t, s, storetest.Model(t, batches...), namespaces...)
}

// TestScanSavesInLoopBody walks more than one page while saving to the same
// store from the loop body: Scan must not hold a transaction across yields.
func TestScanSavesInLoopBody(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	saveNumbered(t, s, 1000)
	n := 0
	var prev string
	for c, err := range s.Scan(ctx, "ns") {
		if err != nil {
			t.Fatal(err)
		}
		if c.Entity.ID <= prev {
			t.Fatalf("Scan yielded %q after %q", c.Entity.ID, prev)
		}
		prev = c.Entity.ID
		n++
		// Grow the file as we go, which makes bbolt remap it.
		big := item("other", "k", fmt.Sprint(n), string(make([]byte, 4096)), 1)
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{big}); err != nil {
			t.Fatal(err)
		}
	}
	if n != 1000 {
		t.Fatalf("Scan yielded %d changes, want 1000", n)
	}
}

// TestCloseDuringScan closes the store from the loop body of a Scan.
func TestCloseDuringScan(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	saveNumbered(t, s, 600)
	var last error
	n := 0
	for _, err := range s.Scan(ctx, "ns") {
		if err != nil {
			last = err
			break
		}
		if n++; n == 10 {
			s.Close()
		}
	}
	if n >= 600 || !errors.Is(last, unionstore.ErrClosed) {
		t.Fatalf("Scan after Close yielded %d changes and ended with %v, want ErrClosed before the end", n, last)
	}
}

// saveNumbered saves n sets of namespace "ns" in one batch, with ids
// "0000" onwards, in the order Scan yields them.
func saveNumbered(t *testing.T, s *boltstore.Store[storetest.Item], n int) {
	t.Helper()
	in := make(unionstore.Changes[storetest.Item], n)
	for i := range in {
		in[i] = item("ns", "k", fmt.Sprintf("%04d", i), "v", 1)
	}
	storetest.Save(t, s, in...)
}
