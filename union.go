package unionstore

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/unionstore/unionstore/internal/fanout"
)

// Union is a [Store] over several stores, its members. Save writes every
// change to every writable member; Load reads every member and merges the
// results, keeping the latest change of each entity. On equal timestamps
// the member listed first in [New] wins, so the merge is deterministic.
//
// By default a Union is strict: Save succeeds only if every writable member
// succeeds, and Load fails if any member fails. [WriteQuorum] and
// [DegradedReads] relax this; [ReadOnly] and [Named] set a member's role and
// name; [ReadRepair] and [Union.Repair] bring members back in step.
//
// A Union is safe for concurrent use if its members are. It implements
// [Scanner] whatever its members do, and [Checker] through those members
// that do.
type Union[E Entity] struct {
	members []member[E]
	opts    options
	shared  *shared // shared with the unions made by With
	team    *fanout.Members
	// onMember is told of every member call: the hook's Member and the
	// observer, or nil (see [options.memberHook]).
	onMember memberHook
}

// shared is the state of a union that the unions made by With share.
type shared struct {
	closed    atomic.Bool
	breakers  []fanout.Breaker
	hints     *hintState
	replaying []sync.Mutex // one replay of a member at a time
	// Background replays: started under bgMu unless closed, cancelled and
	// waited for by Close.
	bgMu     sync.Mutex
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

var (
	_ Store[Entity]   = (*Union[Entity])(nil)
	_ Scanner[Entity] = (*Union[Entity])(nil)
	_ Checker[Entity] = (*Union[Entity])(nil)
)

// New returns a union of stores with the default, strict policies. Stores
// wrapped with [Named] or [ReadOnly] keep their name and role. The order of
// stores matters only to break ties between equal timestamps: the store
// listed first wins.
//
// A union of no stores is valid but refuses Save and Load with an error
// wrapping [ErrNoStores], as does Save on a union with no writable store.
func New[E Entity](stores ...Store[E]) *Union[E] {
	members := make([]member[E], len(stores))
	for i, s := range stores {
		members[i] = asMember(s)
	}
	sh := &shared{
		breakers:  make([]fanout.Breaker, len(members)),
		hints:     newHintState(len(members)),
		replaying: make([]sync.Mutex, len(members)),
	}
	sh.bgCtx, sh.bgCancel = context.WithCancel(context.Background())
	u := &Union[E]{members: members, shared: sh}
	u.team = u.newTeam()
	return u
}

// With returns a union over the same stores with opts applied on top of
// u's options. The two unions share their stores and their closed state:
// With is meant to be called once, where the union is made, as in
// New(a, b).With(WriteQuorum(1)).
//
// With takes every value as its option's doc says, clamping those out of
// range; [NewUnion] refuses them instead. With panics when given a
// [HintedHandoff] whose hint store holds another entity type than the
// union's: a programming error that no call could recover from, and one
// that NewUnion returns as an error.
func (u *Union[E]) With(opts ...Option) *Union[E] {
	c := &Union[E]{members: u.members, opts: u.opts, shared: u.shared}
	c.opts.refused = nil
	for _, o := range opts {
		o(&c.opts)
	}
	if c.opts.hints != nil {
		if _, ok := c.opts.hints.(HintStore[E]); !ok {
			panic(fmt.Sprintf("unionstore: HintedHandoff: the hint store is a %T, not a HintStore of the union's entity type", c.opts.hints))
		}
	}
	c.team = c.newTeam()
	return c
}

// StoreCount returns the number of members, read-only ones included.
func (u *Union[E]) StoreCount() int { return len(u.members) }

// Report tells which members failed during an operation that succeeded
// because of [WriteQuorum] or [DegradedReads], or that failed.
type Report struct {
	// Failed holds one error per failed member operation, in member order.
	Failed []*StoreError
	// Repaired counts the changes written back by [ReadRepair].
	Repaired int
	// Hinted counts the changes kept as hints for the members that missed
	// them ([HintedHandoff]), once per member; HintErr holds the errors of
	// the hint store, each a [*StoreError] naming the member whose hints
	// could not be kept.
	Hinted  int
	HintErr error
}

// Degraded reports whether any member failed.
func (r Report) Degraded() bool { return len(r.Failed) > 0 }

// Save writes changes to every writable member concurrently; see
// [Union.SaveWithReport].
func (u *Union[E]) Save(ctx context.Context, changes Changes[E]) error {
	_, err := u.SaveWithReport(ctx, changes)
	return err
}

// SaveWithReport validates the batch, stamps changes that have a zero
// timestamp (every member receives the same stamp), and saves it to every
// writable member concurrently. It does not stop at the first failure: every
// writable member is tried, and healthy members get the changes whatever
// the others do.
//
// It succeeds when the write quorum is reached (by default, every writable
// member). Otherwise its error wraps [ErrQuorum] and, for each failed member,
// a [*StoreError] naming it and wrapping its error. An invalid batch is
// refused before any member is written, with an error wrapping
// [ErrInvalidChange]: one that fails [Changes.Validate], or that a writable
// member implementing [Checker] cannot hold (every such member is asked,
// and each refusal is a [*StoreError] of operation "check"), whatever the
// write quorum. When ctx ends first, SaveWithReport returns at once
// with an error wrapping ctx.Err(), even if a member is still blocked.
func (u *Union[E]) SaveWithReport(ctx context.Context, changes Changes[E]) (Report, error) {
	namespace := batchNamespace(changes)
	ctx, end := u.begin(ctx, OpSave, namespace, len(changes))
	report, err := u.save(ctx, changes, namespace)
	end(countUnlessErr(len(changes), err), err)
	return report, err
}

// save is SaveWithReport for a batch of namespace ("" when it spans
// several).
func (u *Union[E]) save(ctx context.Context, changes Changes[E], namespace string) (Report, error) {
	if u.shared.closed.Load() {
		return Report{}, ErrClosed
	}
	if err := changes.Validate(); err != nil {
		return Report{}, fmt.Errorf("unionstore: save: %w", err)
	}
	writable := u.writable()
	if len(writable) == 0 {
		return Report{}, fmt.Errorf("unionstore: save: %w: the union has %d stores and none is writable", ErrNoStores, len(u.members))
	}
	changes = changes.Stamped()
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("unionstore: save: %w", err)
	}
	if len(changes) == 0 {
		return Report{}, nil
	}
	if err := u.checkMembers(ctx, writable, changes); err != nil {
		return Report{}, fmt.Errorf("unionstore: save: %w: no store was written: %w", ErrInvalidChange, err)
	}
	need := quorum(u.opts.writeQuorum, len(writable))
	results, err := u.run(ctx, fanout.Call{Op: fanout.Op(OpSave), Namespace: namespace, Need: need}, writable, func(ctx context.Context, i int) (Changes[E], int, error) {
		if f := u.members[i].fast; f != nil {
			return nil, len(changes), f.saveValid(ctx, changes) // validated and stamped above
		}
		return nil, len(changes), u.members[i].store.Save(ctx, changes)
	})
	var report Report
	report.Failed = failures(results)
	if err != nil {
		return report, fmt.Errorf("unionstore: save: %w", err)
	}
	if u.hintStore() != nil && len(report.Failed) > 0 && len(report.Failed) < len(writable) {
		// Some member holds the batch: keep it for those that missed it.
		missed := make([]int, len(report.Failed))
		for j, f := range report.Failed {
			missed[j] = f.Index
		}
		report.Hinted, report.HintErr = u.writeHints(ctx, missed, changes)
	}
	if ok := len(writable) - len(report.Failed); ok < need {
		return report, fmt.Errorf("unionstore: save: %w: %d of %d writable stores succeeded, %d needed: %w",
			ErrQuorum, ok, len(writable), need, joinFailures(report.Failed))
	}
	return report, nil
}

