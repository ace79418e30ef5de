package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// purgeBatch is the number of tombstones PurgeTombstones removes per
// transaction, so that a namespace of many tombstones neither holds one
// huge transaction nor keeps every key in memory.
const purgeBatch = 10_000

// Purge removes namespace from the file: its bucket of records, its feed
// and its counts, in one transaction, so that it loads empty and is no
// longer listed. bbolt reuses the freed pages for later writes; the file
// itself does not shrink (`bbolt compact` copies it into a smaller one).
// It is serialized with saves by bbolt's single writer.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	if d.db.IsReadOnly() {
		return fmt.Errorf("%w: opened read-only", unionstore.ErrReadOnly)
	}
	err := d.update("purge", func(tx *bolt.Tx) error {
		records, countsB := tx.Bucket(recordsBucket), tx.Bucket(countsBucket)
		revsB := tx.Bucket(revisionsBucket)
		if records == nil || countsB == nil || revsB == nil {
			return fmt.Errorf("%w: records, counts or revisions bucket missing", ErrNotStore)
		}
		name := []byte(namespace)
		for _, b := range [][]byte{name, feedName(namespace)} {
			if err := records.DeleteBucket(b); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		if err := countsB.Delete(name); err != nil {
			return err
		}
		// The purge takes a revision of its own and makes it the
		// floor: every cursor taken before, that of a watcher up to
		// date included, expires.
		r := decodeRevisions(revsB.Get(name))
		r.rev++
		r.floor = r.rev
		return revsB.Put(name, r.encode())
	})
	if err != nil {
		return err
	}
	d.notify()
	return nil
}

// PurgeTombstones removes the unsets of namespace with a timestamp of at
// most through nanoseconds; a namespace left empty is removed as Purge
// removes it. It works in transactions of up to purgeBatch tombstones,
// reading the namespace once: when it fails midway, the tombstones
// removed so far stay removed, and the count says how many. A damaged
// record is left alone.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	if d.db.IsReadOnly() {
		return 0, fmt.Errorf("%w: opened read-only", unionstore.ErrReadOnly)
	}
	last := headerAt(unionstore.ChangeTypeUnset, through)
	total := 0
	var after []byte // the last key looked at, nil at the start
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int
		var done bool
		err := d.update("purge tombstones", func(tx *bolt.Tx) (err error) {
			n, after, done, err = purgeTombstonePage(tx, namespace, after, last)
			return err
		})
		total += n
		if n > 0 {
			d.notify() // watchers behind the new floor learn that they expired
		}
		if err != nil || done {
			return total, err
		}
	}
}

// purgeTombstonePage removes up to purgeBatch tombstones no later than
// last from the records of namespace that follow the key after, with their feed
// entries, and updates the counts. The newest revision it removes becomes
// the namespace's floor: a cursor before it could miss the tombstone. It
// returns the number removed, the last key it looked at, and whether it
// reached the end of the namespace.
func purgeTombstonePage(tx *bolt.Tx, namespace string, after []byte, last header) (int, []byte, bool, error) {
	b := namespaceBucket(tx, namespace)
	countsB := tx.Bucket(countsBucket)
	if b == nil || countsB == nil {
		return 0, nil, true, nil
	}
	feed := feedOf(tx, namespace)
	var doomed [][]byte
	var moved []uint64 // the revisions of the doomed, for the feed
	var newest uint64
	c := b.Cursor()
	k, v := c.First()
	if after != nil {
		k, v = c.Seek(after)
		if k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	seen := after
	for ; k != nil && len(doomed) < purgeBatch; k, v = c.Next() {
		seen = bytes.Clone(k)
		if v == nil {
			continue // a bucket where a record should be: damaged, left alone
		}
		h, err := decodeHeader(v)
		if err != nil || h.changeType != unionstore.ChangeTypeUnset || h.newer(last) {
			continue
		}
		doomed = append(doomed, seen)
		if h.rev != 0 {
			moved = append(moved, h.rev)
			newest = max(newest, h.rev)
		}
	}
	if feed != nil {
		if err := emptySlots(feed, moved); err != nil {
			return 0, nil, false, err
		}
	}
	done := k == nil
	// Deleting under a moving cursor can skip keys: delete after the walk.
	for _, key := range doomed {
		if err := b.Delete(key); err != nil {
			return 0, nil, false, err
		}
	}
	if err := raiseFloor(tx, namespace, newest); err != nil {
		return 0, nil, false, err
	}
	cnt := backend.DecodeCounts(countsB.Get([]byte(namespace)))
	cnt.Add(unionstore.ChangeTypeUnset, -int64(len(doomed)))
	if done {
		if first, _ := b.Cursor().First(); first == nil {
			if err := tx.Bucket(recordsBucket).DeleteBucket([]byte(namespace)); err != nil {
				return 0, nil, false, err
			}
			if feed != nil {
				if err := tx.Bucket(recordsBucket).DeleteBucket(feedName(namespace)); err != nil {
					return 0, nil, false, err
				}
			}
			return len(doomed), seen, true, countsB.Delete([]byte(namespace))
		}
	}
	if len(doomed) == 0 {
		return 0, seen, done, nil
	}
	return len(doomed), seen, done, countsB.Put([]byte(namespace), cnt.Encode())
}

// feedOf returns the feed bucket of namespace, or nil if it has none.
func feedOf(tx *bolt.Tx, namespace string) *bolt.Bucket {
	records := tx.Bucket(recordsBucket)
	if records == nil || namespace == "" {
		return nil
	}
	return records.Bucket(feedName(namespace))
}

// raiseFloor raises the floor of namespace to rev, if it is lower.
func raiseFloor(tx *bolt.Tx, namespace string, rev uint64) error {
	revsB := tx.Bucket(revisionsBucket)
	if revsB == nil || rev == 0 {
		return nil
	}
	r := decodeRevisions(revsB.Get([]byte(namespace)))
	if rev <= r.floor {
		return nil
	}
	r.floor = rev
	return revsB.Put([]byte(namespace), r.encode())
}
