package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// shardMemories returns a Memory per name.
func shardMemories(names ...string) map[string]*unionstore.Memory[Item] {
	out := map[string]*unionstore.Memory[Item]{}
	for _, n := range names {
		out[n] = unionstore.NewMemory[Item]()
	}
	return out
}

// storesOf returns the stores named in p and, if given, prev.
func storesOf[S unionstore.Store[Item]](all map[string]S, ps ...unionstore.Placement) map[string]unionstore.Store[Item] {
	out := map[string]unionstore.Store[Item]{}
	for _, p := range ps {
		for _, name := range p.Shards() {
			out[name] = all[name]
		}
	}
	return out
}

func mustShards(t testing.TB, p unionstore.Placement, stores map[string]unionstore.Store[Item], opts ...unionstore.ShardsOption) *unionstore.Shards[Item] {
	t.Helper()
	s, err := unionstore.NewShards(p, stores, opts...)
	if err != nil {
		t.Fatalf("NewShards: %v", err)
	}
	return s
}

func TestShardsConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[Item] {
		p := mustPlacement(t, []string{"a", "b", "c"})
		return mustShards(t, p, storesOf(shardMemories("a", "b", "c"), p))
	})
}

// TestMovingShardsConformance runs the suite while every namespace of the
// suite may be moving from one placement to another.
func TestMovingShardsConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[Item] {
		prev := mustPlacement(t, []string{"a", "b"})
		next := mustPlacement(t, []string{"b", "c", "d"})
		return mustShards(t, next, storesOf(shardMemories("a", "b", "c", "d"), prev, next), unionstore.Previous(prev))
	})
}

func TestShardsConformanceOverUnions(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[Item] {
		p := mustPlacement(t, []string{"a", "b"})
		return mustShards(t, p, map[string]unionstore.Store[Item]{
			"a": unionstore.New(asStores(memories(2))...),
			"b": unionstore.New(asStores(memories(3))...),
		})
	})
}

