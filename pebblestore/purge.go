package pebblestore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

var (
	_ unionstore.Purger          = (*Store[unionstore.Entity])(nil)
	_ unionstore.TombstonePurger = (*Store[unionstore.Entity])(nil)
)

// purgeBatch is the number of tombstones PurgeTombstones removes per
// pebble batch, so that saves wait for at most one batch at a time and
// memory stays bounded.
const purgeBatch = 10_000

// Purge removes namespace: one range deletion of its records and the
// deletion of its counts, in one synced batch (unless [WithNoSync]), so
// that it loads empty and is no longer listed. A namespace that does not
// exist is not an error. Pebble drops the deleted records from disk as
// compactions reach them. Purge is ordered with saves by the store's write
// lock. It expires every cursor of the namespace taken before it (see
// Change feed in the package doc). It returns [unionstore.ErrReadOnly] on a store opened with
// [WithReadOnly] and [unionstore.ErrClosed] after Close.
func (s *Store[E]) Purge(ctx context.Context, namespace string) error {
	unlock, err := s.use(ctx)
	if err != nil {
		return fmt.Errorf("pebblestore: purge %q: %w", namespace, err)
	}
	defer unlock()
	if s.readOnly {
		return fmt.Errorf("pebblestore: purge %q from %q: %w: opened read-only", namespace, s.dir, unionstore.ErrReadOnly)
	}
	if err := s.guard("purge", func() error { return s.purge(namespace) }); err != nil {
		return fmt.Errorf("pebblestore: purge %q from %q: %w", namespace, s.dir, err)
	}
	return nil
}

// purge deletes the records and counts of namespace in one batch.
func (s *Store[E]) purge(namespace string) error {
	lower, upper := namespaceBounds(namespace)
	s.gate.Lock()
	defer s.gate.Unlock()
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(lower, upper, nil); err != nil {
		return err
	}
	if err := b.Delete(countKey(namespace), nil); err != nil {
		return err
	}
	if err := b.Delete(markerKey(namespace), nil); err != nil {
		return err
	}
	return s.commitPurge(b, namespace)
}

// commitPurge commits b, a purge of namespace, with the feed's part of it:
// the purge takes a revision of its own and makes it the namespace's
// floor, so that every cursor taken before it expires, that of a watcher
// up to date included, and deletes the feed entries that no cursor reads
// any more. The gate must be held, so that no save applies meanwhile.
func (s *Store[E]) commitPurge(b *pebble.Batch, namespace string) error {
	s.feed.mu.Lock()
	sp, floor, err := s.feed.raiseFloor(s.db, namespace)
	s.feed.mu.Unlock()
	if err != nil {
		return err
	}
	if err := purgeFeed(b, namespace, floor); err != nil {
		return err
	}
	s.wrote.Store(true)
	if err := b.Commit(s.writeOptions()); err != nil {
		return err
	}
	s.feed.floorCommitted(sp, floor)
	return nil
}

// PurgeTombstones removes the records of namespace that are unsets with a
// timestamp before before, and returns how many it removed; when no record
// is left, the namespace's counts go too, so that it is no longer listed.
// It reads the namespace once and removes up to 10,000 tombstones per
// synced batch, under the store's write lock, which it releases between
// batches: when it fails midway, the tombstones removed so far stay
// removed, and the count says how many. A damaged record is left alone.
// Each batch that removes a tombstone expires every cursor of the
// namespace taken before it (see Change feed in the package doc).
// See [unionstore.TombstonePurger] for when purging is safe. It returns
// [unionstore.ErrReadOnly] on a store opened with [WithReadOnly] and
// [unionstore.ErrClosed] after Close.
func (s *Store[E]) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return 0, fmt.Errorf("pebblestore: purge tombstones of %q: %w", namespace, err)
	}
	defer unlock()
	if s.readOnly {
		return 0, fmt.Errorf("pebblestore: purge tombstones of %q from %q: %w: opened read-only", namespace, s.dir, unionstore.ErrReadOnly)
	}
	total := 0
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("pebblestore: purge tombstones of %q from %q: %w", namespace, s.dir, err)
		}
		var n int
		var last []byte
		var done bool
		err := s.guard("purge tombstones", func() (err error) {
			n, last, done, err = s.purgeTombstonePage(ctx, namespace, after, before)
			return err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("pebblestore: purge tombstones of %q from %q: %w", namespace, s.dir, err)
		}
		if done {
			return total, nil
		}
		after = last
	}
}

// purgeTombstonePage removes up to purgeBatch tombstones before cut from
// the records of namespace after the key after (from the first when nil).
// It returns how many it removed, the last key it looked at, and whether
// it reached the end of the namespace.
func (s *Store[E]) purgeTombstonePage(ctx context.Context, namespace string, after []byte, before time.Time) (int, []byte, bool, error) {
	lower, upper := namespaceBounds(namespace)
	if after != nil {
		lower = append(bytes.Clone(after), 0) // the first key after it
	}
	// The gate keeps saves out between the reading of a tombstone and
	// its deletion, which would otherwise delete a later change.
	s.gate.Lock()
	defer s.gate.Unlock()
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, nil, false, err
	}
	b := s.db.NewBatch()
	defer b.Close()
	n := 0
	var last []byte
	ok := it.First()
	for ; ok && n < purgeBatch; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			break // Close reports it
		}
		last = append(last[:0], it.Key()...)
		h, _, err := decodeValue(v)
		if err != nil || h.changeType != unionstore.ChangeTypeUnset || !h.time().Before(before) {
			continue
		}
		if err := b.Delete(it.Key(), nil); err != nil {
			_ = it.Close()
			return 0, nil, false, err
		}
		n++
	}
	done := !ok
	if err := it.Close(); err != nil {
		return 0, nil, false, err
	}
	if n == 0 {
		return 0, last, done, nil
	}
	// The counts go stale, as after a save; Namespaces recounts them, and
	// drops a namespace left without records.
	if err := b.Set(markerKey(namespace), s.stamps.next(), nil); err != nil {
		return 0, nil, false, err
	}
	defer s.marks.Add(1)
	if err := s.commitPurge(b, namespace); err != nil {
		return 0, nil, false, err
	}
	return n, bytes.Clone(last), done, nil
}

// writeOptions returns the options of a commit: synced unless WithNoSync.
func (s *Store[E]) writeOptions() *pebble.WriteOptions {
	if s.noSync {
		return pebble.NoSync
	}
	return pebble.Sync
}
