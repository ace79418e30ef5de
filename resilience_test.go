package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// hanging returns a Memory whose operations op hang until their context
// ends, as a server that accepts and never answers.
func hanging(ops ...storetest.Op) *storetest.Faulty[Item] {
	f := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
	f.Set(storetest.Fault{Hang: true}, ops...)
	return f
}

func TestQuorumReachedIsASuccessWhenAMemberHangs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
	mustSave(t, a, batch(set("x", "v", at(1))))
	mustSave(t, b, batch(set("y", "v", at(2))))
	stalled := hanging(storetest.AllOps...)
	u := unionstore.New[Item](a, b, unionstore.Named("stalled", stalled)).
		With(unionstore.WriteQuorum(2), unionstore.DegradedReads(2), unionstore.QuorumGrace(20*time.Millisecond))

	t.Run("save", func(t *testing.T) {
		report, err := u.SaveWithReport(ctx, batch(set("z", "v", at(3))))
		if err != nil {
			t.Fatalf("SaveWithReport = %v, want success once a and b acknowledged", err)
		}
		if len(report.Failed) != 1 || report.Failed[0].Name != "stalled" || !errors.Is(report.Failed[0], unionstore.ErrStalled) {
			t.Fatalf("report = %+v, want the stalled member reported with ErrStalled", report)
		}
	})
	t.Run("load", func(t *testing.T) {
		got, report, err := u.LoadWithReport(ctx, "ns")
		if err != nil || !slices.Equal(show(got), []string{"x=v@1", "y=v@2", "z=v@3"}) {
			t.Fatalf("LoadWithReport = %v, %v; want the merge of a and b", show(got), err)
		}
		if len(report.Failed) != 1 || !errors.Is(report.Failed[0], unionstore.ErrStalled) {
			t.Fatalf("report = %+v, want the stalled member", report)
		}
	})
	t.Run("get", func(t *testing.T) {
		got, found, _, err := u.GetWithReport(ctx, "ns", "k", "y")
		if err != nil || !found || got.Entity.ID != "y" {
			t.Fatalf("GetWithReport = %v, %v, %v; want y from b", got, found, err)
		}
	})
	t.Run("scan", func(t *testing.T) {
		var got unionstore.Changes[Item]
		for c, err := range u.Scan(ctx, "ns") {
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			got = append(got, c)
		}
		if !slices.Equal(show(got), []string{"x=v@1", "y=v@2", "z=v@3"}) {
			t.Fatalf("Scan = %v, want the merge of a and b", show(got))
		}
	})
	t.Run("strict still waits for every member", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		strict := unionstore.New[Item](a, b, stalled)
		if err := strict.Save(short, batch(set("w", "v", at(4)))); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("strict Save = %v, want the deadline", err)
		}
	})
}

func TestCircuitBreakerSkipsAHangingMember(t *testing.T) {
	const saves, grace = 100, 20 * time.Millisecond
	run := func(t *testing.T, breaker bool) (time.Duration, int) {
		stalled := hanging(storetest.OpSave)
		u := unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.NewMemory[Item](), stalled).
			With(unionstore.WriteQuorum(2), unionstore.QuorumGrace(grace))
		if breaker {
			u = u.With(unionstore.CircuitBreaker(3, time.Hour))
		}
		start := time.Now()
		skipped := 0
		for i := range saves {
			report, err := u.SaveWithReport(context.Background(), batch(set(fmt.Sprint(i), "v", at(i))))
			if err != nil {
				t.Fatalf("save %d: %v", i, err)
			}
			if len(report.Failed) == 1 && errors.Is(report.Failed[0], unionstore.ErrCircuitOpen) {
				skipped++
			}
		}
		elapsed := time.Since(start)
		if got := stalled.Calls(storetest.OpSave); breaker && got != 3 {
			t.Fatalf("the hanging member was called %d times, want 3 before its breaker opened", got)
		}
		return elapsed, skipped
	}
	without, _ := run(t, false)
	with, skipped := run(t, true)
	if skipped != saves-3 {
		t.Fatalf("%d saves skipped the member, want %d", skipped, saves-3)
	}
	// Without the breaker every save waits out the grace: at least
	// saves × grace. With it, three saves do.
	if without < saves*grace || with > without/4 {
		t.Fatalf("100 saves took %v with the breaker and %v without; want the breaker to save most of the %v of graces", with, without, saves*grace)
	}
	t.Logf("100 saves with one hanging member: %v with the breaker, %v without", with, without)
}

