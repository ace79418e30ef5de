package unionstore_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// noPurge is a store that cannot purge.
type noPurge struct{ unionstore.Store[Item] }

// failingOnce returns m failing its next operation under a context that
// carries faultsOnKey.
func failingOnce(m *unionstore.Memory[Item]) *flaky {
	var failed atomic.Bool
	return &flaky{m: m, name: "failing", fails: func() bool { return failed.CompareAndSwap(false, true) }}
}

func TestUnionPurge(t *testing.T) {
	ctx := context.Background()
	ms := memories(3)
	stores := asStores(ms)
	stores[2] = unionstore.ReadOnly(stores[2])
	u := unionstore.New(stores...)
	mustSave(t, ms[2], batch(set("ro", "old", at(1))))
	mustSave(t, u, batch(set("a", "v", at(1)), unset("b", at(2))))
	other := set("a", "v", at(1))
	other.Namespace = "other"
	mustSave(t, u, batch(other))
	if err := u.Purge(ctx, "ns"); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	for i, m := range ms[:2] {
		if got, _ := m.Load(ctx, "ns"); len(got) != 0 {
			t.Errorf("member %d holds %v after Purge", i, show(got))
		}
	}
	// The read-only member is never written.
	if got, _ := u.Load(ctx, "ns"); !slices.Equal(show(got), []string{"ro=old@1"}) {
		t.Errorf("Load after Purge = %v, want the read-only member's change alone", show(got))
	}
	if got, _ := u.Load(ctx, "other"); len(got) != 1 {
		t.Errorf("Purge touched another namespace: %v", show(got))
	}

	unsupported := unionstore.New[Item](ms[0], noPurge{ms[1]})
	if err := unsupported.Purge(ctx, "other"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Purge with a member that cannot purge = %v, want ErrUnsupported", err)
	}
	if got, _ := ms[0].Load(ctx, "other"); len(got) != 1 {
		t.Errorf("a refused Purge removed the namespace from a member that can purge")
	}
}

func TestUnionPurgeTombstonesRefusesWhenUnsafe(t *testing.T) {
	ctx := context.Background()
	cut := at(100)
	tests := []struct {
		name string
		// setup returns the union and prepares its members; the union
		// holds a tombstone of "x" at 10 in every writable member unless
		// setup says otherwise.
		setup      func(t *testing.T) (*unionstore.Union[Item], []*unionstore.Memory[Item])
		wantUnsafe bool
		wantCount  int
	}{
		{"every member holds the tombstone", func(t *testing.T) (*unionstore.Union[Item], []*unionstore.Memory[Item]) {
			ms := memories(2)
			u := unionstore.New(asStores(ms)...)
			mustSave(t, u, batch(unset("x", at(10)), unset("new", at(200)), set("y", "v", at(5))))
			return u, ms
		}, false, 1},
		{"a member lacks the entity altogether", func(t *testing.T) (*unionstore.Union[Item], []*unionstore.Memory[Item]) {
			ms := memories(2)
			mustSave(t, ms[0], batch(unset("x", at(10))))
			return unionstore.New(asStores(ms)...), ms
		}, false, 1},
		{"a member missed the tombstone and holds an older set", func(t *testing.T) (*unionstore.Union[Item], []*unionstore.Memory[Item]) {
			ms := memories(2)
			mustSave(t, ms[1], batch(set("x", "old", at(1))))
			mustSave(t, ms[0], batch(unset("x", at(10))))
			return unionstore.New(asStores(ms)...), ms
		}, true, 0},
		{"a read-only member holds an older set", func(t *testing.T) (*unionstore.Union[Item], []*unionstore.Memory[Item]) {
			ms := memories(2)
			mustSave(t, ms[1], batch(set("x", "old", at(1))))
			mustSave(t, ms[0], batch(unset("x", at(10))))
			return unionstore.New(ms[0], unionstore.ReadOnly[Item](ms[1])), ms
		}, true, 0},
		{"a member's breaker counts a failure", func(t *testing.T) (*unionstore.Union[Item], []*unionstore.Memory[Item]) {
			ms := memories(2)
			f := failingOnce(ms[1])
			u := unionstore.New[Item](ms[0], f).With(unionstore.CircuitBreaker(3, time.Minute), unionstore.WriteQuorum(1))
			mustSave(t, u, batch(unset("x", at(10))))
			_ = u.Save(context.WithValue(ctx, faultsOnKey{}, true), batch(set("z", "v", at(11))))
			return u, ms
		}, true, 0},
		{"hints are pending", func(t *testing.T) (*unionstore.Union[Item], []*unionstore.Memory[Item]) {
			ms := memories(2)
			f := failingOnce(ms[1])
			u := unionstore.New[Item](ms[0], f).With(unionstore.WriteQuorum(1), unionstore.HintedHandoff[Item](unionstore.NewMemory[Item](), 0))
			mustSave(t, u, batch(unset("x", at(10))))
			_ = u.Save(context.WithValue(ctx, faultsOnKey{}, true), batch(set("z", "v", at(11))))
			return u, ms
		}, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, ms := tc.setup(t)
			before := make([][]string, len(ms))
			for i, m := range ms {
				got, _ := m.Load(ctx, "ns")
				before[i] = show(got)
			}
			n, err := u.PurgeTombstones(ctx, "ns", cut)
			if tc.wantUnsafe {
				if !errors.Is(err, unionstore.ErrPurgeUnsafe) {
					t.Fatalf("PurgeTombstones = %d, %v, want ErrPurgeUnsafe", n, err)
				}
				for i, m := range ms {
					if got, _ := m.Load(ctx, "ns"); !slices.Equal(show(got), before[i]) {
						t.Errorf("a refused purge changed member %d: %v, was %v", i, show(got), before[i])
					}
				}
				return
			}
			if err != nil || n != tc.wantCount {
				t.Fatalf("PurgeTombstones = %d, %v, want %d, nil", n, err, tc.wantCount)
			}
			for i, m := range ms {
				got, _ := m.Load(ctx, "ns")
				for _, c := range got {
					if c.ChangeType == unionstore.ChangeTypeUnset && c.Timestamp.Before(cut) {
						t.Errorf("member %d still holds %v", i, show(unionstore.Changes[Item]{c}))
					}
				}
			}
		})
	}
}

