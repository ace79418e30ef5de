package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestUnionConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[Item] {
		return unionstore.New(asStores(memories(3))...)
	})
}

// mergeCases are shared by the Load and Scan tests: what each member holds,
// and what the union must return.
var mergeCases = []struct {
	name    string
	members []unionstore.Changes[Item]
	want    []string
}{
	{"disjoint members are combined in order", []unionstore.Changes[Item]{
		batch(set("c", "c", at(1)), set("a", "a", at(1))),
		batch(set("b", "b", at(1))),
	}, []string{"a=a@1", "b=b@1", "c=c@1"}},
	{"the latest timestamp wins whichever member holds it", []unionstore.Changes[Item]{
		batch(set("a", "old", at(1)), set("b", "new", at(9))),
		batch(set("a", "new", at(5)), set("b", "old", at(2))),
	}, []string{"a=new@5", "b=new@9"}},
	{"a later tombstone hides an earlier set", []unionstore.Changes[Item]{
		batch(set("a", "v", at(1))),
		batch(unset("a", at(2))),
	}, []string{"a=-@2"}},
	{"a later set revives an earlier tombstone", []unionstore.Changes[Item]{
		batch(unset("a", at(2))),
		batch(set("a", "back", at(3))),
	}, []string{"a=back@3"}},
	{"on equal timestamps the member listed first wins", []unionstore.Changes[Item]{
		batch(set("a", "first", at(1))),
		batch(set("a", "second", at(1))),
		batch(unset("a", at(1))),
	}, []string{"a=first@1"}},
	{"on equal timestamps a first-listed tombstone wins", []unionstore.Changes[Item]{
		batch(unset("a", at(1))),
		batch(set("a", "second", at(1))),
	}, []string{"a=-@1"}},
	{"empty members merge to nothing", []unionstore.Changes[Item]{nil, nil}, []string{}},
}

