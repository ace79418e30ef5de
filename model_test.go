package unionstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
)

// modelStore is the simplest store that keeps the latest change per entity.
type modelStore map[string]unionstore.Change[Item]

func (m modelStore) save(changes unionstore.Changes[Item]) {
	for _, c := range changes {
		k := c.Entity.Kind + "\x00" + c.Entity.ID
		if old, ok := m[k]; ok && c.Timestamp.Before(old.Timestamp) {
			continue
		}
		m[k] = c
	}
}

// modelMerge merges model stores the slow, obvious way: for every entity
// any store holds, walk the stores in order and keep a strictly later
// change.
func modelMerge(stores []modelStore) []string {
	winners := map[string]unionstore.Change[Item]{}
	for _, s := range stores {
		for k, c := range s {
			if w, ok := winners[k]; !ok || c.Timestamp.After(w.Timestamp) {
				winners[k] = c
			}
		}
	}
	keys := make([]string, 0, len(winners))
	for k := range winners {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = describeAll(unionstore.Changes[Item]{winners[k]})[0]
	}
	return out
}

// TestUnionMatchesModel saves random batches through the union and straight
// into random subsets of its members (as a failed write or another writer
// would), and checks Load, Scan, Diff and Repair against the model.
func TestUnionMatchesModel(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	for round := 0; round < 60; round++ {
		n := 1 + r.IntN(4)
		ms := memories(n)
		models := make([]modelStore, n)
		for i := range models {
			models[i] = modelStore{}
		}
		readOnly := r.IntN(n + 1) // may be n: no read-only member
		if n == 1 {
			readOnly = n // a union needs a writable member
		}
		stores := asStores(ms)
		if readOnly < n {
			stores[readOnly] = unionstore.ReadOnly(stores[readOnly])
		}
		u := unionstore.New(stores...)
		for step := 0; step < 12; step++ {
			changes := randomChanges(r, 1+r.IntN(10))
			for i := range changes {
				changes[i].Namespace = "ns"
			}
			if r.IntN(3) == 0 {
				mustSave(t, u, changes)
				for i := range models {
					if i != readOnly {
						models[i].save(changes)
					}
				}
				continue
			}
			for i := range ms {
				if r.IntN(2) == 0 {
					mustSave(t, ms[i], changes)
					models[i].save(changes)
				}
			}
		}
		want := modelMerge(models)
		if got := describeAll(mustLoad(t, u)); !slices.Equal(got, want) {
			t.Fatalf("round %d: Load =\n%v\nwant\n%v", round, got, want)
		}
		var scanned unionstore.Changes[Item]
		for c, err := range u.Scan(ctx, "ns") {
			if err != nil {
				t.Fatal(err)
			}
			scanned = append(scanned, c)
		}
		if got := describeAll(scanned); !slices.Equal(got, want) {
			t.Fatalf("round %d: Scan =\n%v\nwant\n%v", round, got, want)
		}
		if _, err := u.Repair(ctx, "ns"); err != nil {
			t.Fatalf("round %d: Repair: %v", round, err)
		}
		for i, m := range ms {
			if i == readOnly {
				continue
			}
			got := describeAll(mustLoad(t, m))
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: store %d after Repair =\n%v\nwant\n%v", round, i, got, want)
			}
		}
		diffs := 0
		for d, err := range u.Diff(ctx, "ns") {
			if err != nil {
				t.Fatal(err)
			}
			for i := range d.Versions {
				if d.Stale(i) && i != readOnly {
					t.Fatalf("round %d: store %d still stale after Repair: %v", round, i, fmt.Sprint(d.Latest))
				}
			}
			diffs++
		}
		if readOnly == n && diffs != 0 {
			t.Fatalf("round %d: Diff yielded %d entities after Repair, want 0", round, diffs)
		}
	}
}