func TestNewShardsErrors(t *testing.T) {
	p := mustPlacement(t, []string{"a", "b"})
	prev := mustPlacement(t, []string{"a", "old"})
	m := unionstore.NewMemory[Item]()
	tests := []struct {
		name   string
		stores map[string]unionstore.Store[Item]
		opts   []unionstore.ShardsOption
		want   string
	}{
		{"a shard without a store", map[string]unionstore.Store[Item]{"a": m}, nil, `no store for shard "b"`},
		{"a store without a shard", map[string]unionstore.Store[Item]{"a": m, "b": m, "c": m}, nil, `store "c" is in neither placement`},
		{"a previous shard without a store", map[string]unionstore.Store[Item]{"a": m, "b": m}, []unionstore.ShardsOption{unionstore.Previous(prev)}, `no store for shard "old"`},
		{"a nil store", map[string]unionstore.Store[Item]{"a": m, "b": nil}, nil, `store of shard "b" is nil`},
	}
	for _, tc := range tests {
		_, err := unionstore.NewShards(p, tc.stores, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewShards with %s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// namespacesOn returns, for the given shard names, a namespace each owns
// under p.
func namespacesOn(p unionstore.Placement, shards ...string) []string {
	out := make([]string, len(shards))
	for i, shard := range shards {
		for n := 0; ; n++ {
			if ns := fmt.Sprintf("ns-%d", n); p.Owner(ns) == shard {
				out[i] = ns
				break
			}
		}
	}
	return out
}

func inNS(ns string, c unionstore.Change[Item]) unionstore.Change[Item] {
	c.Namespace = ns
	return c
}

func TestShardsSaveSplitsBatchesByOwner(t *testing.T) {
	ctx := context.Background()
	p := mustPlacement(t, []string{"a", "b", "c"})
	mem := shardMemories("a", "b", "c")
	s := mustShards(t, p, storesOf(mem, p))
	nss := namespacesOn(p, "a", "b", "c")
	var changes unionstore.Changes[Item]
	for i, ns := range nss {
		changes = append(changes, inNS(ns, set("x", fmt.Sprint(i), at(1))), inNS(ns, unset("y", at(2))))
	}
	if err := s.Save(ctx, changes); err != nil {
		t.Fatalf("Save: %v", err)
	}
	for i, ns := range nss {
		shard := p.Shards()[i]
		for name, m := range mem {
			got, _ := m.Load(ctx, ns)
			want := 0
			if name == shard {
				want = 2
			}
			if len(got) != want {
				t.Errorf("shard %q holds %d changes of %q (owned by %q), want %d", name, len(got), ns, shard, want)
			}
		}
		got, err := s.Load(ctx, ns)
		if err != nil {
			t.Fatalf("Load(%q): %v", ns, err)
		}
		if w := []string{fmt.Sprintf("x=%d@1", i), "y=-@2"}; !slices.Equal(show(got), w) {
			t.Errorf("Load(%q) = %v, want %v", ns, show(got), w)
		}
	}
}

func TestShardsSaveErrorsNameTheShard(t *testing.T) {
	ctx := context.Background()
	p := mustPlacement(t, []string{"a", "b"})
	broken := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
	broken.Set(storetest.Fault{Fail: true}, storetest.OpSave)
	healthy := unionstore.NewMemory[Item]()
	s := mustShards(t, p, map[string]unionstore.Store[Item]{"a": healthy, "b": broken})
	nss := namespacesOn(p, "a", "b")
	report, err := s.SaveWithReport(ctx, batch(inNS(nss[0], set("x", "1", at(1))), inNS(nss[1], set("x", "1", at(1)))))
	var se *unionstore.StoreError
	if !errors.As(err, &se) || se.Name != "b" || !errors.Is(err, storetest.ErrInjected) {
		t.Fatalf("Save error = %v, want a StoreError naming shard b wrapping the injected fault", err)
	}
	if len(report.Failed) != 1 || report.Failed[0].Name != "b" {
		t.Errorf("report.Failed = %v, want shard b alone", report.Failed)
	}
	if got, _ := healthy.Load(ctx, nss[0]); len(got) != 1 {
		t.Errorf("the healthy shard holds %d changes, want its part of the batch", len(got))
	}
	if err := s.Save(ctx, batch(inNS(nss[0], set("", "1", at(1))))); !errors.Is(err, unionstore.ErrInvalidChange) {
		t.Errorf("Save of an invalid batch = %v, want ErrInvalidChange", err)
	}
}

func TestShardsMovingReadsBothOwnersAndWritesTheNew(t *testing.T) {
	ctx := context.Background()
	prev := mustPlacement(t, []string{"a", "b"})
	next := mustPlacement(t, []string{"a", "b", "c"})
	mem := shardMemories("a", "b", "c")
	old := mustShards(t, prev, storesOf(mem, prev))
	var ns string // a namespace that moves to c
	for n := 0; ns == ""; n++ {
		if cand := fmt.Sprint("t", n); next.Owner(cand) == "c" {
			ns = cand
		}
	}
	from := prev.Owner(ns)
	if err := old.Save(ctx, batch(inNS(ns, set("x", "old", at(1))), inNS(ns, set("y", "old", at(1))))); err != nil {
		t.Fatal(err)
	}
	s := mustShards(t, next, storesOf(mem, prev, next), unionstore.Previous(prev))
	if err := s.Save(ctx, batch(inNS(ns, set("x", "new", at(2))), inNS(ns, unset("z", at(2))))); err != nil {
		t.Fatal(err)
	}
	want := []string{"x=new@2", "y=old@1", "z=-@2"}
	got, err := s.Load(ctx, ns)
	if err != nil || !slices.Equal(show(got), want) {
		t.Fatalf("Load while moving = %v, %v, want %v", show(got), err, want)
	}
	if c, err := mem[from].Load(ctx, ns); len(c) != 2 || err != nil {
		t.Errorf("the old owner holds %v, want its two changes untouched", show(c))
	}
	stats, err := s.Namespaces(ctx)
	if w := []unionstore.NamespaceStat{{Namespace: ns, Entities: 2, Tombstones: 1}}; err != nil || !slices.Equal(stats, w) {
		t.Errorf("Namespaces while moving = %+v, %v, want %+v", stats, err, w)
	}
	var moves []unionstore.Move
	report, err := s.Rebalance(ctx, func(m unionstore.Move) { moves = append(moves, m) })
	if err != nil {
		t.Fatalf("Rebalance: %v", err)
	}
	wantMove := unionstore.Move{Namespace: ns, From: from, To: "c", Copied: 1, Done: 1, Total: 1}
	if len(moves) != 1 || moves[0] != wantMove || report.Moved() != 1 {
		t.Errorf("Rebalance progress = %+v, moved %d, want %+v", moves, report.Moved(), wantMove)
	}
	if c, _ := mem[from].Load(ctx, ns); len(c) != 0 {
		t.Errorf("after Rebalance the old owner still holds %v", show(c))
	}
	if got, err := s.Load(ctx, ns); err != nil || !slices.Equal(show(got), want) {
		t.Fatalf("Load after Rebalance = %v, %v, want %v", show(got), err, want)
	}
	again, err := s.Rebalance(ctx, nil)
	if err != nil || len(again.Moves) != 0 {
		t.Errorf("second Rebalance = %+v, %v, want nothing to move", again, err)
	}
}

func TestShardsRebalanceReportsStrays(t *testing.T) {
	ctx := context.Background()
	prev := mustPlacement(t, []string{"a", "b"})
	next := mustPlacement(t, []string{"a", "b", "c"})
	mem := shardMemories("a", "b", "c")
	s := mustShards(t, next, storesOf(mem, prev, next), unionstore.Previous(prev))
	// A namespace on a shard that owns it in neither placement.
	var ns string
	for n := 0; ns == ""; n++ {
		if cand := fmt.Sprint("s", n); prev.Owner(cand) == "a" && next.Owner(cand) == "a" {
			ns = cand
		}
	}
	if err := mem["c"].Save(ctx, batch(inNS(ns, set("x", "1", at(1))))); err != nil {
		t.Fatal(err)
	}
	report, err := s.Rebalance(ctx, nil)
	if w := []unionstore.Stray{{Namespace: ns, Shard: "c", Owner: "a"}}; err != nil || !slices.Equal(report.Strays, w) || len(report.Moves) != 0 {
		t.Errorf("Rebalance = %+v, %v, want strays %+v and no move", report, err, w)
	}
	if c, _ := mem["c"].Load(ctx, ns); len(c) != 1 {
		t.Errorf("Rebalance touched a stray namespace: %v", show(c))
	}
}

func TestShardsPurge(t *testing.T) {
	ctx := context.Background()
	prev := mustPlacement(t, []string{"a", "b"})
	next := mustPlacement(t, []string{"c"})
	mem := shardMemories("a", "b", "c")
	old := mustShards(t, prev, storesOf(mem, prev))
	s := mustShards(t, next, storesOf(mem, prev, next), unionstore.Previous(prev))
	if err := old.Save(ctx, batch(inNS("t1", set("x", "old", at(1))), inNS("t1", unset("y", at(1))))); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, batch(inNS("t1", set("z", "new", at(2))), inNS("t2", set("z", "new", at(2))))); err != nil {
		t.Fatal(err)
	}
	// The old owner holds an older tombstone of y: nothing can bring it
	// back, since no member holds a set of y.
	if n, err := s.PurgeTombstones(ctx, "t1", at(5)); err != nil || n != 1 {
		t.Errorf("PurgeTombstones while moving = %d, %v, want 1, nil", n, err)
	}
	if err := s.Purge(ctx, "t1"); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	for name, m := range mem {
		if c, _ := m.Load(ctx, "t1"); len(c) != 0 {
			t.Errorf("after Purge shard %q holds %v", name, show(c))
		}
	}
	if got, _ := s.Load(ctx, "t2"); len(got) != 1 {
		t.Errorf("Purge of t1 touched t2: %v", show(got))
	}
}

// lockedRand is a random source safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newRand(seed uint64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))}
}

func randIntN(r *lockedRand, n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.IntN(n)
}

// flaky is a Memory whose operations fail, when their context carries
// faultsOn, with a chance that the test sets: a shard failing under
// Rebalance while the application's own reads and writes go on.
//
// flaky holds the Memory rather than embedding it: embedding would also
// promote Memory's unexported fast paths, which a Union takes instead of
// the Save below.
type flaky struct {
	m     *unionstore.Memory[Item]
	name  string
	fails func() bool
}

func (f *flaky) Close() error { return f.m.Close() }

func (f *flaky) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	return f.m.Namespaces(ctx)
}

