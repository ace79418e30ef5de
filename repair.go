package unionstore

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/unionstore/unionstore/internal/fanout"
)

// Difference is an entity on which the members of a [Union] disagree: at
// least one member lacks its latest change or holds an older version.
type Difference[E Entity] struct {
	// Latest is the merged winner, as Load returns it.
	Latest Change[E]
	// Source is the position of the member Latest came from; among members
	// holding the same timestamp, the first.
	Source int
	// Versions holds what each member has, in the order of New.
	Versions []Version
	stale    []bool
}

// Stale reports whether member i lacks d.Latest or holds an older version
// of it. A member holding a version with the same timestamp and change type
// is stale when its entity differs from d.Latest's, compared by their JSON
// encoding: it lost the tie to a member listed before it.
func (d Difference[E]) Stale(i int) bool { return d.stale[i] }

// Diff yields, in (kind, id) order, every entity of namespace on which the
// members disagree, read-only members included. It is the dry run of
// [Union.Repair] and the check of a migration: a union whose Diff yields
// nothing holds the same latest changes in every member.
//
// Diff streams like [Union.Scan], but it is always strict: any failing
// member ends it with an error, whatever [DegradedReads] says. The sequence
// may be walked more than once.
func (u *Union[E]) Diff(ctx context.Context, namespace string) iter.Seq2[Difference[E], error] {
	return func(yield func(Difference[E], error) bool) {
		ctx, end := u.begin(ctx, OpDiff, namespace, 0)
		n, err := u.diff(ctx, namespace, yield)
		end(n, err)
	}
}

// diff is one walk of Diff. It returns the number of differences yielded
// and the error yielded, if any.
func (u *Union[E]) diff(ctx context.Context, namespace string, yield func(Difference[E], error) bool) (int, error) {
	n := 0
	err := u.walkMerge(ctx, fanout.Op(OpDiff), namespace, 0, func(m *merger[E], winner Change[E], from int) (bool, error) {
		var staleness []bool
		for i := range m.versions {
			if m.stale(i, from, winner) {
				if staleness == nil {
					staleness = make([]bool, len(m.versions))
				}
				staleness[i] = true
			}
		}
		if staleness == nil {
			return true, nil
		}
		n++
		return yield(Difference[E]{Latest: winner, Source: from, Versions: slices.Clone(m.versions), stale: staleness}, nil), nil
	})
	if err != nil {
		yield(Difference[E]{}, err)
	}
	return n, err
}

// RepairReport says what [Union.Repair] found and wrote.
type RepairReport struct {
	Namespace string
	// Entities counts the entities of the merged state, tombstones
	// included.
	Entities int
	// Stores holds one entry per member, in the order of New.
	Stores []StoreRepair
}

// Written returns the number of changes written to all members.
func (r RepairReport) Written() int {
	return sum(r.Stores, func(s StoreRepair) int { return s.Written })
}

// StoreRepair is what [Union.Repair] found and wrote in one member.
type StoreRepair struct {
	Index    int
	Name     string
	ReadOnly bool
	// Missing counts the entities the member lacked; Outdated, those it
	// held in an older version. Read-only members are counted but not
	// written.
	Missing, Outdated int
	// Written counts the changes written to the member.
	Written int
	// Skipped holds the changes the member refused to hold (its [Checker]
	// or its Save refused them as invalid), set aside so that everything
	// else was still written.
	Skipped []Skipped
	// Err is the member's save error, after which nothing more was
	// written to it.
	Err error
}

// Repair brings every writable member to the merged state of namespace:
// it writes to each member only the latest changes it lacks or holds in an
// older version (or, on equal timestamps, a different entity), in batches
// (see [RepairBatch]), and reports per member what it found and wrote. Read-only members are read, and their changes win
// like any other's, but are never written: this is the backfill of a
// migration.
//
// Repair streams like [Union.Scan]. Reading is strict: if any member fails
// to read, Repair stops with an error (what it wrote so far stays written,
// which is safe: every write is a latest change). A change that a member
// refuses as invalid (its [Checker] or its Save refuses it with
// [ErrInvalidChange], such as a key too long for its index) is set aside
// and listed in the member's Skipped, and everything else is still
// written, so that a re-run converges on every change the member can hold;
// the error then wraps ErrInvalidChange and names the changes set aside. A
// member that fails to save for any other reason is skipped from then on;
// Repair goes on with the others and returns the failures joined, each a
// [*StoreError]. When ctx ends, Repair returns
// promptly with an error wrapping ctx.Err().
func (u *Union[E]) Repair(ctx context.Context, namespace string) (RepairReport, error) {
	ctx, end := u.begin(ctx, OpRepair, namespace, 0)
	report, err := u.repair(ctx, namespace)
	end(report.Written(), err)
	return report, err
}