// TestUnionPurgeTombstonesAfterRepairAndReplay shows the way out of a
// refusal: once the member that missed the tombstone is repaired, the
// purge goes ahead.
func TestUnionPurgeTombstonesAfterRepair(t *testing.T) {
	ctx := context.Background()
	ms := memories(2)
	mustSave(t, ms[1], batch(set("x", "old", at(1))))
	mustSave(t, ms[0], batch(unset("x", at(10))))
	u := unionstore.New(asStores(ms)...)
	if _, err := u.PurgeTombstones(ctx, "ns", at(100)); !errors.Is(err, unionstore.ErrPurgeUnsafe) {
		t.Fatalf("PurgeTombstones before Repair = %v, want ErrPurgeUnsafe", err)
	}
	if _, err := u.Repair(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if n, err := u.PurgeTombstones(ctx, "ns", at(100)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones after Repair = %d, %v, want 1, nil", n, err)
	}
	if got, err := u.Load(ctx, "ns"); err != nil || len(got) != 0 {
		t.Errorf("Load after the purge = %v, %v, want nothing", show(got), err)
	}
}

func TestUnionPurgeRemovesHints(t *testing.T) {
	ctx := context.Background()
	ms := memories(2)
	hints := unionstore.NewMemory[Item]()
	f := failingOnce(ms[1])
	u := unionstore.New[Item](ms[0], f).With(unionstore.WriteQuorum(1), unionstore.HintedHandoff[Item](hints, 0))
	if _, err := u.SaveWithReport(context.WithValue(ctx, faultsOnKey{}, true), batch(set("x", "v", at(1)))); err != nil {
		t.Fatal(err)
	}
	if hints.NamespaceCount() == 0 {
		t.Fatal("no hint was kept for the member that failed")
	}
	if err := u.Purge(ctx, "ns"); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if n := hints.NamespaceCount(); n != 0 {
		t.Errorf("after Purge the hint store holds %d namespaces, want none", n)
	}
	if _, err := u.Replay(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := u.Load(ctx, "ns"); len(got) != 0 {
		t.Errorf("a replay after Purge brought back %v", show(got))
	}
}
