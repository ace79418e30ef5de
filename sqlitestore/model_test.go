package sqlitestore_test

import (
	"context"
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

// TestLastWriteWins saves two changes of one identity in two Saves, in
// each order, and with equal timestamps.
func TestLastWriteWins(t *testing.T) {
	tests := []struct {
		name        string
		first, then unionstore.Change[item]
		want        string
	}{
		{"later change saved last", set("n", "a", "old", at(1)), set("n", "a", "new", at(2)), "new"},
		{"earlier change saved last", set("n", "a", "new", at(2)), set("n", "a", "old", at(1)), "new"},
		{"tie: the later save wins", set("n", "a", "first", at(1)), set("n", "a", "second", at(1)), "second"},
		{"earlier tombstone saved last", set("n", "a", "kept", at(2)), unset("n", "a", "gone", at(1)), "kept"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			for _, c := range []unionstore.Change[item]{tc.first, tc.then} {
				if err := s.Save(ctx, unionstore.Changes[item]{c}); err != nil {
					t.Fatal(err)
				}
			}
			got, ok, err := s.Get(ctx, "n", "k", "a")
			if err != nil || !ok || got.Entity.Value != tc.want {
				t.Fatalf("Get = %+v, %v, %v; want %q", got, ok, err, tc.want)
			}
		})
	}
}