// Load returns the merged changes of namespace; see [Union.LoadWithReport].
func (u *Union[E]) Load(ctx context.Context, namespace string) (Changes[E], error) {
	changes, _, err := u.LoadWithReport(ctx, namespace)
	return changes, err
}

// LoadWithReport loads namespace from every member concurrently and merges
// the results: the latest change of each entity, tombstones included, sorted
// by kind and id, with ties between equal timestamps going to the member
// listed first. The result belongs to the caller.
//
// By default any failing member fails the load, with an error wrapping
// [ErrQuorum] and a [*StoreError] per failed member. With [DegradedReads]
// the load succeeds when enough members answered, and the report names the
// others. With [ReadRepair] the merged changes are written back to the
// writable members that lacked them before LoadWithReport returns. When ctx
// ends first, it returns at once with an error wrapping ctx.Err().
//
// Memory: every member's result is held at once, and the merge adds the
// merged result. To merge without holding everything, use [Union.Scan].
func (u *Union[E]) LoadWithReport(ctx context.Context, namespace string) (Changes[E], Report, error) {
	ctx, end := u.begin(ctx, OpLoad, namespace, 0)
	changes, report, err := u.load(ctx, namespace)
	end(len(changes), err)
	return changes, report, err
}

func (u *Union[E]) load(ctx context.Context, namespace string) (Changes[E], Report, error) {
	ctx = withProbes(ctx) // the read repair's writes are part of a probe
	var report Report
	if err := u.checkRead(ctx); err != nil {
		return nil, report, fmt.Errorf("unionstore: load: %w", err)
	}
	all := u.indexes(func(member[E]) bool { return true })
	results, err := u.run(ctx, fanout.Call{Op: fanout.Op(OpLoad), Namespace: namespace, Need: u.readNeed(len(all))}, all, u.loadMember(namespace))
	report.Failed = failures(results)
	if err != nil {
		return nil, report, fmt.Errorf("unionstore: load: %w", err)
	}
	need := quorum(u.opts.readQuorum, len(all))
	if ok := len(all) - len(report.Failed); ok < need {
		return nil, report, fmt.Errorf("unionstore: load %q: %w: %d of %d stores answered, %d needed: %w",
			namespace, ErrQuorum, ok, len(all), need, joinFailures(report.Failed))
	}

	var answered []int // members that answered, in member order
	var lists []Changes[E]
	size := 0
	for _, r := range results {
		if r.Err == nil {
			answered = append(answered, r.Index)
			lists = append(lists, r.Value)
			size += len(r.Value) // at most the merge's size: one allocation
		}
	}
	if !u.opts.readRepair {
		if view := u.members[answered[0]].fast != nil; len(lists) == 1 && !(view && u.mergesViews()) {
			return lists[0], report, nil // the member's own copy, already in order
		}
		return mergeSlices(lists, size), report, nil
	}
	out, repairs := u.mergeForRepair(answered, lists, size)
	u.writeRepairs(ctx, namespace, repairs, &report)
	return out, report, nil
}

