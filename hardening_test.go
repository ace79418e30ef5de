package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// limited is a Memory that cannot hold ids longer than max bytes, as a
// database whose index has a size limit. With check set it says so through
// Checker; without, only its Save refuses them.
type limited struct {
	*unionstore.Memory[Item]
	max int
}

func (l *limited) refuse(changes unionstore.Changes[Item]) error {
	for i, c := range changes {
		if len(c.Entity.ID) > l.max {
			return fmt.Errorf("%w: change %d: id of %d bytes, over %d", unionstore.ErrInvalidChange, i, len(c.Entity.ID), l.max)
		}
	}
	return nil
}

func (l *limited) Save(ctx context.Context, changes unionstore.Changes[Item]) error {
	if err := l.refuse(changes); err != nil {
		return err
	}
	return l.Memory.Save(ctx, changes)
}

// checked is a limited store that implements Checker.
type checked struct{ *limited }

func (c checked) Check(changes unionstore.Changes[Item]) error { return c.refuse(changes) }

func newLimited(max int) *limited { return &limited{unionstore.NewMemory[Item](), max} }

func TestSaveRefusedByOneMemberWritesNone(t *testing.T) {
	long := strings.Repeat("x", 50)
	for _, quorum := range []int{0, 1} {
		t.Run(fmt.Sprint("quorum ", quorum), func(t *testing.T) {
			free := unionstore.NewMemory[Item]()
			strict := checked{newLimited(10)}
			u := unionstore.New[Item](free, unionstore.Named("small", strict)).With(unionstore.WriteQuorum(quorum))
			err := u.Save(context.Background(), batch(set("ok", "v", at(1)), set(long, "v", at(2))))
			if !errors.Is(err, unionstore.ErrInvalidChange) {
				t.Fatalf("Save = %v, want ErrInvalidChange", err)
			}
			var se *unionstore.StoreError
			if !errors.As(err, &se) || se.Name != "small" || se.Op != "check" {
				t.Fatalf("Save = %v, want a StoreError naming store \"small\" in check", err)
			}
			for i, s := range []unionstore.Store[Item]{free, strict} {
				if got := mustLoad(t, s); len(got) != 0 {
					t.Errorf("store %d holds %v after a refused batch, want nothing", i, show(got))
				}
			}
		})
	}
}

func TestMemberPanicIsContained(t *testing.T) {
	ctx := context.Background()
	for _, op := range []storetest.Op{storetest.OpSave, storetest.OpLoad, storetest.OpScan, storetest.OpGet, storetest.OpClose} {
		t.Run(string(op), func(t *testing.T) {
			good := unionstore.NewMemory[Item]()
			mustSave(t, good, batch(set("a", "v", at(1))))
			bad := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
			bad.Set(storetest.Fault{Panic: "boom"}, op)
			u := unionstore.New[Item](good, unionstore.Named("bad", bad)).With(unionstore.DegradedReads(1), unionstore.WriteQuorum(1))
			var err error
			switch op {
			case storetest.OpSave:
				report, serr := u.SaveWithReport(ctx, batch(set("b", "v", at(2))))
				if serr != nil || len(report.Failed) != 1 {
					t.Fatalf("SaveWithReport with quorum 1 = %+v, %v; want success and the panicking member failed", report, serr)
				}
				err = report.Failed[0]
			case storetest.OpLoad:
				var got unionstore.Changes[Item]
				var report unionstore.Report
				got, report, err = u.LoadWithReport(ctx, "ns")
				if err != nil || !slices.Equal(show(got), []string{"a=v@1"}) || len(report.Failed) != 1 {
					t.Fatalf("LoadWithReport = %v, %+v, %v; want the healthy member's change and one failure", show(got), report, err)
				}
				err = report.Failed[0]
			case storetest.OpScan:
				// Without a Scanner-less member, the union streams.
				var got unionstore.Changes[Item]
				for c, serr := range u.Scan(ctx, "ns") {
					if serr != nil {
						t.Fatalf("Scan: %v", serr)
					}
					got = append(got, c)
				}
				if !slices.Equal(show(got), []string{"a=v@1"}) {
					t.Fatalf("Scan = %v, want the healthy member's change", show(got))
				}
				strict := unionstore.New[Item](good, unionstore.Named("bad", bad))
				for _, serr := range strict.Scan(ctx, "ns") {
					err = serr
				}
			case storetest.OpGet:
				var report unionstore.Report
				var found bool
				_, found, report, err = u.GetWithReport(ctx, "ns", "k", "a")
				if err != nil || !found || len(report.Failed) != 1 {
					t.Fatalf("GetWithReport = %v, %+v, %v; want found and one failure", found, report, err)
				}
				err = report.Failed[0]
			case storetest.OpClose:
				err = u.Close()
			}
			if !errors.Is(err, unionstore.ErrPanicked) {
				t.Fatalf("error = %v, want ErrPanicked", err)
			}
			var pe *unionstore.PanicError
			if !errors.As(err, &pe) || pe.Value != "boom" || !strings.Contains(string(pe.Stack), "storetest") {
				t.Fatalf("error = %v, want a PanicError with the value and the stack", err)
			}
			if !strings.Contains(err.Error(), `"bad"`) {
				t.Fatalf("error = %v, want it to name the member", err)
			}
		})
	}
}

