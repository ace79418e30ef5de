package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// position returns the position of revision rev: the store's id, a dot
// and the revision.
func (d *driver) position(rev uint64) string {
	return d.feed.id + "." + strconv.FormatUint(rev, 10)
}

// revision returns the revision that pos names, or an error wrapping
// ErrCursorExpired when this store did not make it.
func (d *driver) revision(pos string) (uint64, error) {
	id, rev, ok := strings.Cut(pos, ".")
	n, err := strconv.ParseUint(rev, 10, 64)
	if !ok || id != d.feed.id || err != nil {
		return 0, fmt.Errorf("%w: %q is not a cursor of %q", unionstore.ErrCursorExpired, pos, d.dir)
	}
	return n, nil
}

// head returns the synced revision and the floor of namespace.
func (d *driver) head(ctx context.Context, namespace string) (synced, floor uint64, err error) {
	unlock, err := d.use(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer unlock()
	err = d.guard("watch", func() error {
		d.feed.mu.Lock()
		defer d.feed.mu.Unlock()
		sp, err := d.feed.spaceOf(d.db, namespace)
		if err == nil {
			synced, floor = sp.synced, sp.floor
		}
		return err
	})
	return synced, floor, err
}

// Snapshot returns what Load returns and its position: it takes the
// namespace's synced revision, then loads from a pebble snapshot, which
// holds every change up to that revision and perhaps a few after it,
// which the watch from the position delivers again.
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	rev, _, err := d.head(ctx, namespace)
	if err != nil {
		return nil, "", err
	}
	recs, err := d.loadRecords(ctx, namespace)
	if err != nil {
		return nil, "", err
	}
	return recs, d.position(rev), nil
}

// Watch yields the records saved to namespace after the position, in
// revision order, each with the position of its revision; "" starts from
// now. Each event holds what Get returns for the identity of the change
// at the moment the watch reads it: the change, or the one that won over
// it, so that an identity may be delivered more than once (a repeat,
// harmless under last-write-wins), and a change that lost is delivered as
// its winner. A change is delivered once its batch is synced (applied,
// with [WithNoSync]): watchers are woken in the process when it is, with
// no polling.
//
// A position does not expire with age: the feed keeps an entry for every
// change since the namespace's last purge. It expires, and Watch yields an
// error wrapping [unionstore.ErrCursorExpired], when it was taken before a
// Purge of the namespace or before a PurgeTombstones that removed a
// tombstone from it, or when it is not a position of this store; a running
// watch ends the same way when such a purge passes it. A record whose value
// does not follow the layout ends the watch with a
// [unionstore.DecodeError] wrapping [ErrCorrupt]. The watch ends with
// ctx's error when ctx ends and with [unionstore.ErrClosed] when the store
// is closed.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		pos, err := d.watchStart(ctx, namespace, after)
		if err != nil {
			yield(backend.Event{}, err)
			return
		}
		var a arena
		page := func(ctx context.Context) (events []backend.Event, read bool, err error) {
			events, pos, read, err = d.watchPage(ctx, namespace, pos, &a)
			return events, read, err
		}
		for ev, err := range backend.Paged(ctx, d.feed.done, d.woken, page) {
			if !yield(ev, err) {
				return
			}
		}
	}
}

// woken returns the channel that the next commit closes.
func (d *driver) woken() <-chan struct{} {
	d.feed.mu.Lock()
	defer d.feed.mu.Unlock()
	return d.feed.wake
}

// watchStart returns the revision a watch from after starts after.
func (d *driver) watchStart(ctx context.Context, namespace, after string) (uint64, error) {
	if after != "" {
		return d.revision(after)
	}
	rev, _, err := d.head(ctx, namespace)
	return rev, err
}

// watchPage reads up to watchPage feed entries of namespace after
// revision pos and up to its synced revision, and returns the events of
// those whose identity holds a record, their payloads in a, which it
// empties first; the revision of the last entry read; and whether it
// read any. It returns an error wrapping ErrCursorExpired when pos is
// beyond the synced revision or below the floor.
func (d *driver) watchPage(ctx context.Context, namespace string, pos uint64, a *arena) (events []backend.Event, last uint64, read bool, err error) {
	synced, floor, err := d.head(ctx, namespace)
	switch {
	case err != nil:
		return nil, pos, false, err
	case pos > synced:
		return nil, pos, false, fmt.Errorf("%w: revision %d is beyond the namespace's %d", unionstore.ErrCursorExpired, pos, synced)
	case pos < floor:
		return nil, pos, false, fmt.Errorf("%w: the namespace was purged at revision %d, after revision %d", unionstore.ErrCursorExpired, floor, pos)
	case pos == synced:
		return nil, pos, false, nil
	}
	unlock, err := d.use(ctx)
	if err != nil {
		return nil, pos, false, err
	}
	defer unlock()
	a.reset()
	last = pos
	err = d.guard("watch", func() error {
		lower, _ := feedBounds(namespace, pos)
		upper := append(feedKey(nil, namespace, synced), 0) // synced included
		it, err := d.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return err
		}
		err = d.readEntries(it, namespace, pos, a, func(rev uint64, r backend.Record, ok bool) {
			last, read = rev, true
			if ok {
				events = append(events, backend.Event{Record: r, Position: d.position(rev)})
			}
		})
		if cerr := it.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return nil, pos, false, err
	}
	return events, last, read, nil
}

// readEntries calls f with each of up to watchPage changes after
// revision pos in the feed entries of it, of namespace: its revision and
// the record of its identity, if it holds one, its payload in a.
func (d *driver) readEntries(it *pebble.Iterator, namespace string, pos uint64, a *arena, f func(rev uint64, r backend.Record, ok bool)) error {
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
			var r backend.Record
			found := false
			if identity != nil {
				r, found, ferr = d.feedRecord(namespace, rev, identity, a)
			}
			if ferr != nil {
				return false
			}
			f(rev, r, found)
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

// feedRecord returns the record that the store holds now for the
// identity (kind 0x00 id) of the change of revision rev, its payload in
// a; false if it holds nothing (a tombstone purged since).
func (d *driver) feedRecord(namespace string, rev uint64, identity []byte, a *arena) (backend.Record, bool, error) {
	i := bytes.IndexByte(identity, 0)
	if i < 0 {
		return backend.Record{}, false, fmt.Errorf("%w: feed entry %d of namespace %q names %q", ErrCorrupt, rev, namespace, identity)
	}
	return d.getRecord(namespace, string(identity[:i]), string(identity[i+1:]), a)
}
