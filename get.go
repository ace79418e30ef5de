package unionstore

import (
	"context"
	"fmt"

	"github.com/unionstore/unionstore/internal/fanout"
)

var _ Getter[Entity] = (*Union[Entity])(nil)

// Get returns the latest change of one entity over every member, a
// tombstone included, and whether any member holds one; see
// [Union.GetWithReport].
func (u *Union[E]) Get(ctx context.Context, namespace, kind, id string) (Change[E], bool, error) {
	c, ok, _, err := u.GetWithReport(ctx, namespace, kind, id)
	return c, ok, err
}

// GetWithReport reads one entity from every member concurrently and returns
// the latest change, with the tie-breaks of [Union.Load]: on equal
// timestamps the member listed first wins. It returns false when no member
// that answered holds the entity. A tombstone is returned as a change of
// type [ChangeTypeUnset], not as absent.
//
// Members that implement [Getter] are asked for the entity alone; the
// others are loaded whole and filtered, which costs what their Load costs.
// [DegradedReads] applies as for Load, and with [ReadRepair] the winner is
// written back, before GetWithReport returns, to every writable member that
// answered and lacked it or held an older version: a point read repairs
// that one entity. When ctx ends first, it returns at once with an error
// wrapping ctx.Err().
func (u *Union[E]) GetWithReport(ctx context.Context, namespace, kind, id string) (Change[E], bool, Report, error) {
	ctx, end := u.begin(ctx, OpGet, namespace, 0)
	c, found, report, err := u.get(ctx, namespace, kind, id)
	n := 0
	if found {
		n = 1
	}
	end(n, err)
	return c, found, report, err
}

func (u *Union[E]) get(ctx context.Context, namespace, kind, id string) (Change[E], bool, Report, error) {
	ctx = withProbes(ctx) // the read repair's write is part of a probe
	var report Report
	if err := u.checkRead(ctx); err != nil {
		return Change[E]{}, false, report, fmt.Errorf("unionstore: get: %w", err)
	}
	all := u.indexes(func(member[E]) bool { return true })
	results, err := u.run(ctx, fanout.Call{Op: fanout.Op(OpGet), Namespace: namespace, Need: u.readNeed(len(all))}, all, func(ctx context.Context, i int) (Changes[E], int, error) {
		c, ok, err := getFrom(ctx, u.members[i].store, namespace, kind, id)
		if err != nil || !ok {
			return nil, 0, err
		}
		return Changes[E]{c}, 1, nil
	})
	report.Failed = failures(results)
	if err != nil {
		return Change[E]{}, false, report, fmt.Errorf("unionstore: get: %w", err)
	}
	need := quorum(u.opts.readQuorum, len(all))
	if ok := len(all) - len(report.Failed); ok < need {
		return Change[E]{}, false, report, fmt.Errorf("unionstore: get %q %q %q: %w: %d of %d stores answered, %d needed: %w",
			namespace, kind, id, ErrQuorum, ok, len(all), need, joinFailures(report.Failed))
	}
	var cursors []*cursor[E]
	for _, r := range results { // in member order
		if r.Err == nil {
			cursors = append(cursors, sliceCursor(r.Index, r.Value))
		}
	}
	m, _ := newMerger(len(u.members), cursors, func(_ *cursor[E], err error) error { return err })
	winner, from, found, _ := m.next() // slice cursors do not fail
	if !found {
		return Change[E]{}, false, report, nil
	}
	if u.opts.readRepair {
		repairs := make([]Changes[E], len(u.members))
		for _, c := range cursors {
			if !u.members[c.index].readOnly && m.stale(c.index, from, winner) {
				repairs[c.index] = Changes[E]{winner}
			}
		}
		u.writeRepairs(ctx, namespace, repairs, &report)
	}
	return winner, true, report, nil
}

// getFrom reads one entity from s: by its Get when s implements [Getter],
// otherwise by a Load of the namespace, filtered.
func getFrom[E Entity](ctx context.Context, s Store[E], namespace, kind, id string) (Change[E], bool, error) {
	if g, ok := s.(Getter[E]); ok {
		c, found, err := g.Get(ctx, namespace, kind, id)
		if err != nil || !found {
			return Change[E]{}, false, err
		}
		if isNil(c.Entity) {
			return Change[E]{}, false, fmt.Errorf("%w: nil entity in results", ErrInvalidChange)
		}
		if k, i := c.Entity.CompactionKey(); k != kind || i != id {
			return Change[E]{}, false, fmt.Errorf("get %q %q returned the entity %q %q", kind, id, k, i)
		}
		return c, true, nil
	}
	changes, err := s.Load(ctx, namespace)
	if err != nil {
		return Change[E]{}, false, err
	}
	var out Change[E]
	found := false
	for _, c := range changes {
		if isNil(c.Entity) {
			return Change[E]{}, false, fmt.Errorf("%w: nil entity in results", ErrInvalidChange)
		}
		if k, i := c.Entity.CompactionKey(); k == kind && i == id && (!found || !c.Timestamp.Before(out.Timestamp)) {
			out, found = c, true
		}
	}
	return out, found, nil
}