func TestUnionMerge(t *testing.T) {
	for _, tc := range mergeCases {
		t.Run(tc.name, func(t *testing.T) {
			ms := memories(len(tc.members))
			for i, m := range ms {
				if len(tc.members[i]) > 0 {
					mustSave(t, m, tc.members[i])
				}
			}
			u := unionstore.New(asStores(ms)...)
			got := show(mustLoad(t, u))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Load = %v, want %v", got, tc.want)
			}
			var scanned unionstore.Changes[Item]
			for c, err := range u.Scan(context.Background(), "ns") {
				require.NoError(t, err)
				scanned = append(scanned, c)
			}
			if got := show(scanned); !slices.Equal(got, tc.want) {
				t.Errorf("Scan = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnionSaveWritesEveryStoreAndStampsOnce(t *testing.T) {
	ms := memories(3)
	u := unionstore.New(asStores(ms)...)
	in := batch(set("a", "v", time.Time{}))
	mustSave(t, u, in)
	assert.True(t, in[0].Timestamp.IsZero(), "Save modified its input")
	var stamps []time.Time
	for i, m := range ms {
		got := mustLoad(t, m)
		require.Len(t, got, 1, "store %d", i)
		stamps = append(stamps, got[0].Timestamp)
	}
	assert.False(t, stamps[0].IsZero())
	for i := range stamps {
		assert.True(t, stamps[i].Equal(stamps[0]), "store %d stamp %v, want %v", i, stamps[i], stamps[0])
	}
}

func TestUnionSaveTriesEveryStoreAndNamesFailures(t *testing.T) {
	errDisk := errors.New("disk full")
	errNet := errors.New("connection refused")
	ms := memories(3)
	bad1 := &faulty{Store: ms[1], saveErr: errDisk}
	bad2 := &faulty{Store: ms[2], saveErr: errNet}
	u := unionstore.New(ms[0], unionstore.Named("backup", bad1), bad2)

	report, err := u.SaveWithReport(context.Background(), batch(set("a", "v", at(1))))
	require.Error(t, err)
	assert.ErrorIs(t, err, errDisk)
	assert.ErrorIs(t, err, errNet)
	assert.ErrorIs(t, err, unionstore.ErrQuorum)
	var se *unionstore.StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 1, se.Index)
	assert.Equal(t, "backup", se.Name)
	msg := err.Error()
	for _, want := range []string{`store 1 ("backup"): save: disk full`, "store 2: save: connection refused", "1 of 3 writable stores succeeded"} {
		assert.Contains(t, msg, want)
	}
	require.Len(t, report.Failed, 2)
	assert.Equal(t, []int{1, 2}, []int{report.Failed[0].Index, report.Failed[1].Index})
	// The healthy store got the change although the others failed.
	assert.Equal(t, []string{"a=v@1"}, show(mustLoad(t, ms[0])))
}

func TestUnionWriteQuorum(t *testing.T) {
	for _, tc := range []struct {
		name    string
		quorum  int
		failing int
		wantErr bool
	}{
		{"default needs all: one failure fails", 0, 1, true},
		{"quorum 2 of 3: one failure passes", 2, 1, false},
		{"quorum 2 of 3: two failures fail", 2, 2, true},
		{"quorum above the count means all", 9, 1, true},
		{"quorum 1: all but one fail and it passes", 1, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := memories(3)
			stores := asStores(ms)
			for i := 0; i < tc.failing; i++ {
				stores[2-i] = &faulty{Store: ms[2-i], saveErr: errors.New("down")}
			}
			u := unionstore.New(stores...).With(unionstore.WriteQuorum(tc.quorum))
			report, err := u.SaveWithReport(context.Background(), batch(set("a", "v", at(1))))
			if tc.wantErr {
				assert.ErrorIs(t, err, unionstore.ErrQuorum)
			} else {
				assert.NoError(t, err)
			}
			assert.Len(t, report.Failed, tc.failing)
		})
	}
}

func TestUnionLoadFailsByDefaultAndDegradesOnRequest(t *testing.T) {
	errDown := errors.New("primary down")
	ms := memories(3)
	for _, m := range ms {
		mustSave(t, m, batch(set("a", "v", at(1))))
	}
	mustSave(t, ms[2], batch(set("b", "only in 2", at(2))))
	primary := &faulty{Store: ms[0], loadErr: errDown}
	stores := []unionstore.Store[Item]{unionstore.Named("primary", primary), ms[1], ms[2]}

	_, err := unionstore.New(stores...).Load(context.Background(), "ns")
	assert.ErrorIs(t, err, errDown)
	assert.ErrorIs(t, err, unionstore.ErrQuorum)
	assert.Contains(t, err.Error(), `store 0 ("primary"): load: primary down`)

	degraded := unionstore.New(stores...).With(unionstore.DegradedReads(2))
	got, report, err := degraded.LoadWithReport(context.Background(), "ns")
	require.NoError(t, err)
	assert.Equal(t, []string{"a=v@1", "b=only in 2@2"}, show(got))
	require.True(t, report.Degraded())
	assert.Equal(t, 0, report.Failed[0].Index)
	assert.ErrorIs(t, report.Failed[0], errDown)

	var scanned unionstore.Changes[Item]
	for c, err := range degraded.Scan(context.Background(), "ns") {
		require.NoError(t, err)
		scanned = append(scanned, c)
	}
	assert.Equal(t, show(got), show(scanned))

	ms[1].Close()
	_, err = degraded.Load(context.Background(), "ns")
	assert.ErrorIs(t, err, unionstore.ErrQuorum, "two of three down is below the read quorum of 2")
	assert.ErrorIs(t, err, unionstore.ErrClosed)
}

func TestUnionScanDropsAFailingStreamOnlyWithinQuorum(t *testing.T) {
	good := unionstore.NewMemory[Item]()
	mustSave(t, good, batch(set("a", "a", at(1)), set("c", "c", at(1))))
	broken := unordered{Store: good, changes: batch(set("b", "b", at(1)), set("a", "a", at(1)))}

	var lastErr error
	for _, err := range unionstore.New[Item](good, broken).Scan(context.Background(), "ns") {
		lastErr = err
	}
	assert.ErrorContains(t, lastErr, "out of order")
	assert.ErrorIs(t, lastErr, unionstore.ErrQuorum)

	var got unionstore.Changes[Item]
	for c, err := range unionstore.New[Item](good, broken).With(unionstore.DegradedReads(1)).Scan(context.Background(), "ns") {
		require.NoError(t, err)
		got = append(got, c)
	}
	assert.Equal(t, []string{"a=a@1", "b=b@1", "c=c@1"}, show(got), "b came before the broken store was dropped")
}

func TestUnionReadOnlyMembers(t *testing.T) {
	old, cur := memories(2)[0], unionstore.NewMemory[Item]()
	mustSave(t, old, batch(set("legacy", "v", at(1))))
	u := unionstore.New(unionstore.ReadOnly(old), cur)
	mustSave(t, u, batch(set("fresh", "v", at(2))))
	assert.Equal(t, []string{"legacy=v@1"}, show(mustLoad(t, old)), "read-only store was written")
	assert.Equal(t, []string{"fresh=v@2"}, show(mustLoad(t, cur)))
	assert.Equal(t, []string{"fresh=v@2", "legacy=v@1"}, show(mustLoad(t, u)))

	err := unionstore.ReadOnly[Item](old).Save(context.Background(), batch(set("x", "v", at(1))))
	assert.ErrorIs(t, err, unionstore.ErrReadOnly)
	err = unionstore.Named("old", unionstore.ReadOnly[Item](old)).Save(context.Background(), batch(set("x", "v", at(1))))
	assert.ErrorIs(t, err, unionstore.ErrReadOnly)
	assert.ErrorContains(t, err, `"old"`)
}

func TestUnionRefusesToSaveVacuously(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    *unionstore.Union[Item]
	}{
		{"no stores", unionstore.New[Item]()},
		{"only read-only stores", unionstore.New(unionstore.ReadOnly[Item](unionstore.NewMemory[Item]()))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.u.Save(context.Background(), batch(set("a", "v", at(1))))
			assert.ErrorIs(t, err, unionstore.ErrNoStores)
		})
	}
	_, err := unionstore.New[Item]().Load(context.Background(), "ns")
	assert.ErrorIs(t, err, unionstore.ErrNoStores)
}

