package unionstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// repairRecords returns the namespaces of hints that record a namespace for
// repair rather than changes.
func repairRecords(t testing.TB, hints *unionstore.Memory[Item]) []string {
	t.Helper()
	spaces, err := hints.Namespaces(context.Background())
	if err != nil {
		t.Fatalf("Namespaces of the hint store: %v", err)
	}
	var out []string
	for _, s := range spaces {
		if strings.HasPrefix(s.Namespace, "unionstore.repair/") {
			out = append(out, s.Namespace)
		}
	}
	return out
}

// TestHintLimitCountsEntitiesNotSaves checks that the hint limit counts the
// entities whose hints are kept, as a replay does: a first outage that
// overwrites a few entities many times, once replayed, leaves the whole
// limit to the next outage.
func TestHintLimitCountsEntitiesNotSaves(t *testing.T) {
	const limit = 10
	for _, tc := range []struct {
		name     string
		outage   []unionstore.Changes[Item] // saved while the member is down
		entities int                        // distinct entities among them
	}{
		{"one entity saved 8 times", func() []unionstore.Changes[Item] {
			var out []unionstore.Changes[Item]
			for i := range 8 {
				out = append(out, batch(set("x", fmt.Sprint(i), at(i+1))))
			}
			return out
		}(), 1},
		{"one batch holding one entity 8 times", func() []unionstore.Changes[Item] {
			var b unionstore.Changes[Item]
			for i := range 8 {
				b = append(b, set("x", fmt.Sprint(i), at(i+1)))
			}
			return []unionstore.Changes[Item]{b}
		}(), 1},
		{"two entities saved 4 times each", func() []unionstore.Changes[Item] {
			var out []unionstore.Changes[Item]
			for i := range 4 {
				out = append(out, batch(set("x", fmt.Sprint(i), at(i+1)), set("y", fmt.Sprint(i), at(i+1))))
			}
			return out
		}(), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			hints := unionstore.NewMemory[Item]()
			b := unionstore.NewMemory[Item]()
			down := storetest.NewFaulty[Item](b)
			u := unionstore.New[Item](unionstore.NewMemory[Item](), down).
				With(unionstore.WriteQuorum(1), unionstore.HintedHandoff[Item](hints, limit))

			down.Set(storetest.Fault{Fail: true}, storetest.OpSave)
			for _, c := range tc.outage {
				mustSave(t, u, c)
			}
			down.Clear()
			report, err := u.Replay(ctx)
			if err != nil || report.Replayed() != tc.entities {
				t.Fatalf("first Replay = %+v, %v; want %d changes replayed", report, err, tc.entities)
			}

			// The second outage may keep limit entities as hints again.
			down.Set(storetest.Fault{Fail: true}, storetest.OpSave)
			for i := range limit {
				r, err := u.SaveWithReport(ctx, batch(set(fmt.Sprintf("e%d", i), "v", at(100+i))))
				if err != nil || r.Hinted != 1 {
					t.Fatalf("second outage, save %d = %+v, %v; want its change kept as a hint", i, r, err)
				}
			}
			if got := repairRecords(t, hints); len(got) != 0 {
				t.Fatalf("second outage recorded %v for repair, want %d hints and no repair", got, limit)
			}
			down.Clear()
			report, err = u.Replay(ctx)
			if err != nil || report.Replayed() != limit || len(report.Members) != 1 || len(report.Members[0].Repaired) != 0 {
				t.Fatalf("second Replay = %+v, %v; want %d changes replayed and nothing repaired", report, err, limit)
			}
		})
	}
}

// TestReplayAfterAFailedReplayCountsEachEntityOnce checks that a replay that
// finds hints of one entity in two epochs (the first replay failed, and the
// entity was hinted again) writes and counts the entity and its namespace
// once, with the latest change.
func TestReplayAfterAFailedReplayCountsEachEntityOnce(t *testing.T) {
	ctx := context.Background()
	hints := unionstore.NewMemory[Item]()
	b := unionstore.NewMemory[Item]()
	down := storetest.NewFaulty[Item](b)
	u := unionstore.New[Item](unionstore.NewMemory[Item](), down).
		With(unionstore.WriteQuorum(1), unionstore.HintedHandoff[Item](hints, 0))

	down.Set(storetest.Fault{Fail: true}, storetest.OpSave)
	mustSave(t, u, batch(set("x", "first", at(1)), set("y", "only", at(1))))
	if report, err := u.Replay(ctx); err == nil || len(report.Members) != 1 || !report.Members[0].Pending {
		t.Fatalf("Replay while the member is down = %+v, %v; want an error and the member pending", report, err)
	}
	mustSave(t, u, batch(set("x", "second", at(2))))
	down.Clear()

	report, err := u.Replay(ctx)
	if err != nil || len(report.Members) != 1 {
		t.Fatalf("Replay = %+v, %v; want one member replayed", report, err)
	}
	if m := report.Members[0]; m.Replayed != 2 || m.Namespaces != 1 {
		t.Fatalf("Replay's report = %+v; want 2 changes (x and y) replayed in 1 namespace", m)
	}
	want := []string{"x=second@2", "y=only@1"}
	if got := show(mustLoad(t, b)); !slices.Equal(got, want) {
		t.Fatalf("member after Replay holds %v, want %v", got, want)
	}
	if spaces, err := hints.Namespaces(ctx); err != nil || len(spaces) != 0 {
		t.Fatalf("hint store after Replay: %v, %v; want empty", spaces, err)
	}
}

// TestHintLimitCountsAgainAfterAPurge checks that an entity whose hint
// Union.Purge removed counts again when it is hinted again.
func TestHintLimitCountsAgainAfterAPurge(t *testing.T) {
	ctx := context.Background()
	outage := context.WithValue(ctx, faultsOnKey{}, true)
	hints := unionstore.NewMemory[Item]()
	down := &flaky{m: unionstore.NewMemory[Item](), name: "down", fails: func() bool { return true }}
	u := unionstore.New[Item](unionstore.NewMemory[Item](), down).
		With(unionstore.WriteQuorum(1), unionstore.HintedHandoff[Item](hints, 2))
	inOther := func(c unionstore.Change[Item]) unionstore.Change[Item] {
		c.Namespace = "other"
		return c
	}
	for _, step := range []struct {
		changes    unionstore.Changes[Item]
		wantHinted int
	}{
		{batch(set("x", "v", at(1))), 1},
		{nil, 0}, // Purge "ns"
		{batch(set("x", "v", at(2))), 1},
		{batch(inOther(set("y", "v", at(3)))), 1},
		// x and y have hints: z would be a third.
		{batch(inOther(set("z", "v", at(4)))), 0},
	} {
		if step.changes == nil {
			if err := u.Purge(ctx, "ns"); err != nil {
				t.Fatalf("Purge: %v", err)
			}
			continue
		}
		r, err := u.SaveWithReport(outage, step.changes)
		if err != nil || r.Hinted != step.wantHinted {
			t.Fatalf("SaveWithReport(%v) = %+v, %v; want %d changes hinted", show(step.changes), r, err, step.wantHinted)
		}
	}
	if got := repairRecords(t, hints); !slices.Equal(got, []string{"unionstore.repair/i:1/other"}) {
		t.Fatalf("repair records = %v, want namespace other", got)
	}
}
