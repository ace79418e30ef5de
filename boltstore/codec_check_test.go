package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestSaveRefusesAnEntityItCouldNotLoad checks that a store refuses, rather
// than keep, an entity whose kind and id its codec cannot read back, alone
// and as a member of a union, so that the union writes no member either.
func TestSaveRefusesAnEntityItCouldNotLoad(t *testing.T) {
	storetest.RunRefusesUnreadable(t, func(t *testing.T) unionstore.Store[storetest.Unreadable] {
		s, err := boltstore.Open[storetest.Unreadable](filepath.Join(t.TempDir(), "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