func TestUnionRejectsInvalidBatchesBeforeWriting(t *testing.T) {
	mp := []*unionstore.Memory[*pointerItem]{unionstore.NewMemory[*pointerItem](), unionstore.NewMemory[*pointerItem]()}
	up := unionstore.New[*pointerItem](mp[0], mp[1])
	err := up.Save(context.Background(), unionstore.Changes[*pointerItem]{
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: &pointerItem{ID: "ok"}},
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: nil},
	})
	assert.ErrorIs(t, err, unionstore.ErrInvalidChange)
	assert.ErrorContains(t, err, "change 1: nil entity")
	assert.Equal(t, 0, mp[0].NamespaceCount()+mp[1].NamespaceCount())

	err = up.Save(context.Background(), unionstore.Changes[*pointerItem]{
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: &pointerItem{ID: "boom", panics: true}},
	})
	assert.ErrorIs(t, err, unionstore.ErrInvalidChange)
	assert.ErrorContains(t, err, "panicked")

	ms := memories(2)
	u := unionstore.New(asStores(ms)...)
	for _, bad := range []unionstore.Change[Item]{
		{Namespace: "", ChangeType: unionstore.ChangeTypeSet, Entity: Item{ID: "a"}},
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{ID: ""}},
		{Namespace: "ns", ChangeType: "delete", Entity: Item{ID: "a"}},
	} {
		err := u.Save(context.Background(), batch(set("good", "v", at(1)), bad))
		assert.ErrorIs(t, err, unionstore.ErrInvalidChange)
	}
	assert.Equal(t, 0, ms[0].NamespaceCount()+ms[1].NamespaceCount())
}

// pointerItem is an entity used through a pointer, which may be nil.
type pointerItem struct {
	ID     string
	panics bool
}

func (p *pointerItem) CompactionKey() (string, string) {
	if p.panics {
		panic("broken entity")
	}
	return "p", p.ID
}

func TestUnionContextEndsOperationsWhileAStoreIsStuck(t *testing.T) {
	for _, tc := range []struct {
		op        string
		streaming bool // the stuck store implements Scanner
	}{{"save", false}, {"load", false}, {"repair", false}, {"scan", false}, {"repair", true}, {"scan", true}, {"diff", true}} {
		t.Run(fmt.Sprintf("%s streaming=%v", tc.op, tc.streaming), func(t *testing.T) {
			var blocked unionstore.Store[Item] = newStuck(t)
			if tc.streaming {
				blocked = stuckScanner{newStuck(t)}
			}
			mem := unionstore.NewMemory[Item]()
			mustSave(t, mem, batch(set("a", "v", at(1))))
			// Degraded reads must not turn the end of ctx into a dropped member.
			u := unionstore.New[Item](mem, blocked).With(unionstore.DegradedReads(1))
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			var err error
			switch tc.op {
			case "save":
				err = u.Save(ctx, batch(set("a", "v", at(1))))
			case "load":
				_, err = u.Load(ctx, "ns")
			case "repair":
				_, err = u.Repair(ctx, "ns")
			case "scan":
				for _, e := range u.Scan(ctx, "ns") {
					err = e
				}
			case "diff":
				for _, e := range u.Diff(ctx, "ns") {
					err = e
				}
			}
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.ErrorContains(t, err, "still waiting for store 1")
		})
	}
}