// mergeForRepair merges the lists of the members that answered (answered
// holds their indexes) and returns the merged changes and, per member,
// those a writable member lacks or holds older: its read repair.
func (u *Union[E]) mergeForRepair(answered []int, lists []Changes[E], size int) (out Changes[E], repairs []Changes[E]) {
	cursors := make([]*cursor[E], len(lists))
	for j, i := range answered {
		cursors[j] = sliceCursor(i, lists[j])
	}
	m, _ := newMerger(len(u.members), cursors, func(_ *cursor[E], err error) error { return err })
	out = make(Changes[E], 0, size)
	repairs = make([]Changes[E], len(u.members))
	for {
		winner, from, ok, _ := m.next() // slice cursors do not fail
		if !ok {
			break
		}
		out = append(out, winner)
		for _, c := range cursors {
			if !u.members[c.index].readOnly && m.stale(c.index, from, winner) {
				repairs[c.index] = append(repairs[c.index], winner)
			}
		}
	}
	return out, repairs
}

// writeRepairs saves repairs[i] to member i concurrently and records the
// outcome in report. Changes a member refuses as invalid are set aside and
// reported as that member's failure; the others are still written.
func (u *Union[E]) writeRepairs(ctx context.Context, namespace string, repairs []Changes[E], report *Report) {
	var targets []int
	for i, r := range repairs {
		if len(r) > 0 {
			targets = append(targets, i)
		}
	}
	if len(targets) == 0 {
		return
	}
	// Written by the member's goroutine, read after run has its result.
	written := make([]int, len(u.members))
	skipped := make([][]Skipped, len(u.members))
	results, err := u.run(ctx, fanout.Call{Op: fanout.Op(OpRepair), Namespace: namespace, Reason: ReasonReadRepair}, targets, func(ctx context.Context, i int) (Changes[E], int, error) {
		n, sk, err := saveStorable(ctx, u.members[i].store, repairs[i])
		written[i], skipped[i] = n, sk
		return nil, n, err
	})
	answered := make(map[int]bool, len(results))
	for _, r := range results {
		answered[r.Index] = true
		report.Repaired += written[r.Index]
		if r.Err != nil {
			report.Failed = append(report.Failed, storeErr(r))
		} else if err := skippedError(namespace, skipped[r.Index]); err != nil {
			m := u.members[r.Index]
			report.Failed = append(report.Failed, &StoreError{Index: r.Index, Name: m.name, Op: OpRepair, Err: err})
		}
	}
	if err != nil { // ctx ended: the members still writing count as failed
		for _, i := range targets {
			if !answered[i] {
				report.Failed = append(report.Failed, &StoreError{Index: i, Name: u.members[i].name, Op: OpRepair, Err: err})
			}
		}
	}
	slices.SortStableFunc(report.Failed, func(a, b *StoreError) int { return cmp.Compare(a.Index, b.Index) })
}

// Scan merges the members' changes of namespace as a stream, in the order
// and with the tie-breaks of [Union.Load]. Members that implement [Scanner]
// are streamed, so that when all of them do, memory grows with the number of
// members and not with the number of entities; other members are loaded
// whole first. [DegradedReads] applies: a member that fails, at the start or
// midway, is dropped while enough members remain, and the stream goes on
// with the others. [ReadRepair] does not apply.
//
// Streamed members are read concurrently, each by a goroutine that reads up
// to a few hundred changes ahead of the merge. The sequence may be walked
// more than once; each walk reads the members afresh. When ctx ends, the
// walk ends at once with an error wrapping ctx.Err(), even while a member
// is blocked.
func (u *Union[E]) Scan(ctx context.Context, namespace string) iter.Seq2[Change[E], error] {
	return func(yield func(Change[E], error) bool) {
		ctx, end := u.begin(ctx, OpScan, namespace, 0)
		n, err := u.scan(ctx, namespace, yield)
		end(n, err)
	}
}

