package unionstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Move is the progress of one namespace that [Shards.Rebalance] moves
// from shard From to shard To.
type Move struct {
	Namespace, From, To string
	// Copied counts the changes written to To: 0 when an earlier,
	// interrupted run had copied them already.
	Copied int
	// Done counts the namespaces moved so far in this run, this one
	// included when Err is nil, out of Total found to move.
	Done, Total int
	// Err is why the namespace could not be moved; it stays on From,
	// still read through the merged view, and a later run retries it.
	Err error
}

// Stray is a namespace held by a shard that neither owns it now nor owned
// it before: Load does not see it (it may be left over from an older
// rollout whose Rebalance never finished). Rebalance reports it and
// leaves it alone.
type Stray struct {
	Namespace, Shard, Owner string
}

// RebalanceReport says what [Shards.Rebalance] did.
type RebalanceReport struct {
	// Moves holds one entry per namespace found to move, in the order
	// they were moved (by namespace, then by the shard it came from).
	Moves []Move
	// Strays lists the namespaces left alone.
	Strays []Stray
}

// Moved returns the number of namespaces moved.
func (r RebalanceReport) Moved() int {
	n := 0
	for _, m := range r.Moves {
		if m.Err == nil {
			n++
		}
	}
	return n
}

// Rebalance moves every namespace whose owner changed from the
// [Previous] placement to the current one: for each, it copies to the new
// owner what the new owner lacks or holds in an older version (a
// [Union.Repair] of the two, the old owner read-only), checks that the
// new owner now lacks nothing of the old owner's (a [Union.Diff] in which
// only the old owner may be stale), and only then purges the namespace
// from the old owner. Namespaces are found by listing every shard, each of
// which must implement [NamespaceLister]; an old owner must implement
// [Purger]. Without Previous, nothing moves.
//
// Rebalance can be interrupted at any point (ctx ends, the process dies, a
// shard fails) and run again: a copy written twice is the same latest
// change, and nothing is purged before its copy is verified, so no change
// is lost or duplicated, and reads see every change throughout. A
// namespace that fails is left on its old owner and reported in its Move;
// Rebalance goes on with the others and returns their errors joined. When
// ctx ends, it stops and returns what it did with an error wrapping
// ctx.Err().
//
// progress, when not nil, is called after each namespace, from the
// calling goroutine. Cost: each moved namespace is streamed from both
// owners twice (copy, then check), with memory bounded as for
// [Union.Scan], and purged once. Writes go on during Rebalance, to the
// new owners.
func (s *Shards[E]) Rebalance(ctx context.Context, progress func(Move)) (RebalanceReport, error) {
	var report RebalanceReport
	if err := s.checkOpen(); err != nil {
		return report, err
	}
	moves, strays, err := s.findMoves(ctx)
	if err != nil {
		return report, fmt.Errorf("unionstore: shards: rebalance: %w", err)
	}
	report.Strays = strays
	var errs []error
	done := 0
	for _, mv := range moves {
		if err := ctx.Err(); err != nil {
			return report, fmt.Errorf("unionstore: shards: rebalance: %d of %d namespaces moved: %w", done, len(moves), err)
		}
		mv.Total = len(moves)
		mv.Copied, mv.Err = s.move(ctx, mv.Namespace, mv.From, mv.To)
		if mv.Err == nil {
			done++
		} else {
			errs = append(errs, mv.Err)
		}
		mv.Done = done
		report.Moves = append(report.Moves, mv)
		if progress != nil {
			progress(mv)
		}
	}
	if err := ctx.Err(); err != nil {
		return report, fmt.Errorf("unionstore: shards: rebalance: %d of %d namespaces moved: %w", done, len(moves), err)
	}
	if len(errs) > 0 {
		return report, fmt.Errorf("unionstore: shards: rebalance: %d of %d namespaces not moved: %w", len(moves)-done, len(moves), errors.Join(errs...))
	}
	return report, nil
}

// findMoves lists the shards and returns the namespaces to move, sorted,
// and the strays.
func (s *Shards[E]) findMoves(ctx context.Context) ([]Move, []Stray, error) {
	if len(s.previous.shards) == 0 {
		return nil, nil, nil
	}
	lists, err := s.listShards(ctx, s.allShards())
	if err != nil {
		return nil, nil, err
	}
	var moves []Move
	var strays []Stray
	for i, stats := range lists {
		shard := s.names[i]
		for _, st := range stats {
			ns := st.Namespace
			owner := s.placement.Owner(ns)
			switch {
			case shard == owner:
			case shard == s.previous.Owner(ns):
				moves = append(moves, Move{Namespace: ns, From: shard, To: owner})
			default:
				strays = append(strays, Stray{Namespace: ns, Shard: shard, Owner: owner})
			}
		}
	}
	slices.SortFunc(moves, func(a, b Move) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.From, b.From))
	})
	return moves, strays, nil
}

// move copies namespace from shard from to shard to, verifies the copy,
// and purges it from from. It returns the number of changes copied.
func (s *Shards[E]) move(ctx context.Context, namespace, from, to string) (int, error) {
	fail := func(step string, err error) error {
		return fmt.Errorf("move %q from shard %q to shard %q: %s: %w", namespace, from, to, step, err)
	}
	p, ok := s.Store(from).(Purger)
	if !ok {
		return 0, fail("purge", fmt.Errorf("%T has no Purge: %w", s.Store(from), errors.ErrUnsupported))
	}
	pair := s.overlap(to, from, true) // member 0: to, member 1: from
	rep, err := pair.Repair(ctx, namespace)
	copied := rep.Stores[0].Written
	if err != nil {
		return copied, fail("copy", err)
	}
	for d, err := range pair.Diff(ctx, namespace) {
		if err != nil {
			return copied, fail("verify", err)
		}
		if d.Stale(0) {
			kind, id := d.Latest.Entity.CompactionKey()
			return copied, fail("verify", fmt.Errorf("the copy lacks %q %q at %v: the old owner keeps the namespace", kind, id, d.Latest.Timestamp))
		}
	}
	if err := p.Purge(ctx, namespace); err != nil {
		return copied, fail("purge", err)
	}
	return copied, nil
}