func TestRepairSetsAsideWhatATargetRefuses(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("y", 40)
	for _, tt := range []struct {
		name   string
		target unionstore.Store[Item]
	}{
		{"refused by Check", checked{newLimited(10)}},
		{"refused by Save alone", newLimited(10)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := unionstore.NewMemory[Item]()
			var in unionstore.Changes[Item]
			for i := range 5000 {
				in = append(in, set(fmt.Sprintf("%05d", i), "v", at(i)))
			}
			in[1000].Entity.ID = long // one bad record, early in the order
			in[4321].Entity.ID = long + "z"
			mustSave(t, src, in)
			u := unionstore.New(unionstore.ReadOnly[Item](src), unionstore.Named("target", tt.target)).With(unionstore.RepairBatch(700))
			for run := range 2 {
				report, err := u.Repair(ctx, "ns")
				if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), long) {
					t.Fatalf("run %d: Repair = %v, want ErrInvalidChange naming the refused id", run, err)
				}
				st := report.Stores[1]
				var ids []string
				for _, s := range st.Skipped {
					ids = append(ids, s.ID)
					if !errors.Is(s.Err, unionstore.ErrInvalidChange) {
						t.Errorf("skipped %q: Err = %v, want ErrInvalidChange", s.ID, s.Err)
					}
				}
				if !slices.Equal(ids, []string{long, long + "z"}) {
					t.Fatalf("run %d: skipped %q, want the two long ids", run, ids)
				}
				if want := []int{4998, 0}[run]; st.Written != want {
					t.Fatalf("run %d: written %d, want %d", run, st.Written, want)
				}
				if got := len(mustLoad(t, tt.target)); got != 4998 {
					t.Fatalf("run %d: target holds %d, want 4998", run, got)
				}
			}
		})
	}
}

func TestReadRepairSetsAsideWhatATargetRefuses(t *testing.T) {
	src := unionstore.NewMemory[Item]()
	target := checked{newLimited(5)}
	mustSave(t, src, batch(set("ok", "v", at(1)), set("much-too-long", "v", at(2))))
	u := unionstore.New[Item](src, unionstore.Named("target", target)).With(unionstore.ReadRepair())
	got, report, err := u.LoadWithReport(context.Background(), "ns")
	if err != nil || len(got) != 2 {
		t.Fatalf("LoadWithReport = %v, %v; want both changes", show(got), err)
	}
	if report.Repaired != 1 || len(report.Failed) != 1 || !errors.Is(report.Failed[0], unionstore.ErrInvalidChange) {
		t.Fatalf("report = %+v, want 1 repaired and the refused change reported", report)
	}
	if held := show(mustLoad(t, target)); !slices.Equal(held, []string{"ok=v@1"}) {
		t.Fatalf("target holds %v, want the storable change", held)
	}
}

// floaty is an entity that JSON cannot encode when F is NaN.
type floaty struct {
	ID string
	F  float64
}

func (f floaty) CompactionKey() (string, string) { return "f", f.ID }

func TestUncomparableEntitiesDoNotDifferForever(t *testing.T) {
	ctx := context.Background()
	a, b := unionstore.NewMemory[floaty](), unionstore.NewMemory[floaty]()
	c := unionstore.Change[floaty]{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: floaty{"x", math.NaN()}, Timestamp: at(1)}
	if err := unionstore.New[floaty](a, b).Save(ctx, unionstore.Changes[floaty]{c}); err != nil {
		t.Fatal(err)
	}
	u := unionstore.New[floaty](a, b)
	for d, err := range u.Diff(ctx, "ns") {
		t.Fatalf("Diff yielded %+v, %v; want nothing for equal NaN entities", d, err)
	}
	report, err := u.Repair(ctx, "ns")
	if err != nil || report.Written() != 0 {
		t.Fatalf("Repair = %+v, %v; want nothing written", report, err)
	}
}

// overriding embeds a Memory and overrides its Save and Load, as a user's
// wrapper would.
type overriding struct {
	*unionstore.Memory[Item]
	saves, loads int
}

func (o *overriding) Save(ctx context.Context, c unionstore.Changes[Item]) error {
	o.saves++
	return o.Memory.Save(ctx, c)
}

func (o *overriding) Load(ctx context.Context, ns string) (unionstore.Changes[Item], error) {
	o.loads++
	return o.Memory.Load(ctx, ns)
}

// A union takes its shortcuts into Memory only for a Memory itself, never
// for a store that embeds one and overrides its methods.
func TestUnionCallsAnEmbeddingStoresOwnMethods(t *testing.T) {
	for _, members := range []int{1, 2} {
		o := &overriding{Memory: unionstore.NewMemory[Item]()}
		stores := []unionstore.Store[Item]{o}
		if members == 2 {
			stores = append(stores, unionstore.NewMemory[Item]())
		}
		u := unionstore.New(stores...)
		mustSave(t, u, batch(set("a", "v", at(1))))
		mustLoad(t, u)
		if o.saves != 1 || o.loads != 1 {
			t.Fatalf("%d members: the wrapper's Save ran %d times and Load %d, want once each", members, o.saves, o.loads)
		}
	}
}