func (f *flaky) PurgeTombstones(ctx context.Context, ns string, before time.Time) (int, error) {
	if err := f.fault(ctx, "purge tombstones"); err != nil {
		return 0, err
	}
	return f.m.PurgeTombstones(ctx, ns, before)
}

type faultsOnKey struct{}

func (f *flaky) fault(ctx context.Context, op string) error {
	if ctx.Value(faultsOnKey{}) != nil && f.fails() {
		return fmt.Errorf("shard %s: %s: %w", f.name, op, storetest.ErrInjected)
	}
	return nil
}

func (f *flaky) Save(ctx context.Context, changes unionstore.Changes[Item]) error {
	if err := f.fault(ctx, "save"); err != nil {
		return err
	}
	if len(changes) > 1 && ctx.Value(faultsOnKey{}) != nil && f.fails() {
		// Half a batch written, as when a store dies midway.
		_ = f.m.Save(ctx, changes[:len(changes)/2])
		return fmt.Errorf("shard %s: save: %w", f.name, storetest.ErrInjected)
	}
	return f.m.Save(ctx, changes)
}

func (f *flaky) Load(ctx context.Context, ns string) (unionstore.Changes[Item], error) {
	if err := f.fault(ctx, "load"); err != nil {
		return nil, err
	}
	return f.m.Load(ctx, ns)
}

