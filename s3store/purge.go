package s3store

import (
	"context"
	"fmt"
	"strings"
)

// Purge lists namespace's segments and deletes them, with one
// DeleteObjects request per 1,000, then leaves a purge marker that
// expires every watch cursor taken before it (see the package doc,
// "Change feed"). A segment that a Put writes after the listing is kept,
// as any change saved after a purge.
//
// A compaction of the namespace that read its segments before the purge
// and writes its merged copy after it brings the purged changes back:
// purge a namespace that nothing compacts at the same time (no Save to it
// past [WithMaxSegments], no [Store.Compact]), or purge it again. The
// error names the keys it could not delete.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	segs, err := d.listSegments(ctx, namespace)
	if err != nil {
		return err
	}
	keys := keysOf(segs)
	if err := d.deleteKeys(ctx, keys); err != nil {
		return err
	}
	d.noteSegments(namespace, 0, true)
	return d.markPurged(ctx, namespace, latestTime(keys))
}

// markPurged leaves a purge marker in namespace, named after every object
// the namespace holds and after time after, then deletes the markers of
// earlier purges: every cursor older than those is older than the new one
// too. A watcher that meets the marker expires (see watch.go). The marker
// is written after the purge's deletions, so a snapshot that lists it
// reads the namespace as the purge left it.
func (d *driver) markPurged(ctx context.Context, namespace string, after int64) error {
	objs, err := d.listNamespace(ctx, namespace, 0)
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
	if err := d.put(ctx, d.namespacePrefix(namespace)+name, nil); err != nil {
		return fmt.Errorf("purge marker: %w", err)
	}
	if err := d.deleteKeys(ctx, old); err != nil {
		return fmt.Errorf("earlier purge markers: %w", err)
	}
	return nil
}

// PurgeTombstones removes the tombstones of namespace whose timestamp is
// at most through. Segments are immutable, so it works as Compact does:
// it merges the namespace's segments, and when the merge holds such
// tombstones, writes one new segment without them (none when nothing
// else is left), deletes the segments it merged, and leaves a purge
// marker, as Purge does. A namespace without such tombstones is left as
// it is. A compaction racing with it may copy a purged tombstone back,
// which leaves the namespace as it was before, never loses a change. When
// some deletions fail, it returns 0 with the error: the segments left
// still hold their tombstones, which reads still see, and a second run
// removes them.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	readers, err := d.openReaders(ctx, namespace)
	if err != nil {
		return 0, err
	}
	if len(readers) == 0 {
		return 0, nil
	}
	inputs := segmentKeys(readers)
	w := newSegmentWriter(namespace, d.segmentVersion)
	dropped, kept := 0, 0
	err = d.mergeSegments(ctx, readers, func(r *record) {
		if r.changeType == changeUnset && r.ts <= through {
			dropped++
			return
		}
		w.add(r)
		kept++
	})
	if err != nil || dropped == 0 {
		return 0, err
	}
	if err := d.replaceSegments(ctx, namespace, inputs, w, kept > 0); err != nil {
		return 0, err
	}
	// Watchers that had not read a purged tombstone would miss it: the
	// marker expires them.
	if err := d.markPurged(ctx, namespace, latestTime(inputs)); err != nil {
		return 0, err
	}
	return dropped, nil
}

// replaceSegments puts in place of inputs, the segments of namespace that
// a purge merged, the segment w holds, if write, and then deletes inputs.
func (d *driver) replaceSegments(ctx context.Context, namespace string, inputs []string, w *segmentWriter, write bool) error {
	added := 0
	if write {
		if err := d.put(ctx, d.namespacePrefix(namespace)+originAfter(latestTime(inputs)).name(), w.finish()); err != nil {
			return err
		}
		added = 1
	}
	if err := d.deleteKeys(ctx, inputs); err != nil {
		return err
	}
	d.noteSegments(namespace, added-len(inputs), false)
	return nil
}