func TestUnionCloseClosesEveryStore(t *testing.T) {
	errA, errB := errors.New("close a"), errors.New("close b")
	ms := memories(3)
	a := &faulty{Store: ms[0], closeErr: errA}
	c := &faulty{Store: ms[2], closeErr: errB}
	b := &faulty{Store: ms[1]}
	u := unionstore.New[Item](a, b, c)
	err := u.Close()
	assert.ErrorIs(t, err, errA)
	assert.ErrorIs(t, err, errB)
	for i, f := range []*faulty{a, b, c} {
		assert.EqualValues(t, 1, f.closes.Load(), "store %d closes", i)
	}
	assert.NoError(t, u.Close(), "second Close")
	assert.EqualValues(t, 1, a.closes.Load(), "second Close closed the stores again")
	assert.ErrorIs(t, u.Save(context.Background(), batch(set("a", "v", at(1)))), unionstore.ErrClosed)
	_, err = u.Load(context.Background(), "ns")
	assert.ErrorIs(t, err, unionstore.ErrClosed)
	_, err = u.Repair(context.Background(), "ns")
	assert.ErrorIs(t, err, unionstore.ErrClosed)
}

func TestUnionReadRepair(t *testing.T) {
	ms := memories(3)
	mustSave(t, ms[0], batch(set("a", "new", at(5)), set("b", "b", at(1))))
	mustSave(t, ms[1], batch(set("a", "old", at(1))))
	mustSave(t, ms[2], batch(set("a", "new", at(5))))
	old := unionstore.NewMemory[Item]()
	mustSave(t, old, batch(set("legacy", "v", at(1))))
	u := unionstore.New[Item](ms[0], ms[1], ms[2], unionstore.ReadOnly[Item](old)).With(unionstore.ReadRepair())
	got, report, err := u.LoadWithReport(context.Background(), "ns")
	require.NoError(t, err)
	want := []string{"a=new@5", "b=b@1", "legacy=v@1"}
	assert.Equal(t, want, show(got))
	// ms[0] lacks legacy (1), ms[1] lacks a-new, b, legacy (3), ms[2] lacks b, legacy (2).
	assert.Equal(t, 6, report.Repaired)
	for i, m := range ms {
		assert.Equal(t, want, show(mustLoad(t, m)), "store %d after read repair", i)
	}
	assert.Equal(t, []string{"legacy=v@1"}, show(mustLoad(t, old)), "read-only store was repaired")
}

func TestUnionRepair(t *testing.T) {
	ms := memories(3)
	mustSave(t, ms[0], batch(set("a", "v2", at(2)), set("b", "b", at(1)), unset("gone", at(9))))
	mustSave(t, ms[1], batch(set("a", "v1", at(1)), set("gone", "v", at(3))))
	// ms[2] holds the winner's timestamp with another change type: stale.
	mustSave(t, ms[2], batch(set("a", "v2", at(2)), set("b", "b", at(1)), set("gone", "v", at(9))))
	old := unionstore.NewMemory[Item]()
	mustSave(t, old, batch(set("c", "from old", at(1))))
	u := unionstore.New[Item](ms[0], unionstore.Named("one", ms[1]), ms[2], unionstore.ReadOnly[Item](old)).With(unionstore.RepairBatch(2))

	var diffs []string
	for d, err := range u.Diff(context.Background(), "ns") {
		require.NoError(t, err)
		var stale []string
		for i := range d.Versions {
			if d.Stale(i) {
				stale = append(stale, string(rune('0'+i)))
			}
		}
		diffs = append(diffs, d.Latest.Entity.ID+":"+strings.Join(stale, ","))
	}
	assert.Equal(t, []string{"a:1,3", "b:1,3", "c:0,1,2", "gone:1,2,3"}, diffs)

	report, err := u.Repair(context.Background(), "ns")
	require.NoError(t, err)
	assert.Equal(t, 4, report.Entities)
	assert.Equal(t, []unionstore.StoreRepair{
		{Index: 0, Missing: 1, Written: 1},
		{Index: 1, Name: "one", Missing: 2, Outdated: 2, Written: 4},
		{Index: 2, Missing: 1, Outdated: 1, Written: 2},
		{Index: 3, ReadOnly: true, Missing: 3},
	}, report.Stores)
	assert.Equal(t, 7, report.Written())
	want := []string{"a=v2@2", "b=b@1", "c=from old@1", "gone=-@9"}
	for i, m := range ms {
		assert.Equal(t, want, show(mustLoad(t, m)), "store %d", i)
	}
	for _, err := range u.Diff(context.Background(), "ns") {
		require.NoError(t, err)
	}
	report, err = u.Repair(context.Background(), "ns")
	require.NoError(t, err)
	assert.Equal(t, 0, report.Written(), "a second repair wrote again")
}

