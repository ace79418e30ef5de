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

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// spanKey carries the id of the innermost recorded span in a context.
type spanKey struct{}

func spanOf(ctx context.Context) int {
	id, _ := ctx.Value(spanKey{}).(int)
	return id
}

// span is one start of a hook, as recorded.
type span struct {
	id, parent int
	start      unionstore.Event
	end        *unionstore.Event
	ends       int
}

// hookRecorder is a Hook that records every start and end as a span whose
// parent is the span found in the context it was started with, like a
// tracer.
type hookRecorder struct {
	mu    sync.Mutex
	spans []*span
}

func (r *hookRecorder) hook() unionstore.Hook {
	start := func(ctx context.Context, e unionstore.Event) (context.Context, func(unionstore.Event)) {
		r.mu.Lock()
		s := &span{id: len(r.spans) + 1, parent: spanOf(ctx), start: e}
		r.spans = append(r.spans, s)
		r.mu.Unlock()
		return context.WithValue(ctx, spanKey{}, s.id), func(e unionstore.Event) {
			r.mu.Lock()
			defer r.mu.Unlock()
			s.end, s.ends = &e, s.ends+1
		}
	}
	return unionstore.Hook{Operation: start, Member: start}
}

// tree renders the spans as "op" for operations and "op store" for member
// calls, children indented under their parent in name order, with the
// count and error of their end.
func (r *hookRecorder) tree() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	var walk func(parent, depth int)
	name := func(s *span) string {
		name := string(s.start.Op)
		if s.start.Index >= 0 {
			name += " " + s.start.Store()
		}
		if s.start.Reason != "" {
			name += " (" + s.start.Reason + ")"
		}
		return name
	}
	walk = func(parent, depth int) {
		// Member calls run concurrently: siblings in name order.
		var children []*span
		for _, s := range r.spans {
			if s.parent == parent {
				children = append(children, s)
			}
		}
		slices.SortStableFunc(children, func(a, b *span) int { return strings.Compare(name(a), name(b)) })
		for _, s := range children {
			name := name(s)
			end := "not ended"
			if s.end != nil {
				end = fmt.Sprint(s.end.Count)
				if s.end.Err != nil {
					end += " " + errorKind(s.end.Err)
				}
			}
			if s.ends > 1 {
				end += fmt.Sprintf(" ended %d times", s.ends)
			}
			fmt.Fprintf(&b, "%s%s: %s\n", strings.Repeat("  ", depth), name, end)
			walk(s.id, depth+1)
		}
	}
	walk(0, 0)
	return b.String()
}

func errorKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{unionstore.ErrCircuitOpen, "circuit open"},
		{unionstore.ErrStalled, "stalled"},
		{unionstore.ErrQuorum, "quorum"},
		{context.Canceled, "canceled"},
		{storetest.ErrInjected, "injected"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}

// spy is a store that records the span of the context of each call.
type spy struct {
	unionstore.Store[Item]
	mu    sync.Mutex
	spans []int
}

func (s *spy) saw(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans = append(s.spans, spanOf(ctx))
}

func (s *spy) Save(ctx context.Context, c unionstore.Changes[Item]) error {
	s.saw(ctx)
	return s.Store.Save(ctx, c)
}

func (s *spy) Load(ctx context.Context, ns string) (unionstore.Changes[Item], error) {
	s.saw(ctx)
	return s.Store.Load(ctx, ns)
}