func TestCircuitBreakerProbesAfterCoolDown(t *testing.T) {
	down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
	down.Set(storetest.Fault{Fail: true}, storetest.AllOps...)
	u := unionstore.New[Item](unionstore.NewMemory[Item](), down).
		With(unionstore.WriteQuorum(1), unionstore.CircuitBreaker(2, 30*time.Millisecond))
	ctx := context.Background()
	for i := range 5 {
		mustSave(t, u, batch(set(fmt.Sprint(i), "v", at(i))))
	}
	if got := down.Calls(storetest.OpSave); got != 2 {
		t.Fatalf("calls while open = %d, want 2", got)
	}
	time.Sleep(40 * time.Millisecond)
	mustSave(t, u, batch(set("probe", "v", at(9))))
	if got := down.Calls(storetest.OpSave); got != 3 {
		t.Fatalf("calls after the cool-down = %d, want one probe", got)
	}
	down.Clear()
	time.Sleep(40 * time.Millisecond)
	mustSave(t, u, batch(set("back", "v", at(10))))
	report, err := u.SaveWithReport(ctx, batch(set("again", "v", at(11))))
	if err != nil || report.Degraded() {
		t.Fatalf("after a successful probe: %+v, %v; want the member used again", report, err)
	}
}

// writes counts, per member, the changes written by an observer's events.
type writes struct {
	mu sync.Mutex
	n  map[string]int // "op/member index" -> changes
}

func (w *writes) observe(e unionstore.Event) {
	if e.Err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == nil {
		w.n = map[string]int{}
	}
	w.n[fmt.Sprintf("%s/%d", e.Op, e.Index)] += e.Count
}

func (w *writes) get(key string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[key]
}