func TestUnionRepairGoesOnAroundAFailingStore(t *testing.T) {
	errDown := errors.New("down")
	ms := memories(3)
	mustSave(t, ms[0], batch(set("a", "v", at(1)), set("b", "v", at(1))))
	bad := &faulty{Store: ms[1], saveErr: errDown}
	u := unionstore.New[Item](ms[0], bad, ms[2]).With(unionstore.RepairBatch(1))
	report, err := u.Repair(context.Background(), "ns")
	assert.ErrorIs(t, err, errDown)
	assert.EqualValues(t, 1, bad.saves.Load(), "a failed store was written again")
	assert.Equal(t, 2, report.Stores[2].Written)
	assert.ErrorIs(t, report.Stores[1].Err, errDown)
	assert.Equal(t, []string{"a=v@1", "b=v@1"}, show(mustLoad(t, ms[2])))
}

func TestUnionObserver(t *testing.T) {
	var mu sync.Mutex
	var events []string
	errDown := errors.New("down")
	ms := memories(2)
	u := unionstore.New[Item](unionstore.Named("a", ms[0]), &faulty{Store: ms[1], saveErr: errDown}).
		With(unionstore.WriteQuorum(1), unionstore.WithObserver(func(e unionstore.Event) {
			mu.Lock()
			defer mu.Unlock()
			s := string(e.Op) + " " + e.Name + " " + string(rune('0'+e.Index)) + " " + string(rune('0'+e.Count))
			if e.Err != nil {
				s += " " + e.Err.Error()
			}
			if e.Duration < 0 {
				s += " negative duration"
			}
			events = append(events, s)
		}))
	mustSave(t, u, batch(set("a", "v", at(1)), set("b", "v", at(1))))
	mustLoad(t, u)
	require.NoError(t, u.Close())
	slices.Sort(events)
	assert.Equal(t, []string{
		"close  1 0", "close a 0 0",
		"load  1 0", "load a 0 2",
		"save  1 2 down", "save a 0 2",
	}, events)
}

func TestChangesBuilderOrdersChangesInCallOrder(t *testing.T) {
	b := unionstore.NewChangesBuilder[Item]("ns")
	for i := 0; i < 1000; i++ {
		b.Set(Item{Kind: "k", ID: "a", N: i})
	}
	b.Unset(Item{Kind: "k", ID: "b"}, unionstore.WithTimestamp(at(7)))
	changes := b.Build()
	for i := 1; i < 1000; i++ {
		require.True(t, changes[i].Timestamp.After(changes[i-1].Timestamp), "change %d not after change %d", i, i-1)
	}
	got := unionstore.Compact(changes)
	require.Len(t, got, 2)
	assert.Equal(t, 999, got[0].Entity.N)
	assert.Equal(t, unionstore.ChangeTypeUnset, got[1].ChangeType)
	assert.True(t, got[1].Timestamp.Equal(at(7)))
	changes[0].Namespace = "changed"
	assert.Equal(t, "ns", b.Build()[0].Namespace, "Build returned the builder's own slice")
}

func TestUnionReadRepairFailureDoesNotFailTheLoad(t *testing.T) {
	errDown := errors.New("read-only disk")
	ms := memories(2)
	mustSave(t, ms[0], batch(set("a", "v", at(1))))
	u := unionstore.New[Item](ms[0], &faulty{Store: ms[1], saveErr: errDown}).With(unionstore.ReadRepair())
	got, report, err := u.LoadWithReport(context.Background(), "ns")
	require.NoError(t, err)
	assert.Equal(t, []string{"a=v@1"}, show(got))
	assert.Equal(t, 0, report.Repaired)
	require.Len(t, report.Failed, 1)
	assert.Equal(t, unionstore.OpRepair, report.Failed[0].Op)
	assert.ErrorIs(t, report.Failed[0], errDown)
}