func TestHookNestsMemberCallsUnderOperations(t *testing.T) {
	ctx := context.Background()
	saveWithOneDown := func(u *unionstore.Union[Item], down *storetest.Faulty[Item]) error {
		down.Set(storetest.Fault{Fail: true}, storetest.OpSave)
		defer down.Clear()
		_, err := u.With(unionstore.WriteQuorum(1)).SaveWithReport(ctx, batch(set("d", "1", at(3))))
		return err
	}
	tests := []struct {
		name  string
		setup func(u *unionstore.Union[Item], down *storetest.Faulty[Item]) error // not hooked
		do    func(u *unionstore.Union[Item], down *storetest.Faulty[Item]) error
		want  string
	}{
		{"save", nil, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error {
			return u.Save(ctx, batch(set("a", "1", at(2)), set("c", "1", at(2))))
		}, "save: 2\n  save 0: 2\n  save 2: 2\n  save one: 2\n"},
		{"load with read repair", nil, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error {
			_, err := u.With(unionstore.ReadRepair()).Load(ctx, "ns")
			return err
		}, "load: 1\n  load 0: 0\n  load 2: 0\n  load one: 1\n  repair 0 (read repair): 1\n  repair 2 (read repair): 1\n"},
		{"get with read repair", nil, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error {
			_, _, err := u.With(unionstore.ReadRepair()).Get(ctx, "ns", "k", "b")
			return err
		}, "get: 1\n  get 0: 0\n  get 2: 0\n  get one: 1\n  repair 0 (read repair): 1\n  repair 2 (read repair): 1\n"},
		{"scan stopped early", nil, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error {
			for range u.Scan(ctx, "ns") {
				break
			}
			return nil
		}, "scan: 1\n  scan 0: 0\n  scan 2: 0\n  scan one: 1\n"},
		{"diff", nil, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error {
			for _, err := range u.Diff(ctx, "ns") {
				if err != nil {
					return err
				}
			}
			return nil
		}, "diff: 1\n  diff 0: 0\n  diff 2: 0\n  diff one: 1\n"},
		{"repair", nil, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error {
			_, err := u.Repair(ctx, "ns")
			return err
		}, "repair: 2\n  repair 0: 0\n  repair 0 (repair): 1\n  repair 2: 0\n  repair 2 (repair): 1\n  repair one: 1\n"},
		{"save with a member down, hinted", nil, saveWithOneDown,
			"save: 1\n  hint 2 (missed): 1\n  save 0: 1\n  save 2: 1 injected\n  save one: 1\n"},
		{"replay", saveWithOneDown, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error {
			_, err := u.Replay(ctx)
			return err
		}, "replay: 1\n  replay 2: 1\n"},
		{"close", nil, func(u *unionstore.Union[Item], _ *storetest.Faulty[Item]) error { return u.Close() },
			"close: 0\n  close 0: 0\n  close 2: 0\n  close one: 0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			one := unionstore.NewMemory[Item]()
			mustSave(t, one, batch(set("b", "only in one", at(1))))
			down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
			u := unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.Named("one", one), down).
				With(unionstore.HintedHandoff[Item](unionstore.NewMemory[Item](), 0))
			if tt.setup != nil {
				if err := tt.setup(u, down); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			r := &hookRecorder{}
			if err := tt.do(u.With(unionstore.WithHook(r.hook())), down); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := r.tree(); got != tt.want {
				t.Errorf("%s: hook saw\n%s\nwant\n%s", tt.name, got, tt.want)
			}
		})
	}
}