func TestHintedHandoffReplaysOnlyWhatWasMissed(t *testing.T) {
	ctx := context.Background()
	hints := unionstore.NewMemory[Item]()
	a, b := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
	mustSave(t, b, batch(set("old", "before the outage", at(0))))
	down := storetest.NewFaulty[Item](b)
	down.Set(storetest.Fault{Fail: true}, storetest.OpSave)
	var w writes
	u := unionstore.New[Item](a, unionstore.Named("b", down)).
		With(unionstore.WriteQuorum(1), unionstore.HintedHandoff[Item](hints, 0), unionstore.WithObserver(w.observe))
	for i := range 50 {
		c := batch(set(fmt.Sprintf("%02d", i%20), fmt.Sprint(i), at(i+1)))
		c = append(c, unionstore.Change[Item]{Namespace: "other", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "k", ID: fmt.Sprint(i)}, Timestamp: at(i + 1)})
		report, err := u.SaveWithReport(ctx, c)
		if err != nil || report.Hinted != 2 || report.HintErr != nil {
			t.Fatalf("save %d: %+v, %v; want 2 changes hinted", i, report, err)
		}
	}
	down.Clear()
	// The member took a newer change directly: a late replay must not
	// overwrite it.
	mustSave(t, b, batch(set("05", "newer", at(1000))))

	report, err := u.Replay(ctx)
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	// 20 distinct entities of "ns" and 50 of "other": the hints keep the
	// latest change per entity.
	if got := report.Replayed(); got != 70 || w.get("replay/1") != 70 {
		t.Fatalf("replayed %d (observer %d), want 70", got, w.get("replay/1"))
	}
	for _, ns := range []string{"ns", "other"} {
		merged, err := unionstore.New[Item](a, unionstore.NewMemory[Item]()).Load(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Load(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		wantShown := show(merged)
		if ns == "ns" {
			wantShown = show(unionstore.Compact(append(merged, set("old", "before the outage", at(0)), set("05", "newer", at(1000)))))
		}
		if !slices.Equal(show(got), wantShown) {
			t.Fatalf("member b's %q after replay =\n%v\nwant\n%v", ns, show(got), wantShown)
		}
	}
	if spaces, err := hints.Namespaces(ctx); err != nil || len(spaces) != 0 {
		t.Fatalf("hint store after replay: %v, %v; want empty", spaces, err)
	}
	again, err := u.Replay(ctx)
	if err != nil || again.Replayed() != 0 {
		t.Fatalf("second Replay = %+v, %v; want nothing to do", again, err)
	}
}

func TestHintLimitFallsBackToRepair(t *testing.T) {
	ctx := context.Background()
	hints := unionstore.NewMemory[Item]()
	a, b := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
	down := storetest.NewFaulty[Item](b)
	down.Set(storetest.Fault{Fail: true}, storetest.OpSave)
	u := unionstore.New[Item](a, down).With(unionstore.WriteQuorum(1), unionstore.HintedHandoff[Item](hints, 10))
	for i := range 30 {
		mustSave(t, u, batch(set(fmt.Sprint(i), "v", at(i))))
	}
	spaces, _ := hints.Namespaces(ctx)
	if len(spaces) != 2 {
		t.Fatalf("hint store holds %+v, want the hints of one epoch and one repair record", spaces)
	}
	down.Clear()
	report, err := u.Replay(ctx)
	if err != nil || len(report.Members) != 1 || !slices.Equal(report.Members[0].Repaired, []string{"ns"}) || report.Replayed() != 10 {
		t.Fatalf("Replay = %+v, %v; want 10 hints replayed and namespace ns repaired", report, err)
	}
	if got := len(mustLoad(t, b)); got != 30 {
		t.Fatalf("member holds %d changes, want 30", got)
	}
}

func TestBreakerClosingReplaysInTheBackground(t *testing.T) {
	ctx := context.Background()
	hints := unionstore.NewMemory[Item]()
	b := unionstore.NewMemory[Item]()
	down := storetest.NewFaulty[Item](b)
	down.Set(storetest.Fault{Fail: true}, storetest.AllOps...)
	var replays atomic.Int32
	u := unionstore.New[Item](unionstore.NewMemory[Item](), down).With(
		unionstore.WriteQuorum(1), unionstore.CircuitBreaker(1, 20*time.Millisecond),
		unionstore.HintedHandoff[Item](hints, 0),
		unionstore.WithObserver(func(e unionstore.Event) {
			if e.Op == "replay" && e.Err == nil && e.Count > 0 {
				replays.Add(1)
			}
		}))
	for i := range 10 {
		mustSave(t, u, batch(set(fmt.Sprint(i), "v", at(i))))
	}
	down.Clear()
	time.Sleep(30 * time.Millisecond)
	mustSave(t, u, batch(set("probe", "v", at(100)))) // the probe closes the breaker
	deadline := time.Now().Add(10 * time.Second)
	for replays.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if replays.Load() != 1 {
		t.Fatal("no background replay after the breaker closed")
	}
	if got, _ := b.Load(ctx, "ns"); len(got) != 11 {
		t.Fatalf("member holds %d changes after the background replay, want 11", len(got))
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
}

// stallsMidway streams its first n changes, then blocks until its context
// ends: a member that answered and then stopped.
type stallsMidway struct {
	unionstore.Store[Item]
	n        int
	released chan struct{}
}

func (s *stallsMidway) Scan(ctx context.Context, ns string) iter.Seq2[unionstore.Change[Item], error] {
	return func(yield func(unionstore.Change[Item], error) bool) {
		for i := range s.n {
			if !yield(set(entityID(i), "early", at(i)), nil) {
				return
			}
		}
		<-ctx.Done()
		close(s.released)
		yield(unionstore.Change[Item]{}, ctx.Err())
	}
}

func TestDegradedScanDropsAMemberThatStallsMidway(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 2000
	a, b := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
	var all unionstore.Changes[Item]
	for i := range n {
		all = append(all, set(entityID(i), "v", at(i)))
	}
	mustSave(t, a, all)
	mustSave(t, b, all)
	stalled := &stallsMidway{Store: unionstore.NewMemory[Item](), n: 600, released: make(chan struct{})}
	var stalls atomic.Int32
	// A grace of 100 ms keeps the mid-stream limit at its floor of a
	// second, while a healthy member slow to give its first chunk on a
	// busy machine is not dropped at the grace.
	u := unionstore.New[Item](a, b, unionstore.Named("stalled", stalled)).With(
		unionstore.DegradedReads(2), unionstore.QuorumGrace(100*time.Millisecond),
		unionstore.WithObserver(func(e unionstore.Event) {
			if e.Name == "stalled" && errors.Is(e.Err, unionstore.ErrStalled) {
				stalls.Add(1)
			}
		}))
	got := 0
	for c, err := range u.Scan(ctx, "ns") {
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		if c.Entity.Value != "v" {
			t.Fatalf("%s = %q: the stalled member's older change won", c.Entity.ID, c.Entity.Value)
		}
		got++
	}
	if got != n || stalls.Load() != 1 {
		t.Fatalf("Scan yielded %d changes and reported %d stalls, want %d and 1", got, stalls.Load(), n)
	}
	select {
	case <-stalled.released: // the member's context was cancelled
	case <-time.After(5 * time.Second):
		t.Fatal("the stalled member was not cancelled")
	}

	// A strict scan cannot drop it: it waits until its context ends.
	short, cancelShort := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancelShort()
	stalled.released = make(chan struct{})
	var last error
	for _, err := range unionstore.New[Item](a, b, stalled).Scan(short, "ns") {
		last = err
	}
	if !errors.Is(last, context.DeadlineExceeded) {
		t.Fatalf("strict Scan ended with %v, want the deadline", last)
	}
}
