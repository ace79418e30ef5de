package pgstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

func unset(ns, kind, id string, n int) unionstore.Change[storetest.Item] {
	c := set(ns, kind, id, "", at(n))
	c.ChangeType = unionstore.ChangeTypeUnset
	return c
}

// saveCases are batches saved over stored ones: Save first inserts a batch
// as it is, which fails on the first identity the table holds, and then
// upserts it.
var saveCases = []struct {
	name          string
	stored, batch unionstore.Changes[storetest.Item]
	want          []string // the changes loaded, as described by describe
}{
	{
		name:  "new identities",
		batch: unionstore.Changes[storetest.Item]{set("ns", "k", "a", "a1", at(5)), unset("ns", "k", "b", 6)},
		want:  []string{"set a a1 5", "unset b  6"},
	},
	{
		name:   "stored identities first, then new ones",
		stored: unionstore.Changes[storetest.Item]{set("ns", "k", "a", "a0", at(10)), set("ns", "k", "b", "b0", at(10))},
		batch: unionstore.Changes[storetest.Item]{
			set("ns", "k", "a", "a1", at(3)), // older: kept out
			unset("ns", "k", "b", 20),        // newer: replaces
			set("ns", "k", "c", "c1", at(7)), // new
		},
		want: []string{"set a a0 10", "unset b  20", "set c c1 7"},
	},
	{
		name:   "new identities first, then stored ones",
		stored: unionstore.Changes[storetest.Item]{set("ns", "k", "y", "y0", at(10)), unset("ns", "k", "z", 10)},
		batch: unionstore.Changes[storetest.Item]{
			set("ns", "k", "a", "a1", at(1)),  // new
			unset("ns", "k", "b", 2),          // new
			set("ns", "k", "y", "y1", at(10)), // as new: the later save wins
			set("ns", "k", "z", "z1", at(9)),  // older than the tombstone
		},
		want: []string{"set a a1 1", "unset b  2", "set y y1 10", "unset z  10"},
	},
}

func describe(c unionstore.Change[storetest.Item]) string {
	return fmt.Sprintf("%s %s %s %d", c.ChangeType, c.Entity.ID, c.Entity.Value, c.Timestamp.Sub(t0).Nanoseconds())
}

// TestSaveOverStoredIdentities saves batches that mix identities the table
// holds with new ones, and checks that each identity holds its latest
// change, for each way Save sends a batch.
func TestSaveOverStoredIdentities(t *testing.T) {
	forEachSavePath(t, func(t *testing.T) {
		for _, tt := range saveCases {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				s := newStore(t)
				if len(tt.stored) > 0 {
					if err := s.Save(ctx, tt.stored); err != nil {
						t.Fatalf("Save(stored) = %v", err)
					}
				}
				if err := s.Save(ctx, tt.batch); err != nil {
					t.Fatalf("Save(%v) = %v, want nil", tt.batch, err)
				}
				got, err := s.Load(ctx, "ns")
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				var desc []string
				for _, c := range got {
					desc = append(desc, describe(c))
				}
				if fmt.Sprint(desc) != fmt.Sprint(tt.want) {
					t.Errorf("Load after Save(%v) = %q, want %q", tt.batch, desc, tt.want)
				}
			})
		}
	})
}
