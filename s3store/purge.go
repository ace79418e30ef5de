package s3store

import (
	"context"
	"fmt"
	"strings"
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
// past [WithMaxSegments], no [Store.Compact]), or purge it again. Purge
// then leaves a purge marker that expires every watch cursor taken before
// it (see the package doc, "Change feed"). It
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
	if err := s.markPurged(ctx, namespace, latestTime(keys)); err != nil {
		return fmt.Errorf("s3store: purge %q: %w", namespace, s.life.Wrap(ctx, err))
	}
	return nil
}

// markPurged leaves a purge marker in namespace, named after every object
// the namespace holds and after time after, then deletes the markers of
// earlier purges: every cursor older than those is older than the new one
// too. A watcher that meets the marker expires (see watch.go). The marker
// is written after the purge's deletions, so a snapshot that lists it
// reads the namespace as the purge left it.
func (s *Store[E]) markPurged(ctx context.Context, namespace string, after int64) error {
	objs, err := s.listNamespace(ctx, namespace, 0)
	if err != nil {
		return err
	}
	var old []string
	for _, o := range objs {
		after = max(after, o.time)
		if o.marker {
			old = append(old, o.key)
		}
	}
	name := strings.TrimSuffix(originAfter(after).name(), segmentSuffix) + markerSuffix
	if err := s.put(ctx, s.namespacePrefix(namespace)+name, nil); err != nil {
		return fmt.Errorf("purge marker: %w", err)
	}
	if err := s.deleteKeys(ctx, old); err != nil {
		return fmt.Errorf("earlier purge markers: %w", err)
	}
	return nil
}

// PurgeTombstones removes the tombstones of namespace older than before
// and returns how many it removed. Segments are immutable, so it works as
// [Store.Compact] does: it merges the namespace's segments, and when the
// merge holds such tombstones, writes one new segment without them (none
// when nothing else is left) and then deletes the segments it merged. A
// namespace without such tombstones is left as it is. When it removed
// something, it leaves a purge marker, as [Store.Purge] does, which
// expires every watch cursor taken before it. Its costs, memory
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

// purgeTombstones is [Store.PurgeTombstones] with errors that do not name
// the package or the namespace.
func (s *Store[E]) purgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	if err := s.life.Check(ctx); err != nil {
		return 0, err
	}
	if !before.After(unionstore.MinTimestamp) {
		return 0, nil
	}
	old := tombstonesBefore(before)
	readers, err := s.openReaders(ctx, namespace)
	if err != nil {
		return 0, err
	}
	if len(readers) == 0 {
		return 0, nil
	}
	inputs := segmentKeys(readers)
	w := newSegmentWriter(namespace)
	dropped, kept := 0, 0
	err = s.mergeSegments(ctx, readers, func(r *record) {
		if old(r) {
			dropped++
			return
		}
		w.add(r)
		kept++
	})
	if err != nil || dropped == 0 {
		return 0, err
	}
	if err := s.replaceSegments(ctx, namespace, inputs, w, kept > 0); err != nil {
		return 0, err
	}
	// Watchers that had not read a purged tombstone would miss it: the
	// marker expires them.
	if err := s.markPurged(ctx, namespace, latestTime(inputs)); err != nil {
		return 0, err
	}
	return dropped, nil
}

// tombstonesBefore returns a function that reports whether a record is a
// tombstone older than before. Past [unionstore.MaxTimestamp], where
// UnixNano cannot represent before, every tombstone is.
func tombstonesBefore(before time.Time) func(r *record) bool {
	if before.After(unionstore.MaxTimestamp) {
		return func(r *record) bool { return r.changeType == changeUnset }
	}
	cut := before.UnixNano()
	return func(r *record) bool { return r.changeType == changeUnset && r.ts < cut }
}

// replaceSegments puts in place of inputs, the segments of namespace that
// a purge merged, the segment w holds, if write, and then deletes inputs.
func (s *Store[E]) replaceSegments(ctx context.Context, namespace string, inputs []string, w *segmentWriter, write bool) error {
	added := 0
	if write {
		if err := s.put(ctx, s.namespacePrefix(namespace)+originAfter(latestTime(inputs)).name(), w.finish()); err != nil {
			return err
		}
		added = 1
	}
	if err := s.deleteKeys(ctx, inputs); err != nil {
		return err
	}
	s.noteSegments(namespace, added-len(inputs), false)
	return nil
}
