package pebblestore

import (
	"bytes"
	"context"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// purgeBatch is the number of tombstones PurgeTombstones removes per
// pebble batch, so that saves wait for at most one batch at a time and
// memory stays bounded.
const purgeBatch = 10_000

// Purge removes namespace: one range deletion of its records and the
// deletion of its counts, in one synced batch (unless [WithNoSync]), so
// that it loads empty and is no longer listed. Pebble drops the deleted
// records from disk as compactions reach them. Purge is ordered with
// saves by the gate. It expires every cursor of the namespace taken
// before it (see Change feed in the package doc).
func (d *driver) Purge(ctx context.Context, namespace string) error {
	unlock, err := d.useForWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return d.guard("purge", func() error { return d.purge(namespace) })
}

// purge deletes the records and counts of namespace in one batch.
func (d *driver) purge(namespace string) error {
	lower, upper := namespaceBounds(namespace)
	d.gate.Lock()
	defer d.gate.Unlock()
	b := d.db.NewBatch()
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
	return d.commitPurge(b, namespace)
}

// commitPurge commits b, a purge of namespace, with the feed's part of it:
// the purge takes a revision of its own and makes it the namespace's
// floor, so that every cursor taken before it expires, that of a watcher
// up to date included, and deletes the feed entries that no cursor reads
// any more. The gate must be held, so that no save applies meanwhile.
func (d *driver) commitPurge(b *pebble.Batch, namespace string) error {
	d.feed.mu.Lock()
	sp, floor, err := d.feed.raiseFloor(d.db, namespace)
	d.feed.mu.Unlock()
	if err != nil {
		return err
	}
	if err := purgeFeed(b, namespace, floor); err != nil {
		return err
	}
	d.wrote.Store(true)
	if err := b.Commit(d.writeOptions()); err != nil {
		return err
	}
	d.feed.floorCommitted(sp, floor)
	return nil
}

// PurgeTombstones removes the records of namespace that are unsets with a
// timestamp at most through, and returns how many it removed; when no
// record is left, the namespace's counts go too, so that it is no longer
// listed. It reads the namespace once and removes up to 10,000 tombstones
// per synced batch, under the gate, which it releases between batches:
// when it fails midway, the tombstones removed so far stay removed, and
// the count says how many. A damaged record is left alone. Each batch
// that removes a tombstone expires every cursor of the namespace taken
// before it (see Change feed in the package doc).
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	unlock, err := d.useForWrite(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	total := 0
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int
		var last []byte
		var done bool
		err := d.guard("purge tombstones", func() (err error) {
			n, last, done, err = d.purgeTombstonePage(ctx, namespace, after, through)
			return err
		})
		total += n
		if err != nil || done {
			return total, err
		}
		after = last
	}
}

// purgeTombstonePage removes up to purgeBatch tombstones of through or before from
// the records of namespace after the key after (from the first when nil).
// It returns how many it removed, the last key it looked at, and whether
// it reached the end of the namespace.
func (d *driver) purgeTombstonePage(ctx context.Context, namespace string, after []byte, through int64) (int, []byte, bool, error) {
	lower, upper := namespaceBounds(namespace)
	if after != nil {
		lower = append(bytes.Clone(after), 0) // the first key after it
	}
	// The gate keeps saves out between the reading of a tombstone and
	// its deletion, which would otherwise delete a later change.
	d.gate.Lock()
	defer d.gate.Unlock()
	it, err := d.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, nil, false, err
	}
	b := d.db.NewBatch()
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
		if err != nil || h.changeType != unionstore.ChangeTypeUnset || h.nanos > through {
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
	if err := b.Set(markerKey(namespace), d.stamps.next(), nil); err != nil {
		return 0, nil, false, err
	}
	defer d.marks.Add(1)
	if err := d.commitPurge(b, namespace); err != nil {
		return 0, nil, false, err
	}
	return n, bytes.Clone(last), done, nil
}

// writeOptions returns the options of a commit: synced unless WithNoSync.
func (d *driver) writeOptions() *pebble.WriteOptions {
	if d.noSync {
		return pebble.NoSync
	}
	return pebble.Sync
}