// scan is one walk of Scan. It returns the number of changes yielded and
// the error yielded, if any.
func (u *Union[E]) scan(ctx context.Context, namespace string, yield func(Change[E], error) bool) (int, error) {
	n := 0
	err := u.walkMerge(ctx, fanout.Op(OpScan), namespace, u.opts.readQuorum, func(_ *merger[E], winner Change[E], _ int) (bool, error) {
		n++
		return yield(winner, nil), nil
	})
	if err != nil {
		yield(Change[E]{}, err)
	}
	return n, err
}

// Close closes every member concurrently, even when some fail, and returns
// their errors joined, each a [*StoreError]. Later calls return nil; after
// Close, Save, Load, Scan and Repair return [ErrClosed].
func (u *Union[E]) Close() error {
	if !u.shared.closed.CompareAndSwap(false, true) {
		return nil
	}
	u.shared.bgMu.Lock() // no background replay starts from now on
	u.shared.bgCancel()
	u.shared.bgMu.Unlock()
	u.shared.bg.Wait()
	ctx, end := u.begin(context.Background(), OpClose, "", 0)
	all := u.indexes(func(member[E]) bool { return true })
	results, _ := u.run(ctx, fanout.Call{Op: fanout.Op(OpClose), Always: true}, all, func(_ context.Context, i int) (Changes[E], int, error) {
		return nil, 0, u.members[i].store.Close()
	})
	var err error
	if f := failures(results); len(f) > 0 {
		err = fmt.Errorf("unionstore: close: %w", joinFailures(f))
	}
	end(0, err)
	return err
}

// countUnlessErr returns n, or 0 when err is not nil.
func countUnlessErr(n int, err error) int {
	if err != nil {
		return 0
	}
	return n
}

// mergesViews reports whether Load merges members' shared sorted views:
// when there is more than one member to merge. A member with a fast path
// (see [fastStore]) is read through its shared sorted view and given the
// union's checked batch without checking it again.
func (u *Union[E]) mergesViews() bool { return len(u.members) > 1 }

// loadMember returns the operation that loads namespace from one member,
// sorted and compacted for the merge. The result is only read.
func (u *Union[E]) loadMember(namespace string) func(context.Context, int) (Changes[E], int, error) {
	return func(ctx context.Context, i int) (Changes[E], int, error) {
		if f := u.members[i].fast; f != nil {
			// Sorted and compacted already: shared when there is a merge,
			// the member's own copy when it is the result.
			var changes Changes[E]
			var err error
			if u.mergesViews() {
				changes, err = f.sortedView(ctx, namespace)
			} else {
				changes, err = u.members[i].store.Load(ctx, namespace)
			}
			return changes, len(changes), err
		}
		changes, err := u.members[i].store.Load(ctx, namespace)
		if err != nil {
			return nil, 0, err
		}
		changes, err = sortedForMerge(changes)
		return changes, len(changes), err
	}
}

func (u *Union[E]) checkRead(ctx context.Context) error {
	if u.shared.closed.Load() {
		return ErrClosed
	}
	if len(u.members) == 0 {
		return fmt.Errorf("%w: the union has no stores to read", ErrNoStores)
	}
	return ctx.Err()
}

// writable returns the indexes of the members that are not read-only.
func (u *Union[E]) writable() []int {
	return u.indexes(func(m member[E]) bool { return !m.readOnly })
}

func (u *Union[E]) indexes(keep func(member[E]) bool) []int {
	var out []int
	for i, m := range u.members {
		if keep(m) {
			out = append(out, i)
		}
	}
	return out
}

// readNeed returns the successes after which a read of n members gives
// the others the quorum's grace: 0, every member, unless DegradedReads.
func (u *Union[E]) readNeed(n int) int { return quorum(u.opts.readQuorum, n) }

// batchNamespace returns the namespace of every change of a batch, or ""
// when they differ.
func batchNamespace[E Entity](changes Changes[E]) string {
	if len(changes) == 0 {
		return ""
	}
	ns := changes[0].Namespace
	for i := range changes {
		if changes[i].Namespace != ns {
			return ""
		}
	}
	return ns
}

// quorum returns how many of n must succeed for a configured quorum q.
func quorum(q, n int) int {
	if q < 1 || q > n {
		return n
	}
	return q
}
