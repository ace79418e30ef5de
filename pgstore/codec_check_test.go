package pgstore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestSaveRefusesAnEntityItCouldNotLoad checks that a store refuses, rather
// than keep, an entity whose kind and id its codec cannot read back, alone
// and as a member of a union, so that the union writes no member either;
// the store's table must hold no row after the refused Save.
func TestSaveRefusesAnEntityItCouldNotLoad(t *testing.T) {
	storetest.RunRefusesUnreadable(t, func(t *testing.T) unionstore.Store[storetest.Unreadable] {
		table := newTable(t)
		s, err := pgstore.New[storetest.Unreadable](context.Background(), adminPool(t), pgstore.WithTable(table), pgstore.WithCreateSchema())
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		// Runs after the case, before the table is dropped.
		t.Cleanup(func() {
			if n := rowCount(t, table); n != 0 {
				t.Errorf("table holds %d rows after the refused Save, want none", n)
			}
		})
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
