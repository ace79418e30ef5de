package boltstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// The change feed. Each namespace has a revision counter, kept in the
// revisions bucket with the namespace's floor. Every change that a Save
// applies takes the next revision, written into its record, and a slot,
// revision -> key(kind, id), in a chunk of the namespace's feed (see
// chunks.go), in the same transaction as the record; the slot of the
// record it replaces is emptied in that transaction too, so a feed holds
// one slot per record and grows with the namespace only. A cursor is the file's id and a revision: a
// watch reads the entries after it in order, each with its record, and
// when it has read them all waits until the next commit closes the wake
// channel.

// watchPage is how many feed slots a watch reads per read transaction.
const watchPage = 250

// newID returns a random name for a file's cursors.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// notify wakes the watchers after a commit.
func (d *driver) notify() {
	d.wakeMu.Lock()
	close(d.wake)
	d.wake = make(chan struct{})
	d.wakeMu.Unlock()
}

// woken returns the channel that the next commit closes.
func (d *driver) woken() <-chan struct{} {
	d.wakeMu.Lock()
	defer d.wakeMu.Unlock()
	return d.wake
}

// position returns the cursor text of revision rev of the file.
func (d *driver) position(rev uint64) string {
	return d.id + "." + strconv.FormatUint(rev, 10)
}

// revision returns the revision that pos names, or an error wrapping
// ErrCursorExpired when the file did not make it.
func (d *driver) revision(pos string) (uint64, error) {
	id, rev, ok := strings.Cut(pos, ".")
	n, err := strconv.ParseUint(rev, 10, 64)
	if !ok || id != d.id || err != nil {
		return 0, fmt.Errorf("%w: %q is not a cursor of %q", unionstore.ErrCursorExpired, pos, d.path)
	}
	return n, nil
}

// revisionsOf returns the revision and floor of namespace in tx.
func revisionsOf(tx *bolt.Tx, namespace string) revisions {
	b := tx.Bucket(revisionsBucket)
	if b == nil || namespace == "" {
		return revisions{}
	}
	return decodeRevisions(b.Get([]byte(namespace)))
}

// Snapshot reads the namespace's records and its revision in one read
// transaction.
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	var out []backend.Record
	var rev uint64
	err := d.view("snapshot", func(tx *bolt.Tx) (err error) {
		rev = revisionsOf(tx, namespace).rev
		out, err = loadTx(ctx, tx, namespace)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, d.position(rev), nil
}

// Watch yields each change applied to namespace after the position, in
// revision order, each with the position of its revision; "" starts from
// now. It reads the feed in read transactions of a few hundred entries,
// never held while the loop body runs, and when it has caught up waits for
// the next commit of the store (no polling): a change is yielded a moment
// after its Save's transaction is synced.
//
// The feed keeps the latest change of each identity: a change replaced
// before the watch reached it is not yielded, the change that replaced it
// is, later. A position therefore does not expire with age; it expires
// when it was taken before a Purge of the namespace, or before the newest
// tombstone that PurgeTombstones removed, or when it is not one of this
// file, and a running watch ends the same way when such a purge passes
// it. The watch ends with ctx's error when ctx ends and with
// [unionstore.ErrClosed] when the store is closed.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		pos, err := d.watchStart(namespace, after)
		if err != nil {
			yield(backend.Event{}, err)
			return
		}
		page := func(context.Context) (events []backend.Event, read bool, err error) {
			events, pos, read, err = d.watchPage(namespace, pos)
			return events, read, err
		}
		for ev, err := range backend.Paged(ctx, d.done, d.woken, page) {
			if !yield(ev, err) {
				return
			}
		}
	}
}

// watchStart returns the revision a watch from after starts after.
func (d *driver) watchStart(namespace, after string) (uint64, error) {
	if after != "" {
		return d.revision(after)
	}
	var rev uint64
	err := d.view("watch", func(tx *bolt.Tx) error {
		rev = revisionsOf(tx, namespace).rev
		return nil
	})
	return rev, err
}

// watchPage reads up to watchPage feed entries of namespace after
// revision pos, and returns the events of those whose record still has
// their revision, the revision of the last entry read, and whether it
// read any. It returns an error wrapping ErrCursorExpired when pos is
// beyond the namespace's revision or below its floor.
func (d *driver) watchPage(namespace string, pos uint64) (events []backend.Event, last uint64, read bool, err error) {
	last = pos
	err = d.view("watch", func(tx *bolt.Tx) error {
		r := revisionsOf(tx, namespace)
		switch {
		case pos > r.rev:
			return fmt.Errorf("%w: revision %d is beyond the namespace's %d", unionstore.ErrCursorExpired, pos, r.rev)
		case pos < r.floor:
			return fmt.Errorf("%w: the namespace was purged at revision %d, after revision %d", unionstore.ErrCursorExpired, r.floor, pos)
		}
		feed, records := feedOf(tx, namespace), namespaceBucket(tx, namespace)
		if feed == nil || records == nil {
			return nil
		}
		var rd reader
		var a arena
		c := feed.Cursor()
		n := 0
		// The first chunk may hold revisions up to pos, a page's end
		// the middle of a chunk.
		for k, v := c.Seek(revisionKey(pos + 1)); k != nil && n < watchPage; k, v = c.Next() {
			if len(k) != revisionSize {
				return fmt.Errorf("%w: feed chunk key %x of namespace %q", ErrCorrupt, k, namespace)
			}
			err := eachSlot(v, binary.BigEndian.Uint64(k), func(rev uint64, key []byte) bool {
				if rev <= pos {
					return true
				}
				if n++; n > watchPage {
					return false
				}
				last, read = rev, true
				if len(key) == 0 {
					return true // moved on
				}
				if r, ok := feedRecord(&rd, namespace, records, rev, key); ok {
					r.Payload = a.copy(r.Payload)
					events = append(events, backend.Event{Record: r, Position: d.position(rev)})
				}
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, pos, false, err
	}
	return events, last, read, nil
}

// feedRecord returns the record of the feed entry rev -> key, and false if
// it is gone or holds another revision: an entry left behind by a
// damaged record that a save replaced without reading its revision.
func feedRecord(rd *reader, namespace string, records *bolt.Bucket, rev uint64, key []byte) (backend.Record, bool) {
	v := records.Get(key)
	if v == nil {
		return backend.Record{}, false
	}
	if h, err := decodeHeader(v); err == nil && h.rev != rev {
		return backend.Record{}, false
	}
	return rd.record(namespace, key, v), true
}
