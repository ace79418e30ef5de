package sqlitestore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestMatchesMemory applies the same random batches, whose timestamps go
// back and forth, to a store and to the in-memory reference store, and
// compares every read. It fails when the upsert keeps a later save instead
// of the later change.
func TestMatchesMemory(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	s := open(t)
	namespaces := []string{"a", "b", "b\x01", "ü", "\U0010ffff"}
	ids := []string{"", "a", "a\x01", "ab", "B", "é", "\u00ff", "\U0001f600", "z"}
	batches := storetest.RandomBatches(t, s, r, 60, func(round int) unionstore.Change[item] {
		id := ids[r.IntN(len(ids))] + fmt.Sprint(r.IntN(30))
		c := set(namespaces[r.IntN(len(namespaces))], id, fmt.Sprint("round ", round), at(r.IntN(50)))
		c.Entity.Kind = fmt.Sprint("k", r.IntN(3))
		return c
	})
	storetest.ExpectModel(t, s, storetest.Model(t, batches...), namespaces...)
}
