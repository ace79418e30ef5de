package unionstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Check reports, without writing anything, whether Save would refuse the
// batch as invalid: nil, or an error wrapping [ErrInvalidChange] for a
// batch that fails [Changes.Validate] or that a writable member
// implementing [Checker] cannot hold, each such refusal a [*StoreError] of
// operation "check". These are the refusals Save makes before it writes
// any member; Save can still fail for other reasons, such as a union with
// no writable member or a member that fails. Every such member is asked,
// and each refusal is reported to the union's observer, as in Save. Check
// neither modifies nor keeps the batch.
//
// So a union nested in another union, or serving as a shard of [Shards],
// is asked before anything is written, as a single store would be.
func (u *Union[E]) Check(changes Changes[E]) error {
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("unionstore: check: %w", err)
	}
	if err := u.checkMembers(context.Background(), u.writable(), changes.Stamped()); err != nil {
		return fmt.Errorf("unionstore: check: %w: %w", ErrInvalidChange, err)
	}
	return nil
}

// checkMembers asks every writable member that implements [Checker]
// whether it can hold the batch, before any member is written. It tries
// every member and returns their refusals joined, each a [*StoreError]
// wrapping [ErrInvalidChange], or nil.
func (u *Union[E]) checkMembers(ctx context.Context, writable []int, changes Changes[E]) error {
	var failed []*StoreError
	for _, i := range writable {
		m := u.members[i]
		c, ok := m.store.(Checker[E])
		if !ok {
			continue
		}
		err := contain(func() error { return c.Check(changes) })
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrInvalidChange) {
			// A store's check may only refuse changes; anything else is
			// still a refusal, but say that the store broke its contract.
			err = fmt.Errorf("%w: the store's check failed: %w", ErrInvalidChange, err)
		}
		u.tell(ctx, OpCheck, i, "", len(changes), err)
		failed = append(failed, &StoreError{Index: i, Name: m.name, Op: OpCheck, Err: err})
	}
	if len(failed) == 0 {
		return nil
	}
	return joinFailures(failed)
}

// Skipped is a change that a member refused to hold, set aside by
// [Union.Repair] or read repair so that everything else is still written.
type Skipped struct {
	Kind, ID string
	// Err is the member's refusal; it wraps [ErrInvalidChange].
	Err error
}

// saveStorable saves changes to s, setting aside the changes s refuses as
// invalid: the ones its [Checker] refuses, and, when Save itself refuses a
// batch with [ErrInvalidChange], the ones found by saving halves of the
// batch until the refused changes stand alone. Any other error ends it,
// with what was set aside so far. Saving a change twice is harmless: the
// later save of the same change changes nothing.
func saveStorable[E Entity](ctx context.Context, s Store[E], changes Changes[E]) (written int, skipped []Skipped, err error) {
	if c, ok := s.(Checker[E]); ok && c.Check(changes) != nil {
		kept := make(Changes[E], 0, len(changes))
		for i := range changes {
			if err := c.Check(changes[i : i+1]); err != nil {
				skipped = append(skipped, skip(changes[i], err))
				continue
			}
			kept = append(kept, changes[i])
		}
		changes = kept
	}
	var save func(Changes[E]) error
	save = func(batch Changes[E]) error {
		if len(batch) == 0 {
			return nil
		}
		err := s.Save(ctx, batch)
		switch {
		case err == nil:
			written += len(batch)
			return nil
		case !errors.Is(err, ErrInvalidChange) || ctx.Err() != nil:
			return err
		case len(batch) == 1:
			skipped = append(skipped, skip(batch[0], err))
			return nil
		}
		half := len(batch) / 2
		if err := save(batch[:half]); err != nil {
			return err
		}
		return save(batch[half:])
	}
	err = save(changes)
	return written, skipped, err
}

func skip[E Entity](c Change[E], err error) Skipped {
	kind, id := c.Entity.CompactionKey()
	return Skipped{Kind: kind, ID: id, Err: err}
}

// maxSkippedListed is how many skipped changes an error names one by one.
const maxSkippedListed = 10

// skippedError returns an error wrapping [ErrInvalidChange] that names the
// changes of namespace set aside, or nil when there are none.
func skippedError(namespace string, skipped []Skipped) error {
	if len(skipped) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d changes of namespace %q could not be written and were set aside:", len(skipped), namespace)
	for i, s := range skipped {
		if i == maxSkippedListed {
			fmt.Fprintf(&b, "; and %d more", len(skipped)-i)
			break
		}
		fmt.Fprintf(&b, "; kind %s id %s: %v", quoteShort(s.Kind), quoteShort(s.ID), s.Err)
	}
	return fmt.Errorf("%w: %s", ErrInvalidChange, b.String())
}
