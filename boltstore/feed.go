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
func (s *Store[E]) notify() {
	s.wakeMu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.wakeMu.Unlock()
}

// woken returns the channel that the next commit closes.
func (s *Store[E]) woken() <-chan struct{} {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	return s.wake
}

// cursor returns the cursor of revision rev of s.
func (s *Store[E]) cursor(rev uint64) unionstore.Cursor {
	return unionstore.Cursor(s.id + "." + strconv.FormatUint(rev, 10))
}

// revision returns the revision that c names, or an error wrapping
// ErrCursorExpired when s did not make it.
func (s *Store[E]) revision(c unionstore.Cursor) (uint64, error) {
	id, rev, ok := strings.Cut(string(c), ".")
	n, err := strconv.ParseUint(rev, 10, 64)
	if !ok || id != s.id || err != nil {
		return 0, fmt.Errorf("%w: %q is not a cursor of %q", unionstore.ErrCursorExpired, c, s.path)
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

// Snapshot returns what [Store.Load] returns and the cursor of that state,
// read in one read transaction. Records that do not decode are reported
// as by Load, with the others and the cursor. It returns
// [unionstore.ErrClosed] after Close and an error wrapping ctx.Err() when
// ctx ends first. It is safe for concurrent use.
func (s *Store[E]) Snapshot(ctx context.Context, namespace string) (unionstore.Changes[E], unionstore.Cursor, error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("boltstore: snapshot %q: %w", namespace, err)
	}
	defer unlock()
	var out unionstore.Changes[E]
	var bad unionstore.DecodeErrors
	var rev uint64
	err = contain(s.path, "snapshot", func() error {
		return s.db.View(func(tx *bolt.Tx) (err error) {
			rev = revisionsOf(tx, namespace).rev
			out, err = s.loadTx(ctx, tx, namespace, &bad)
			return err
		})
	})
	if err != nil {
		return nil, "", fmt.Errorf("boltstore: snapshot %q of %q: %w", namespace, s.path, err)
	}
	if err := bad.Err(); err != nil {
		return out, s.cursor(rev), fmt.Errorf("boltstore: snapshot %q of %q: %w", namespace, s.path, err)
	}
	return out, s.cursor(rev), nil
}

// Watch yields each change applied to namespace after the cursor, in
// revision order, each with the cursor of its revision; "" starts from
// now. It reads the feed in read transactions of a few hundred entries,
// never held while the loop body runs, and when it has caught up waits for
// the next commit of the store (no polling): a change is yielded a moment
// after its Save's transaction is synced.
//
// The feed keeps the latest change of each identity: a change replaced
// before the watch reached it is not yielded, the change that replaced it
// is, later. A cursor therefore does not expire with age; it expires,
// and Watch yields an error wrapping [unionstore.ErrCursorExpired], when
// it was taken before a [Store.Purge] of the namespace, or before the
// newest tombstone that [Store.PurgeTombstones] removed, or when it is not
// a cursor of this file. A running watch ends the same way when such a
// purge passes it. A record that does not decode ends the watch with a
// [unionstore.DecodeError]. The watch ends with ctx's error when ctx ends
// and with [unionstore.ErrClosed] when the store is closed. It is safe for
// concurrent use; the sequence may be walked more than once, each walk
// starting after the cursor again.
func (s *Store[E]) Watch(ctx context.Context, namespace string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[E], error] {
	return func(yield func(unionstore.WatchEvent[E], error) bool) {
		pos, err := s.watchStart(ctx, namespace, after)
		for err == nil {
			wake := s.woken() // before the read, so that no commit is missed
			var events []unionstore.WatchEvent[E]
			var read bool
			events, pos, read, err = s.watchPage(ctx, namespace, pos)
			for _, ev := range events {
				if !yield(ev, nil) {
					return
				}
			}
			if err != nil || read {
				continue
			}
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-s.done:
				err = fmt.Errorf("boltstore: watch %q: %w", namespace, unionstore.ErrClosed)
			case <-wake:
			}
		}
		yield(unionstore.WatchEvent[E]{}, err)
	}
}

// watchStart returns the revision a watch from after starts after.
func (s *Store[E]) watchStart(ctx context.Context, namespace string, after unionstore.Cursor) (uint64, error) {
	if after != "" {
		rev, err := s.revision(after)
		if err != nil {
			return 0, fmt.Errorf("boltstore: watch %q: %w", namespace, err)
		}
		return rev, nil
	}
	unlock, err := s.use(ctx)
	if err != nil {
		return 0, fmt.Errorf("boltstore: watch %q: %w", namespace, err)
	}
	defer unlock()
	var rev uint64
	err = contain(s.path, "watch", func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			rev = revisionsOf(tx, namespace).rev
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: watch %q of %q: %w", namespace, s.path, err)
	}
	return rev, nil
}

// watchPage reads up to watchPage feed entries of namespace after
// revision pos, and returns the changes of those whose record still has
// their revision, the revision of the last entry read, and whether it
// read any. It returns an error wrapping ErrCursorExpired when pos is
// beyond the namespace's revision or below its floor.
func (s *Store[E]) watchPage(ctx context.Context, namespace string, pos uint64) (events []unionstore.WatchEvent[E], last uint64, read bool, err error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return nil, pos, false, fmt.Errorf("boltstore: watch %q: %w", namespace, err)
	}
	defer unlock()
	last = pos
	err = contain(s.path, "watch", func() error {
		return s.db.View(func(tx *bolt.Tx) error {
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
			var buf []byte
			c := feed.Cursor()
			n := 0
			// The first chunk may hold revisions up to pos, a page's end
			// the middle of a chunk.
			for k, v := c.Seek(revisionKey(pos + 1)); k != nil && n < watchPage; k, v = c.Next() {
				if len(k) != revisionSize {
					return fmt.Errorf("%w: feed chunk key %x of namespace %q", ErrCorrupt, k, namespace)
				}
				var ferr error
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
					var ev unionstore.WatchEvent[E]
					var ok bool
					ev, ok, ferr = s.feedEvent(namespace, records, rev, key, &buf)
					if ok {
						events = append(events, ev)
					}
					return ferr == nil
				})
				if err == nil {
					err = ferr
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, pos, false, fmt.Errorf("boltstore: watch %q of %q: %w", namespace, s.path, err)
	}
	return events, last, read, nil
}

// feedEvent returns the event of the feed entry rev -> key, and false if
// its record is gone or holds another revision: an entry left behind by a
// damaged record that a save replaced without reading its revision.
func (s *Store[E]) feedEvent(namespace string, records *bolt.Bucket, rev uint64, key []byte, buf *[]byte) (unionstore.WatchEvent[E], bool, error) {
	v := records.Get(key)
	if v == nil {
		return unionstore.WatchEvent[E]{}, false, nil
	}
	if h, err := decodeHeader(v); err == nil && h.rev != rev {
		return unionstore.WatchEvent[E]{}, false, nil
	}
	ch, err := s.decode(namespace, key, v, buf)
	if err != nil {
		return unionstore.WatchEvent[E]{}, false, err
	}
	return unionstore.WatchEvent[E]{Change: ch, Cursor: s.cursor(rev)}, true, nil
}