func (u *Union[E]) repair(ctx context.Context, namespace string) (RepairReport, error) {
	ctx = withProbes(ctx) // a member probed by the read is written too
	r := &repairRun[E]{u: u, ctx: ctx, namespace: namespace, batch: u.opts.repairBatch, pending: make([]Changes[E], len(u.members))}
	if r.batch < 1 {
		r.batch = 1000
	}
	r.report = RepairReport{Namespace: namespace, Stores: make([]StoreRepair, len(u.members))}
	for i, m := range u.members {
		r.report.Stores[i] = StoreRepair{Index: i, Name: m.name, ReadOnly: m.readOnly}
	}
	err := u.walkMerge(ctx, fanout.Op(OpRepair), namespace, 0, func(m *merger[E], winner Change[E], from int) (bool, error) {
		return true, r.take(m, winner, from)
	})
	if err != nil {
		return r.report, err
	}
	return r.report, r.finish()
}

// repairRun is one Repair of a namespace: the changes waiting to be
// written to each member, and what was found and written so far.
type repairRun[E Entity] struct {
	u         *Union[E]
	ctx       context.Context
	namespace string
	batch     int
	pending   []Changes[E] // per member, up to batch changes
	report    RepairReport
	failed    []*StoreError
}

// take counts the merged winner against each member's version, queues it
// for the writable members that lack it, and writes a member's queue once
// it holds a batch.
func (r *repairRun[E]) take(m *merger[E], winner Change[E], from int) error {
	r.report.Entities++
	for i, v := range m.versions {
		if !m.stale(i, from, winner) {
			continue
		}
		st := &r.report.Stores[i]
		if v.Present {
			st.Outdated++
		} else {
			st.Missing++
		}
		if st.ReadOnly || st.Err != nil {
			continue
		}
		r.pending[i] = append(r.pending[i], winner)
		if len(r.pending[i]) >= r.batch {
			if err := r.flush([]int{i}); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush writes the queues of the members at indexes concurrently. A member
// that fails is skipped from then on; the error is that of the run itself
// (its context ended).
func (r *repairRun[E]) flush(indexes []int) error {
	// Written by the member's goroutine, read after run has its result.
	written := make([]int, len(r.pending))
	skipped := make([][]Skipped, len(r.pending))
	call := fanout.Call{Op: fanout.Op(OpRepair), Namespace: r.namespace, Reason: ReasonRepair}
	results, err := r.u.run(r.ctx, call, indexes, func(ctx context.Context, i int) (Changes[E], int, error) {
		n, sk, err := saveStorable(ctx, r.u.members[i].store, r.pending[i])
		written[i], skipped[i] = n, sk
		return nil, n, err
	})
	for _, res := range results { // the members that answered
		st := &r.report.Stores[res.Index]
		st.Written += written[res.Index]
		st.Skipped = append(st.Skipped, skipped[res.Index]...)
		if res.Err != nil {
			st.Err = res.Err
			r.failed = append(r.failed, storeErr(res))
		}
		r.pending[res.Index] = r.pending[res.Index][:0]
	}
	if err != nil {
		return fmt.Errorf("unionstore: repair %q: %w", r.namespace, err)
	}
	return nil
}

// finish writes what is left in the queues and returns the failures of
// the run joined, those of changes set aside included.
func (r *repairRun[E]) finish() error {
	var rest []int
	for i, p := range r.pending {
		if len(p) > 0 {
			rest = append(rest, i)
		}
	}
	if err := r.flush(rest); err != nil {
		return err
	}
	for _, st := range r.report.Stores {
		if err := skippedError(r.namespace, st.Skipped); err != nil {
			r.failed = append(r.failed, &StoreError{Index: st.Index, Name: st.Name, Op: OpRepair, Err: err})
		}
	}
	if len(r.failed) > 0 {
		return fmt.Errorf("unionstore: repair %q: %w", r.namespace, joinFailures(r.failed))
	}
	return nil
}

// Skipped returns the number of changes set aside in all members.
func (r RepairReport) Skipped() int {
	return sum(r.Stores, func(s StoreRepair) int { return len(s.Skipped) })
}

// sum returns the sum of count over xs, for the totals of a report.
func sum[T any](xs []T, count func(T) int) int {
	n := 0
	for _, x := range xs {
		n += count(x)
	}
	return n
}
