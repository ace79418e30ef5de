package unionstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// loadOnly hides every optional interface of a store: a member that
// cannot read one entity.
type loadOnly struct{ unionstore.Store[Item] }

func TestUnionGet(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		members [][]unionstore.Change[Item] // what each member holds
		id      string
		want    string // as show renders it, "" when absent
	}{
		{"latest wins", [][]unionstore.Change[Item]{{set("a", "old", at(1))}, {set("a", "new", at(2))}}, "a", "a=new@2"},
		{"tie goes to the first member", [][]unionstore.Change[Item]{{set("a", "first", at(1))}, {set("a", "second", at(1))}}, "a", "a=first@1"},
		{"a tombstone is a change", [][]unionstore.Change[Item]{{set("a", "v", at(1))}, {unset("a", at(2))}}, "a", "a=-@2"},
		{"an older tombstone loses", [][]unionstore.Change[Item]{{unset("a", at(1))}, {set("a", "v", at(2))}}, "a", "a=v@2"},
		{"one member lacks it", [][]unionstore.Change[Item]{{}, {set("a", "v", at(1))}}, "a", "a=v@1"},
		{"absent everywhere", [][]unionstore.Change[Item]{{set("b", "v", at(1))}, {}}, "a", ""},
	}
	for _, tt := range tests {
		for _, wrap := range []string{"getters", "load-only"} {
			t.Run(tt.name+" "+wrap, func(t *testing.T) {
				var stores []unionstore.Store[Item]
				for _, held := range tt.members {
					m := unionstore.NewMemory[Item]()
					if len(held) > 0 {
						mustSave(t, m, held)
					}
					var s unionstore.Store[Item] = m
					if wrap == "load-only" {
						s = loadOnly{m}
					}
					stores = append(stores, s)
				}
				got, found, err := unionstore.New(stores...).Get(ctx, "ns", "k", tt.id)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				var shown string
				if found {
					shown = show(batch(got))[0]
				}
				if shown != tt.want {
					t.Fatalf("Get(%q) = %q, want %q", tt.id, shown, tt.want)
				}
			})
		}
	}
}

func TestUnionGetPolicies(t *testing.T) {
	ctx := context.Background()
	a, b := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
	old := unionstore.NewMemory[Item]()
	mustSave(t, old, batch(set("x", "from-old", at(5))))
	mustSave(t, a, batch(set("x", "stale", at(1))))
	down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
	down.Set(storetest.Fault{Fail: true}, storetest.OpGet)

	strict := unionstore.New(unionstore.ReadOnly[Item](old), a, b, down)
	if _, _, err := strict.Get(ctx, "ns", "k", "x"); !errors.Is(err, unionstore.ErrQuorum) || !errors.Is(err, storetest.ErrInjected) {
		t.Fatalf("strict Get with a failing member = %v, want ErrQuorum wrapping the fault", err)
	}

	u := strict.With(unionstore.DegradedReads(3), unionstore.ReadRepair())
	got, found, report, err := u.GetWithReport(ctx, "ns", "k", "x")
	if err != nil || !found || show(batch(got))[0] != "x=from-old@5" {
		t.Fatalf("GetWithReport = %v, %v, %v; want the read-only member's later change", got, found, err)
	}
	if len(report.Failed) != 1 || report.Failed[0].Index != 3 || report.Repaired != 2 {
		t.Fatalf("report = %+v, want member 3 failed and 2 repairs (a and b, not the read-only one)", report)
	}
	for name, s := range map[string]*unionstore.Memory[Item]{"a": a, "b": b} {
		if held := show(mustLoad(t, s)); !slices.Equal(held, []string{"x=from-old@5"}) {
			t.Errorf("%s holds %v after read repair, want the winner", name, held)
		}
	}
	if calls := down.Calls(storetest.OpLoad); calls != 0 {
		t.Errorf("the point read loaded the faulty member's namespace %d times, want 0", calls)
	}
}