func (f *flaky) Scan(ctx context.Context, ns string) iter.Seq2[unionstore.Change[Item], error] {
	return func(yield func(unionstore.Change[Item], error) bool) {
		if err := f.fault(ctx, "scan"); err != nil {
			yield(unionstore.Change[Item]{}, err)
			return
		}
		for c, err := range f.m.Scan(ctx, ns) {
			if !yield(c, err) {
				return
			}
		}
	}
}

func (f *flaky) Purge(ctx context.Context, ns string) error {
	if err := f.fault(ctx, "purge"); err != nil {
		return err
	}
	return f.m.Purge(ctx, ns)
}

// TestShardsMatchModel saves random batches across many namespaces while
// shards are added and removed, runs Rebalance concurrently with the
// application's writes and reads, and interrupts it at random points: by
// shard failures (batches half written included) and by cancelling it.
// Every Load, during and after, must equal the model, and after a complete
// Rebalance each namespace must live on its owner alone.
func TestShardsMatchModel(t *testing.T) {
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := newRand(seed)
	var failChance atomic.Int64 // in percent
	pool := []string{"s0", "s1", "s2", "s3", "s4", "s5"}
	mem := map[string]*flaky{}
	for _, name := range pool {
		mem[name] = &flaky{m: unionstore.NewMemory[Item](), name: name, fails: func() bool { return randIntN(r, 100) < int(failChance.Load()) }}
	}
	model := map[string]modelStore{}
	var clock int
	namespaces := make([]string, 40)
	for i := range namespaces {
		namespaces[i] = fmt.Sprintf("tenant-%02d", i)
		model[namespaces[i]] = modelStore{}
	}
	writeAndCheck := func(t *testing.T, s *unionstore.Shards[Item], steps int) {
		t.Helper()
		for range steps {
			var changes unionstore.Changes[Item]
			for range 1 + randIntN(r, 6) {
				clock++
				ns := namespaces[randIntN(r, len(namespaces))]
				id := fmt.Sprint("e", randIntN(r, 8))
				c := inNS(ns, set(id, fmt.Sprint("v", clock), at(clock)))
				if randIntN(r, 4) == 0 {
					c = inNS(ns, unset(id, at(clock)))
				}
				changes = append(changes, c)
			}
			if err := s.Save(ctx, changes); err != nil {
				t.Fatalf("Save: %v", err)
			}
			for _, c := range changes {
				model[c.Namespace].save(unionstore.Changes[Item]{c})
			}
			ns := changes[0].Namespace
			got, err := s.Load(ctx, ns)
			if err != nil {
				t.Fatalf("Load(%q): %v", ns, err)
			}
			if want := modelMerge([]modelStore{model[ns]}); !slices.Equal(describeAll(got), want) {
				t.Fatalf("Load(%q) =\n%v\nwant\n%v", ns, describeAll(got), want)
			}
		}
	}
	current := mustPlacement(t, pool[:3])
	shards := mustShards(t, current, storesOf(mem, current))
	writeAndCheck(t, shards, 60)
	for round := range 12 {
		names := current.Shards()
		unused := slices.DeleteFunc(slices.Clone(pool), func(n string) bool { return slices.Contains(names, n) })
		if len(names) > 1 && (len(unused) == 0 || randIntN(r, 3) == 0) {
			i := randIntN(r, len(names))
			names = slices.Delete(names, i, i+1)
		} else {
			names = append(names, unused[randIntN(r, len(unused))])
		}
		next := mustPlacement(t, names)
		moving := mustShards(t, next, storesOf(mem, current, next), unionstore.Previous(current))
		t.Logf("round %d: %v → %v", round, current, next)
		for attempt := 0; ; attempt++ {
			failChance.Store(int64(randIntN(r, 3) * 5)) // 0, 5 or 10%
			if attempt > 20 {
				failChance.Store(0)
			}
			rctx, cancel := context.WithCancel(context.WithValue(ctx, faultsOnKey{}, true))
			stopAfter := randIntN(r, 8)
			done := make(chan error, 1)
			go func() {
				_, err := moving.Rebalance(rctx, func(m unionstore.Move) {
					if m.Done >= stopAfter && attempt < 20 {
						cancel()
					}
				})
				done <- err
			}()
			writeAndCheck(t, moving, 5)
			err := <-done
			cancel()
			writeAndCheck(t, moving, 5)
			if err == nil {
				break
			}
			if !errors.Is(err, context.Canceled) && !errors.Is(err, storetest.ErrInjected) {
				t.Fatalf("Rebalance: %v", err)
			}
		}
		failChance.Store(0)
		for _, ns := range namespaces {
			owner := next.Owner(ns)
			for name, m := range mem {
				if c, _ := m.m.Load(ctx, ns); name != owner && len(c) > 0 {
					t.Fatalf("round %d: after Rebalance, shard %q holds %d changes of %q, owned by %q", round, name, len(c), ns, owner)
				}
			}
		}
		current = next
		shards = mustShards(t, current, storesOf(mem, current))
		writeAndCheck(t, shards, 20)
	}
	for _, ns := range namespaces {
		got, err := shards.Load(ctx, ns)
		if err != nil || !slices.Equal(describeAll(got), modelMerge([]modelStore{model[ns]})) {
			t.Fatalf("final Load(%q) = %v, %v, want %v", ns, describeAll(got), err, modelMerge([]modelStore{model[ns]}))
		}
	}
}
