package s3store

import (
	"context"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

var (
	_ unionstore.Purger          = (*Store[unionstore.Entity])(nil)
	_ unionstore.TombstonePurger = (*Store[unionstore.Entity])(nil)
)

// Purge removes namespace: it lists the namespace's segments and deletes
// them, with one DeleteObjects request per 1,000, so that it loads empty
// and is no longer listed. A namespace that does not exist is not an
// error. A segment that a Save writes after the listing is kept, as any
// change saved after a purge.
//
// A compaction of the namespace that read its segments before the purge
// and writes its merged copy after it brings the purged changes back:
// purge a namespace that nothing compacts at the same time (no Save to it
// past [WithMaxSegments], no [Store.Compact]), or purge it again. It
// returns an error naming the keys it could not delete,
// [unionstore.ErrClosed] after Close and an error wrapping ctx.Err() if
// ctx is done.
func (s *Store[E]) Purge(ctx context.Context, namespace string) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("s3store: purge %q: %w", namespace, err)
	}
	keys, err := s.listSegments(ctx, namespace)
	if err != nil {
		return fmt.Errorf("s3store: purge %q: %w", namespace, s.life.Wrap(ctx, err))
	}
	if err := s.deleteKeys(ctx, keys); err != nil {
		return fmt.Errorf("s3store: purge %q: %w", namespace, s.life.Wrap(ctx, err))
	}
	s.noteSegments(namespace, 0, true)
	return nil
}

// PurgeTombstones removes the tombstones of namespace older than before
// and returns how many it removed. Segments are immutable, so it works as
// [Store.Compact] does: it merges the namespace's segments, and when the
// merge holds such tombstones, writes one new segment without them (none
// when nothing else is left) and then deletes the segments it merged. A
// namespace without such tombstones is left as it is. Its costs, memory
// and safety beside saves and reads are Compact's: a compaction racing
// with it may copy a purged tombstone back, which leaves the namespace as
// it was before, never loses a change. See [unionstore.TombstonePurger]
// for when purging is safe. It returns [unionstore.ErrClosed] after Close
// and an error wrapping ctx.Err() if ctx is done. When some deletions
// fail, it returns 0 with the error: the segments left still hold their
// tombstones, which reads still see, and a second run removes them.
func (s *Store[E]) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	n, err := s.purgeTombstones(ctx, namespace, before)
	if err != nil {
		return n, fmt.Errorf("s3store: purge tombstones of %q: %w", namespace, s.life.Wrap(ctx, err))
	}
	return n, nil
}

func (s *Store[E]) purgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	if err := s.life.Check(ctx); err != nil {
		return 0, err
	}
	if !before.After(unionstore.MinTimestamp) {
		return 0, nil
	}
	old := func(r *record) bool { return r.changeType == changeUnset && r.ts < before.UnixNano() }
	if before.After(unionstore.MaxTimestamp) {
		old = func(r *record) bool { return r.changeType == changeUnset }
	}
	readers, err := s.openReaders(ctx, namespace)
	if err != nil {
		return 0, err
	}
	if len(readers) == 0 {
		return 0, nil
	}
	inputs := make([]string, len(readers))
	for i, r := range readers {
		inputs[i] = r.key
	}
	m, err := newMerger(readers)
	if err != nil {
		return 0, err
	}
	w := newSegmentWriter(namespace)
	dropped, kept := 0, 0
	for {
		ok, err := m.next(func(r *segmentReader) error {
			if old(&r.rec) {
				dropped++
				return nil
			}
			w.add(&r.rec)
			kept++
			return nil
		})
		if err != nil {
			m.close()
			return 0, err
		}
		if !ok {
			break
		}
		if err := s.life.Check(ctx); err != nil {
			m.close()
			return 0, err
		}
	}
	m.close()
	if dropped == 0 {
		return 0, nil
	}
	added := 0
	if kept > 0 {
		if err := s.put(ctx, s.namespacePrefix(namespace)+newOrigin().name(), w.finish()); err != nil {
			return 0, err
		}
		added = 1
	}
	if err := s.deleteKeys(ctx, inputs); err != nil {
		return 0, err
	}
	s.noteSegments(namespace, added-len(inputs), false)
	return dropped, nil
}
