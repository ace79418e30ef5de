package unionstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unionstore/unionstore/internal/fanout"
)

// TombstonePurger is implemented by stores that can drop tombstones that
// are no longer needed, so that a store of deleted entities does not grow
// for ever.
//
// PurgeTombstones removes, from namespace, every identity whose latest
// change is an unset with a timestamp strictly before before, and returns
// how many it removed. Sets are never removed, nor tombstones at or after
// before. A namespace that does not exist gives 0 and no error. After it
// returns, Load, Scan, Get and Namespaces no longer show the removed
// tombstones.
//
// A tombstone exists so that it wins over older sets of the entity held
// elsewhere: in another member of a [Union], in a hint not yet replayed, in
// a write still in flight. Purging it is only safe once every replica holds
// it and no set older than it can still arrive; afterwards such a set would
// bring the entity back. This is Cassandra's gc_grace_seconds: choose
// before as now minus a grace longer than any replica may stay behind
// (longer than a member may be down before it is repaired, and longer
// than any writer may hold an old change). [Union.PurgeTombstones] checks
// what it can see and refuses otherwise.
type TombstonePurger interface {
	PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error)
}

var (
	_ Purger          = (*Union[Entity])(nil)
	_ TombstonePurger = (*Union[Entity])(nil)
)

// Purge removes namespace from every writable member concurrently, each
// through its [Purger]. It tries every writable member and does not stop
// at the first failure; it returns their errors joined, each a
// [*StoreError] of operation "purge". Before touching any member, it
// returns an error wrapping [errors.ErrUnsupported] when a writable member
// does not implement Purger, so that a namespace is never half purged for
// that reason.
//
// Read-only members are never written, so whatever they hold of namespace
// still loads through the union: purge the old store of a migration
// directly if it must go too. Purge also removes the hints and repair
// records that [HintedHandoff] keeps for namespace, so that a replay does
// not bring it back. A purge cannot be undone; it ignores [WriteQuorum]:
// every writable member must succeed.
func (u *Union[E]) Purge(ctx context.Context, namespace string) error {
	if u.shared.closed.Load() {
		return fmt.Errorf("unionstore: purge: %w", ErrClosed)
	}
	writable, err := u.purgers("Purge", func(s Store[E]) bool { _, ok := s.(Purger); return ok })
	if err != nil {
		return fmt.Errorf("unionstore: purge %q: %w", namespace, err)
	}
	if err := u.purgeHints(ctx, namespace); err != nil {
		return fmt.Errorf("unionstore: purge %q: %w", namespace, err)
	}
	err = allDone(u.run(ctx, fanout.Call{Op: fanout.Op(OpPurge), Namespace: namespace}, writable, func(ctx context.Context, i int) (Changes[E], int, error) {
		return nil, 0, u.members[i].store.(Purger).Purge(ctx, namespace)
	}))
	if err != nil {
		return fmt.Errorf("unionstore: purge %q: %w", namespace, err)
	}
	return nil
}

// PurgeTombstones removes, from every writable member, the tombstones of
// namespace older than before (see [TombstonePurger]), and returns how
// many identities' tombstones it removed from the merged view: what Load
// showed before and no longer shows. A member's own older tombstone of an
// entity that another member holds a later set of is removed too, and not
// counted.
//
// It first makes sure that no member could bring a purged entity back,
// and refuses with an error wrapping [ErrPurgeUnsafe], having removed
// nothing, when a writable member's [CircuitBreaker] counts a recent
// failure, when [HintedHandoff] holds hints or repair records for any
// member, or when a member, read-only ones included, holds an older
// version of an entity whose tombstone would go (its set would win again;
// a member that lacks the entity altogether cannot bring it back): run
// [Union.Replay] and [Union.Repair] first. The
// check reads the whole namespace from every member, strictly, as
// [Union.Diff] does; its cost is a Diff's. It cannot see a member's data
// that is still in flight, nor a writer holding an old change: that is
// what the grace before before is for.
//
// Like Purge, it needs every writable member to implement the interface
// (otherwise its error wraps [errors.ErrUnsupported]), tries every member,
// and returns their failures joined, each a [*StoreError] of operation
// "purge tombstones".
func (u *Union[E]) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	if u.shared.closed.Load() {
		return 0, fmt.Errorf("unionstore: purge tombstones: %w", ErrClosed)
	}
	writable, err := u.purgers("PurgeTombstones", func(s Store[E]) bool { _, ok := s.(TombstonePurger); return ok })
	if err != nil {
		return 0, fmt.Errorf("unionstore: purge tombstones of %q: %w", namespace, err)
	}
	total, err := u.checkTombstonePurge(ctx, namespace, before)
	if err != nil {
		return 0, fmt.Errorf("unionstore: purge tombstones of %q: %w", namespace, err)
	}
	results, err := u.run(ctx, fanout.Call{Op: fanout.Op(OpPurgeTombstones), Namespace: namespace}, writable, func(ctx context.Context, i int) (Changes[E], int, error) {
		n, err := u.members[i].store.(TombstonePurger).PurgeTombstones(ctx, namespace, before)
		return nil, n, err
	})
	if err != nil {
		return 0, fmt.Errorf("unionstore: purge tombstones of %q: %w", namespace, err)
	}
	if f := failures(results); len(f) > 0 {
		return total, fmt.Errorf("unionstore: purge tombstones of %q: %w", namespace, joinFailures(f))
	}
	return total, nil
}

