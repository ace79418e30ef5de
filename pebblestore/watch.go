package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// cursor returns the cursor of revision rev of s.
func (s *Store[E]) cursor(rev uint64) unionstore.Cursor {
	return unionstore.Cursor(s.feed.id + "." + strconv.FormatUint(rev, 10))
}

// revision returns the revision that c names, or an error wrapping
// ErrCursorExpired when s did not make it.
func (s *Store[E]) revision(c unionstore.Cursor) (uint64, error) {
	id, rev, ok := strings.Cut(string(c), ".")
	n, err := strconv.ParseUint(rev, 10, 64)
	if !ok || id != s.feed.id || err != nil {
		return 0, fmt.Errorf("%w: %q is not a cursor of %q", unionstore.ErrCursorExpired, c, s.dir)
	}
	return n, nil
}

// position returns the synced revision and the floor of namespace.
func (s *Store[E]) position(ctx context.Context, namespace string) (synced, floor uint64, err error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer unlock()
	err = s.guard("watch", func() error {
		s.feed.mu.Lock()
		defer s.feed.mu.Unlock()
		sp, err := s.feed.spaceOf(s.db, namespace)
		if err == nil {
			synced, floor = sp.synced, sp.floor
		}
		return err
	})
	return synced, floor, err
}

// Snapshot returns what [Store.Load] returns and the cursor of that
// state: it takes the namespace's synced revision, then loads from a
// pebble snapshot, which holds every change up to that revision and
// perhaps a few after it, which the watch from the cursor delivers again.
// Errors are those of Load; records that do not decode are reported as by
// Load, with the others and the cursor. It is safe for concurrent use.
func (s *Store[E]) Snapshot(ctx context.Context, namespace string) (unionstore.Changes[E], unionstore.Cursor, error) {
	rev, _, err := s.position(ctx, namespace)
	if err != nil {
		return nil, "", fmt.Errorf("pebblestore: snapshot %q of %q: %w", namespace, s.dir, err)
	}
	out, err := s.Load(ctx, namespace)
	if err != nil && out == nil {
		return nil, "", err
	}
	return out, s.cursor(rev), err
}

// Watch yields the changes saved to namespace after the cursor, in
// revision order, each with the cursor of its revision; "" starts from
// now. Each event holds what [Store.Get] returns for the identity of the
// change at the moment the watch reads it: the change, or the one that
// won over it, so that an identity may be delivered more than once (a
// repeat, harmless under last-write-wins), and a change that lost is
// delivered as its winner. A change is delivered once its batch is synced
// (applied, [WithNoSync]): watchers are woken in the process when it is, with
// no polling.
//
// A cursor does not expire with age: the feed keeps an entry for every
// change since the namespace's last purge. It expires, and Watch yields an
// error wrapping [unionstore.ErrCursorExpired], when it was taken before a
// [Store.Purge] of the namespace or before a [Store.PurgeTombstones] that
// removed a tombstone from it, or when it is not a cursor of this store; a
// running watch ends the same way when such a purge passes it. A record
// that does not decode ends the watch with a [unionstore.DecodeError]. The
// watch ends with ctx's error when ctx ends and with
// [unionstore.ErrClosed] when the store is closed. It is safe for
// concurrent use; the sequence may be walked more than once.
func (s *Store[E]) Watch(ctx context.Context, namespace string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[E], error] {
	return func(yield func(unionstore.WatchEvent[E], error) bool) {
		pos, err := s.watchStart(ctx, namespace, after)
		for err == nil {
			s.feed.mu.Lock()
			wake := s.feed.wake // before the read, so that no wake is missed
			s.feed.mu.Unlock()
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
			case <-s.feed.done:
				err = fmt.Errorf("pebblestore: watch %q: %w", namespace, unionstore.ErrClosed)
			case <-wake:
			}
		}
		yield(unionstore.WatchEvent[E]{}, err)
	}
}

// watchStart returns the revision a watch from after starts after.
func (s *Store[E]) watchStart(ctx context.Context, namespace string, after unionstore.Cursor) (uint64, error) {
	var rev uint64
	var err error
	if after != "" {
		rev, err = s.revision(after)
	} else {
		rev, _, err = s.position(ctx, namespace)
	}
	if err != nil {
		return 0, fmt.Errorf("pebblestore: watch %q of %q: %w", namespace, s.dir, err)
	}
	return rev, nil
}

