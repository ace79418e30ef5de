package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// edgeStore is a memory store whose tombstone purge moves the cut-off with
// cut, and whose Save leaves out the sets when dropSets is set: the
// mistakes a store that keeps timestamps in a narrower type may make.
type edgeStore struct {
	*unionstore.Memory[Item]
	cut      func(time.Time) time.Time
	dropSets bool
}

func (e *edgeStore) Save(ctx context.Context, changes unionstore.Changes[Item]) error {
	if e.dropSets {
		changes = slices.DeleteFunc(slices.Clone(changes), func(c unionstore.Change[Item]) bool { return c.ChangeType == unionstore.ChangeTypeSet })
	}
	return e.Memory.Save(ctx, changes)
}

func (e *edgeStore) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	return e.Memory.PurgeTombstones(ctx, namespace, e.cut(before))
}

// TestPurgeTombstonesAtTheEdgesOfTime checks that the check passes the
// memory store and fails stores that purge at the cut-off, saturate or
// wrap a cut-off past the largest timestamp, or lose the set.
func TestPurgeTombstonesAtTheEdgesOfTime(t *testing.T) {
	same := func(ts time.Time) time.Time { return ts }
	for _, tc := range []struct {
		name  string
		store *edgeStore
		want  []string // the start of each failure
	}{
		{"the memory store", &edgeStore{cut: same}, nil},
		{"a purge of the tombstones at the cut-off", &edgeStore{cut: func(ts time.Time) time.Time { return ts.Add(time.Nanosecond) }},
			// Each tombstone goes one cut-off early, and the next finds none.
			[]string{"PurgeTombstones at the smallest timestamp", "PurgeTombstones just after the smallest", "PurgeTombstones at the largest", "PurgeTombstones past the largest"}},
		{"a cut-off held to the largest timestamp", &edgeStore{cut: func(ts time.Time) time.Time {
			if ts.After(unionstore.MaxTimestamp) {
				return unionstore.MaxTimestamp
			}
			return ts
		}}, []string{"PurgeTombstones past the largest", "Load after the purges"}},
		{"a cut-off that wraps", &edgeStore{cut: func(ts time.Time) time.Time { return time.Unix(0, ts.UnixNano()) }},
			[]string{"PurgeTombstones past the largest", "Load after the purges"}},
		{"a store that loses the set", &edgeStore{cut: same, dropSets: true}, []string{"Load after the purges"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.store.Memory = unionstore.NewMemory[Item]()
			var r checkRecorder
			failures := r.run(func(tb testing.TB) { PurgeTombstonesAtTheEdgesOfTime(tb, tc.store) })
			if len(failures) != len(tc.want) {
				t.Fatalf("PurgeTombstonesAtTheEdgesOfTime failed %q, want failures starting %q", failures, tc.want)
			}
			for i, f := range failures {
				if !strings.HasPrefix(f, tc.want[i]) {
					t.Errorf("failure %d = %q, want it to start %q", i, f, tc.want[i])
				}
			}
		})
	}
}