// purgers returns the writable members, or an error naming those that do
// not implement the method through has.
func (u *Union[E]) purgers(method string, has func(Store[E]) bool) ([]int, error) {
	writable := u.writable()
	var errs []error
	for _, i := range writable {
		if !has(u.members[i].store) {
			m := u.members[i]
			errs = append(errs, &StoreError{Index: i, Name: m.name, Op: OpPurge, Err: fmt.Errorf("%T has no %s: %w", m.store, method, errors.ErrUnsupported)})
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("nothing was purged: %w", errors.Join(errs...))
	}
	return writable, nil
}

// checkTombstonePurge returns an error wrapping ErrPurgeUnsafe when
// purging the tombstones of namespace before before could bring an entity
// back; otherwise the number of merged tombstones the purge removes.
func (u *Union[E]) checkTombstonePurge(ctx context.Context, namespace string, before time.Time) (int, error) {
	if err := u.membersUpToDate(ctx); err != nil {
		return 0, err
	}
	// Walk the merge as Diff does, but see every entity: the agreed ones
	// are counted too.
	count := 0
	var unsafe error
	err := u.walkMerge(ctx, fanout.Op(OpPurgeTombstones), namespace, 0, func(m *merger[E], winner Change[E], from int) (bool, error) {
		if winner.ChangeType != ChangeTypeUnset || !winner.Timestamp.Before(before) {
			return true, nil
		}
		count++
		unsafe = u.heldEverywhere(m, winner, from)
		return unsafe == nil, nil
	})
	switch {
	case unsafe != nil:
		return 0, unsafe
	case err != nil:
		return 0, fmt.Errorf("check that every store holds the tombstones: %w", err)
	}
	return count, nil
}

// membersUpToDate returns an error wrapping ErrPurgeUnsafe when a writable
// member may lack changes: its breaker counts failures, or it has hints or
// repair records pending.
func (u *Union[E]) membersUpToDate(ctx context.Context) error {
	hs := u.hintStore()
	for i, m := range u.members {
		if m.readOnly {
			continue
		}
		if failing := u.shared.breakers[i].Failures(); failing > 0 {
			return fmt.Errorf("%w: %s failed its last %d operations", ErrPurgeUnsafe, m.label(i), failing)
		}
	}
	if hs == nil {
		return nil
	}
	for i, m := range u.members {
		if m.readOnly {
			continue
		}
		spaces, err := u.hintSpaces(ctx, hs, i)
		if err != nil {
			return fmt.Errorf("%s: %w", m.label(i), err)
		}
		if n := len(spaces.hints) + len(spaces.repairs); n > 0 {
			return fmt.Errorf("%w: %s has %d namespaces of hints or repair records pending: replay them first", ErrPurgeUnsafe, m.label(i), n)
		}
	}
	return nil
}

// heldEverywhere returns an error wrapping ErrPurgeUnsafe when a member
// holds an older version of the tombstone winner: purging the tombstone
// would bring that version back. A member that lacks the entity cannot.
func (u *Union[E]) heldEverywhere(m *merger[E], winner Change[E], from int) error {
	for i, v := range m.versions {
		if v.Present && m.stale(i, from, winner) {
			kind, id := winner.Entity.CompactionKey()
			return fmt.Errorf("%w: %s holds an older version of %q %q than the tombstone to purge: run Repair first", ErrPurgeUnsafe, u.members[i].label(i), kind, id)
		}
	}
	return nil
}

// purgeHints removes the hints and repair records of namespace for every
// member.
func (u *Union[E]) purgeHints(ctx context.Context, namespace string) error {
	hs := u.hintStore()
	if hs == nil {
		return nil
	}
	stats, err := hs.Namespaces(ctx)
	if err != nil {
		return fmt.Errorf("list hints: %w", err)
	}
	for _, st := range stats {
		if hintedNamespace(st.Namespace) != namespace {
			continue
		}
		if err := hs.Purge(ctx, st.Namespace); err != nil {
			return fmt.Errorf("remove hints %q: %w", st.Namespace, err)
		}
	}
	// Recount the pending hints when next needed.
	h := u.shared.hints
	h.mu.Lock()
	for i := range h.pending {
		h.pending[i] = -1
	}
	h.mu.Unlock()
	return nil
}

// hintedNamespace returns the namespace that a namespace of the hint store
// keeps hints or a repair record for, or "" for any other.
func hintedNamespace(s string) string {
	if rest, ok := strings.CutPrefix(s, hintPrefix); ok {
		// MEMBER/EPOCH/NAMESPACE: the member key is escaped and the epoch
		// is digits, so neither holds a slash.
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) == 3 {
			return parts[2]
		}
		return ""
	}
	if rest, ok := strings.CutPrefix(s, repairPrefix); ok {
		if _, ns, ok := strings.Cut(rest, "/"); ok {
			return ns
		}
	}
	return ""
}