// watchPage reads up to watchPage feed entries of namespace after
// revision pos and up to its synced revision, and returns the events of
// those whose identity holds a record, the revision of the last entry
// read, and whether it read any. It returns an error wrapping
// ErrCursorExpired when pos is beyond the synced revision or below the
// floor.
func (s *Store[E]) watchPage(ctx context.Context, namespace string, pos uint64) (events []unionstore.WatchEvent[E], last uint64, read bool, err error) {
	fail := func(err error) ([]unionstore.WatchEvent[E], uint64, bool, error) {
		return nil, pos, false, fmt.Errorf("pebblestore: watch %q of %q: %w", namespace, s.dir, err)
	}
	synced, floor, err := s.position(ctx, namespace)
	switch {
	case err != nil:
		return fail(err)
	case pos > synced:
		return fail(fmt.Errorf("%w: revision %d is beyond the namespace's %d", unionstore.ErrCursorExpired, pos, synced))
	case pos < floor:
		return fail(fmt.Errorf("%w: the namespace was purged at revision %d, after revision %d", unionstore.ErrCursorExpired, floor, pos))
	case pos == synced:
		return nil, pos, false, nil
	}
	unlock, err := s.use(ctx)
	if err != nil {
		return fail(err)
	}
	defer unlock()
	last = pos
	err = s.guard("watch", func() error {
		lower, _ := feedBounds(namespace, pos)
		upper := append(feedKey(nil, namespace, synced), 0) // synced included
		it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return err
		}
		err = s.readEntries(it, namespace, pos, func(rev uint64, ev unionstore.WatchEvent[E], ok bool) {
			last, read = rev, true
			if ok {
				events = append(events, ev)
			}
		})
		if cerr := it.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return fail(err)
	}
	return events, last, read, nil
}

// readEntries calls f with each of up to watchPage changes after
// revision pos in the feed entries of it, of namespace: its revision and
// its event, if its identity holds a record.
func (s *Store[E]) readEntries(it *pebble.Iterator, namespace string, pos uint64, f func(rev uint64, ev unionstore.WatchEvent[E], ok bool)) error {
	n := 0
	for ok := it.First(); ok && n < watchPage; ok = it.Next() {
		k := it.Key()
		if len(k) != len(namespace)+2+revisionSize {
			return fmt.Errorf("%w: feed entry key %q of namespace %q", ErrCorrupt, k, namespace)
		}
		last := binary.BigEndian.Uint64(k[len(k)-revisionSize:])
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		var ferr error
		err = eachSlot(v, last, func(rev uint64, identity []byte) bool {
			if rev <= pos {
				return true
			}
			if n++; n > watchPage {
				return false
			}
			var ev unionstore.WatchEvent[E]
			found := false
			if identity != nil {
				ev, found, ferr = s.feedEvent(namespace, rev, identity)
			}
			if ferr != nil {
				return false
			}
			f(rev, ev, found)
			return true
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// feedEvent returns the event of the change of revision rev for the
// identity (kind 0x00 id), holding what the store holds for it now; false
// if it holds nothing (a tombstone purged since).
func (s *Store[E]) feedEvent(namespace string, rev uint64, identity []byte) (unionstore.WatchEvent[E], bool, error) {
	i := bytes.IndexByte(identity, 0)
	if i < 0 {
		return unionstore.WatchEvent[E]{}, false, fmt.Errorf("%w: feed entry %d of namespace %q names %q", ErrCorrupt, rev, namespace, identity)
	}
	key := recordKey(nil, namespace, string(identity[:i]), string(identity[i+1:]))
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return unionstore.WatchEvent[E]{}, false, nil
	}
	if err != nil {
		return unionstore.WatchEvent[E]{}, false, err
	}
	defer closer.Close()
	ch, err := s.decode(namespace, key, v)
	if err != nil {
		return unionstore.WatchEvent[E]{}, false, err
	}
	return unionstore.WatchEvent[E]{Change: ch, Cursor: s.cursor(rev)}, true, nil
}