func TestHookContextReachesTheMember(t *testing.T) {
	ctx := context.WithValue(context.Background(), spanKey{}, 100) // the caller's span
	s := &spy{Store: unionstore.NewMemory[Item]()}
	r := &hookRecorder{}
	u := unionstore.New[Item](s, unionstore.NewMemory[Item]()).With(unionstore.WithHook(r.hook()))
	if err := u.Save(ctx, batch(set("a", "1", at(1)))); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Load(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	// The spy was called under a span of its own member call, itself under
	// an operation's span under the caller's.
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(s.spans) != 2 {
		t.Fatalf("the member was called %d times, want 2", len(s.spans))
	}
	for i, id := range s.spans {
		if id < 1 || id > len(r.spans) {
			t.Fatalf("call %d on the member was under span %d, not one of the hook's", i, id)
		}
		call := r.spans[id-1]
		op := r.spans[call.parent-1]
		if call.start.Index != 0 || op.start.Index != -1 || op.parent != 100 || call.start.Op != op.start.Op {
			t.Errorf("call %d on the member was under %s of member %d, under %s of member %d, under span %d; want a call of member 0 under its operation under span 100",
				i, call.start.Op, call.start.Index, op.start.Op, op.start.Index, op.parent)
		}
	}
}

func TestHookEndsEveryCallOnce(t *testing.T) {
	tests := []struct {
		name  string
		union func(t *testing.T) *unionstore.Union[Item]
		do    func(ctx context.Context, u *unionstore.Union[Item]) error
		want  string
	}{
		{
			name: "skipped by an open breaker",
			union: func(t *testing.T) *unionstore.Union[Item] {
				down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
				down.Set(storetest.Fault{Fail: true}, storetest.OpLoad, storetest.OpScan)
				u := unionstore.New[Item](unionstore.NewMemory[Item](), down).With(unionstore.DegradedReads(1), unionstore.CircuitBreaker(1, time.Hour))
				_, _ = u.Load(context.Background(), "ns") // opens the breaker
				return u
			},
			do: func(ctx context.Context, u *unionstore.Union[Item]) error {
				if _, err := u.Load(ctx, "ns"); err != nil {
					return err
				}
				for _, err := range u.Scan(ctx, "ns") {
					return err
				}
				return nil
			},
			want: "load: 0\n  load 0: 0\n  load 1: 0 circuit open\nscan: 0\n  scan 0: 0\n  scan 1: 0 circuit open\n",
		},
		{
			name: "scan abandoned when its context ends",
			union: func(t *testing.T) *unionstore.Union[Item] {
				return unionstore.New[Item](unionstore.NewMemory[Item](), stuckScanner{newStuck(t)})
			},
			do: func(ctx context.Context, u *unionstore.Union[Item]) error {
				ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
				defer cancel()
				for _, err := range u.Scan(ctx, "ns") {
					if !errors.Is(err, context.DeadlineExceeded) {
						return fmt.Errorf("scan: %v, want the deadline", err)
					}
				}
				return nil
			},
			want: "scan: 0 error\n  scan 0: 0\n  scan 1: 0 error\n",
		},
		{
			name: "scan that lost its quorum",
			union: func(t *testing.T) *unionstore.Union[Item] {
				down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
				down.Set(storetest.Fault{Fail: true}, storetest.OpScan)
				return unionstore.New[Item](unionstore.NewMemory[Item](), down)
			},
			do: func(ctx context.Context, u *unionstore.Union[Item]) error {
				for _, err := range u.Scan(ctx, "ns") {
					if !errors.Is(err, unionstore.ErrQuorum) {
						return fmt.Errorf("scan: %v, want ErrQuorum", err)
					}
				}
				return nil
			},
			want: "scan: 0 quorum\n  scan 0: 0\n  scan 1: 0 injected\n",
		},
		{
			name: "member cut off after the grace",
			union: func(t *testing.T) *unionstore.Union[Item] {
				return unionstore.New[Item](unionstore.NewMemory[Item](), hanging(storetest.OpSave)).
					With(unionstore.WriteQuorum(1), unionstore.QuorumGrace(time.Millisecond))
			},
			do: func(ctx context.Context, u *unionstore.Union[Item]) error {
				return u.Save(ctx, batch(set("a", "1", at(1))))
			},
			want: "save: 1\n  save 0: 1\n  save 1: 1 stalled\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.union(t)
			r := &hookRecorder{}
			if err := tt.do(context.Background(), u.With(unionstore.WithHook(r.hook()))); err != nil {
				t.Fatal(err)
			}
			// A member cut off ends from its own goroutine, after the
			// operation returned.
			var got string
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
				if got = r.tree(); got == tt.want || time.Now().After(deadline) {
					break
				}
			}
			if got != tt.want {
				t.Errorf("hook saw\n%s\nwant\n%s", got, tt.want)
			}
			if err := u.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

func TestObserverEventOfAStalledMemberWrapsErrStalled(t *testing.T) {
	events := make(chan unionstore.Event, 4)
	u := unionstore.New[Item](unionstore.NewMemory[Item](), hanging(storetest.OpSave)).
		With(unionstore.WriteQuorum(1), unionstore.QuorumGrace(time.Millisecond), unionstore.WithObserver(func(e unionstore.Event) { events <- e }))
	if err := u.Save(context.Background(), batch(set("a", "1", at(1)))); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		e := <-events
		if e.Index == 1 && (!errors.Is(e.Err, unionstore.ErrStalled) || e.Why() != unionstore.WhyStalled) {
			t.Errorf("event of the stalled member: Err %v, Why %q; want ErrStalled, %q", e.Err, e.Why(), unionstore.WhyStalled)
		}
	}
}

func TestEventStore(t *testing.T) {
	tests := []struct {
		e    unionstore.Event
		want string
	}{
		{unionstore.Event{Index: 2}, "2"},
		{unionstore.Event{Index: 2, Name: "backup"}, "backup"},
		{unionstore.Event{Index: -1}, ""},
	}
	for _, tt := range tests {
		if got := tt.e.Store(); got != tt.want {
			t.Errorf("%+v.Store() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

// The observer is a hook that wants only the ends of member calls: both
// see every member event, the same ones in the same order, a check
// refusal and a breaker's skip included.
func TestObserverAndHookSeeTheSameMemberEvents(t *testing.T) {
	var mu sync.Mutex
	var observed, hooked []string
	describe := func(e unionstore.Event) string {
		return fmt.Sprintf("%s %s %s", e.Op, e.Store(), e.Why())
	}
	hook := unionstore.Hook{Member: func(ctx context.Context, _ unionstore.Event) (context.Context, func(unionstore.Event)) {
		return ctx, func(e unionstore.Event) {
			mu.Lock()
			defer mu.Unlock()
			hooked = append(hooked, describe(e))
		}
	}}
	observe := func(e unionstore.Event) {
		mu.Lock()
		defer mu.Unlock()
		observed = append(observed, describe(e))
	}
	down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
	down.Set(storetest.Fault{Fail: true}, storetest.OpLoad)
	u := unionstore.New[Item](unionstore.NewMemory[Item](), down, unionstore.Named("small", checked{newLimited(3)})).
		With(unionstore.WithObserver(observe), unionstore.WithHook(hook), unionstore.DegradedReads(1), unionstore.CircuitBreaker(1, time.Hour))
	ctx := context.Background()
	if err := u.Save(ctx, batch(set("too long", "v", at(1)))); !errors.Is(err, unionstore.ErrInvalidChange) {
		t.Fatalf("Save = %v, want the check's refusal", err)
	}
	for range 2 { // the first load opens the breaker of store 1, the second skips it
		if _, err := u.Load(ctx, "ns"); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(observed) // members answer in any order
	slices.Sort(hooked)
	want := []string{"check small ", "load 0 ", "load 0 ", "load 1 ", "load 1 circuit open", "load small ", "load small "}
	if !slices.Equal(observed, want) || !slices.Equal(hooked, want) {
		t.Fatalf("observed %q\nhooked   %q\nwant     %q", observed, hooked, want)
	}
}
