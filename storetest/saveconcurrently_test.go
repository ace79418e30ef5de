package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// TestSaveConcurrently checks that every writer's batches land in the store
// of the writer's number modulo the number of stores, and that a failed
// Save fails the test, naming the writer and the batch.
func TestSaveConcurrently(t *testing.T) {
	// batches returns writers writers' batches of one change each, with an
	// id of its own.
	batches := func(writers, each int) [][]unionstore.Changes[Item] {
		out := make([][]unionstore.Changes[Item], writers)
		for w := range out {
			for i := range each {
				out[w] = append(out[w], unionstore.Changes[Item]{set("ns", "k", fmt.Sprintf("w%d-%d", w, i), "v", at(i))})
			}
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		stores     int
		failing    int // the index of a store whose Saves fail, -1 for none
		writers    int
		each       int
		wantCounts []int  // entities per store
		wantFail   string // what the failure says, "" for none
	}{
		{"one store takes every writer", 1, -1, 6, 5, []int{30}, ""},
		{"writers spread over the stores", 3, -1, 7, 4, []int{12, 8, 8}, ""},
		{"a writer without batches", 2, -1, 3, 0, []int{0, 0}, ""},
		{"no writer", 1, -1, 0, 0, []int{0}, ""},
		{"a failing store fails the test", 2, 1, 4, 3, []int{6, 0}, "writer 1: batch 0: storetest: save: injected fault\nwriter 3: batch 0: storetest: save: injected fault"},
		{"no store", 0, -1, 2, 1, nil, "no store for 2 writers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mems := make([]*unionstore.Memory[Item], tc.stores)
			stores := make([]unionstore.Store[Item], tc.stores)
			for i := range stores {
				mems[i] = unionstore.NewMemory[Item]()
				stores[i] = mems[i]
				if i == tc.failing {
					f := NewFaulty(stores[i])
					f.Set(Fault{Fail: true}, OpSave)
					stores[i] = f
				}
			}
			r := &recorder{TB: t}
			failed := r.run(func(tb testing.TB) { SaveConcurrently(tb, stores, batches(tc.writers, tc.each)) })
			if tc.wantFail == "" && failed != "" || !strings.Contains(failed, tc.wantFail) {
				t.Fatalf("SaveConcurrently fails with %q, want %q", failed, tc.wantFail)
			}
			for i, m := range mems {
				if got := m.EntityCount("ns"); got != tc.wantCounts[i] {
					t.Errorf("store %d holds %d entities, want %d", i, got, tc.wantCounts[i])
				}
			}
		})
	}
}
