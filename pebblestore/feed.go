package pebblestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// The change feed. Each namespace has a revision counter. Save writes
// blindly, so the counter lives in the process, under the feed's lock:
// every change of a batch takes the next revision of its namespace, and
// the batch writes one feed entry per namespace, keyed by the highest
// revision it assigned there, holding the first and the identities of its
// changes in revision order (see the layout in the package doc), in the
// same pebble batch as the merge operands. One key per batch, not per
// change, goes to pebble's memory tables and compactions. The counter is
// recovered, the first time a namespace is used in a session, from its
// highest feed entry and its floor, both on disk.
//
// A change that loses to a later timestamp still has its slot: the merge
// operator, not Save, decides the winner. So a watch does not read the
// change of a slot; it reads what Get returns for the slot's identity,
// the winner at that moment, which is the slot's change or one that
// superseded it. The latest change of each identity has the highest slot
// of that identity, read after that change was applied, so applying the
// events with last-write-wins converges; the other slots of an identity
// deliver repeats, which last-write-wins makes harmless.
//
// Revisions are assigned, and their batch applied to pebble, under the
// feed's lock, so that pebble's write-ahead log holds each namespace's
// revisions in order; a watch reads entries only up to the namespace's
// synced revision, the highest of a batch whose sync has returned (with
// WithNoSync, whose apply has returned), every lower one being in the log
// before it. A watcher thus never sees a revision that a crash could take
// back and hand to another change.
//
// Purge deletes the namespace's entries; PurgeTombstones, which does not
// know the revisions of the records it removes, deletes every entry up to
// the floor it sets. Between purges, the trimmer (trim.go) bounds the
// feed.

// watchPage is how many changes of the feed a watch reads per iterator.
const watchPage = 256

// feed is the in-process state of the change feed of a store.
type feed struct {
	id string // names the store in its cursors; "" for an old read-only one

	mu     sync.Mutex
	spaces map[string]*space
	wake   chan struct{} // closed, and replaced, when a revision is synced
	done   chan struct{} // closed by Close
	once   sync.Once     // closes done
	trim   *trimmer      // nil on a read-only store (see trim.go)
}

// space is the feed state of one namespace.
type space struct {
	next   uint64 // the last revision assigned
	synced uint64 // every revision up to it is in the synced log
	floor  uint64 // cursors below it expired

	// The trimmer's bookkeeping (see trim.go): entries written since the
	// last trim, entries that trim kept, and whether a trim is queued.
	written, kept uint64
	trimming      bool
}

func newFeed() *feed {
	return &feed{spaces: make(map[string]*space), wake: make(chan struct{}), done: make(chan struct{})}
}

// newID returns a random name for a store's cursors.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// notify wakes the watchers; f.mu must be held.
func (f *feed) notify() {
	close(f.wake)
	f.wake = make(chan struct{})
}

// close ends the watches and the trimmer, and waits for the trimmer.
func (f *feed) close() {
	f.once.Do(func() { close(f.done) })
	if f.trim != nil {
		<-f.trim.stopped
	}
}

// spaceOf returns the feed state of namespace, read from db the first time;
// f.mu must be held, and db open.
func (f *feed) spaceOf(db *pebble.DB, namespace string) (*space, error) {
	if sp := f.spaces[namespace]; sp != nil {
		return sp, nil
	}
	sp := &space{}
	v, closer, err := db.Get(floorKey(namespace))
	switch {
	case err == nil:
		if len(v) == 8 {
			sp.floor = binary.BigEndian.Uint64(v)
		}
		_ = closer.Close()
	case !errors.Is(err, pebble.ErrNotFound):
		return nil, fmt.Errorf("read the feed floor of namespace %q: %w", namespace, err)
	}
	lower, upper := feedBounds(namespace, 0)
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	if it.Last() {
		sp.next = binary.BigEndian.Uint64(it.Key()[len(it.Key())-8:])
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("read the feed of namespace %q: %w", namespace, err)
	}
	sp.next = max(sp.next, sp.floor)
	sp.synced = sp.next
	f.spaces[namespace] = sp
	return sp, nil
}

// assigned is what a batch assigned in one namespace: revisions up to
// rev, n of them, and the value of their feed entry while it is built.
type assigned struct {
	ns    string
	sp    *space
	rev   uint64
	n     uint64
	value []byte
}

// addEntries gives each change of batch the next revision of its
// namespace and adds to b one feed entry per namespace of the batch, for
// all its changes (see the layout in the package doc); f.mu must be held until b is applied.
// It returns what it assigned in each namespace.
func (f *feed) addEntries(db *pebble.DB, b *pebble.Batch, batch []encoded) ([]assigned, error) {
	var out []assigned
	j := 0
	for i := range batch {
		e := &batch[i]
		if len(out) == 0 || out[j].ns != e.ns {
			// Batches hold few namespaces, mostly one after the other.
			j = slices.IndexFunc(out, func(a assigned) bool { return a.ns == e.ns })
			if j < 0 {
				sp, err := f.spaceOf(db, e.ns)
				if err != nil {
					return nil, err
				}
				out = append(out, assigned{ns: e.ns, sp: sp, value: make([]byte, revisionSize, revisionSize+len(batch)*16)})
				j = len(out) - 1
			}
		}
		a := &out[j]
		a.value = append(append(a.value, e.key[len(e.ns)+2:]...), 0) // kind 0x00 id 0x00
		a.n++
	}
	for i := range out {
		a := &out[i]
		binary.BigEndian.PutUint64(a.value, a.sp.next+1) // the first revision
		a.sp.next += a.n
		a.rev = a.sp.next
		if err := b.Set(feedKey(nil, a.ns, a.rev), a.value, nil); err != nil {
			return nil, err
		}
		a.value = nil
	}
	return out, nil
}

// eachSlot calls f with the revision and identity (kind 0x00 id) of each
// change of the feed entry value v of revision last, in order; a slot that
// a trim emptied has an empty identity. It stops when f returns false.
func eachSlot(v []byte, last uint64, f func(rev uint64, identity []byte) bool) error {
	if len(v) < revisionSize {
		return fmt.Errorf("%w: feed entry %d of %d bytes", ErrCorrupt, last, len(v))
	}
	rev := binary.BigEndian.Uint64(v)
	rest := v[revisionSize:]
	for ; len(rest) > 0; rev++ {
		k := bytes.IndexByte(rest, 0)
		if k < 0 {
			return fmt.Errorf("%w: feed entry %d: no end of kind", ErrCorrupt, last)
		}
		i := bytes.IndexByte(rest[k+1:], 0)
		if i < 0 {
			return fmt.Errorf("%w: feed entry %d: no end of id", ErrCorrupt, last)
		}
		end := k + 1 + i
		identity := rest[:end]
		if end == 1 {
			identity = nil // emptied by a trim
		}
		if !f(rev, identity) {
			return nil
		}
		rest = rest[end+1:]
	}
	if rev-1 != last {
		return fmt.Errorf("%w: feed entry %d holds changes up to revision %d", ErrCorrupt, last, rev-1)
	}
	return nil
}

// synced records that the revisions of a batch are in the synced log, and
// wakes the watchers.
func (f *feed) synced(revs []assigned) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range revs {
		a.sp.synced = max(a.sp.synced, a.rev)
		if a.sp.wantTrim(a.n) {
			f.queueTrim(a.ns, a.sp)
		}
	}
	f.notify()
}

// raiseFloor gives namespace a revision of its own, for a purge, and
// returns it; f.mu must be held, and no save may apply until the purge has
// committed and called floorCommitted.
func (f *feed) raiseFloor(db *pebble.DB, namespace string) (*space, uint64, error) {
	sp, err := f.spaceOf(db, namespace)
	if err != nil {
		return nil, 0, err
	}
	sp.next++
	return sp, sp.next, nil
}

// floorCommitted makes rev the floor of sp, once its purge is committed.
func (f *feed) floorCommitted(sp *space, rev uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sp.floor = max(sp.floor, rev)
	sp.synced = max(sp.synced, rev)
	f.notify()
}

// purgeFeed adds to b what a purge at revision floor writes to the feed of
// namespace: the deletion of every entry up to floor, which no cursor
// reads any more, and the floor.
func purgeFeed(b *pebble.Batch, namespace string, floor uint64) error {
	lower, _ := feedBounds(namespace, 0)
	upper, _ := feedBounds(namespace, floor)
	if err := b.DeleteRange(lower, upper, nil); err != nil {
		return err
	}
	return b.Set(floorKey(namespace), binary.BigEndian.AppendUint64(nil, floor), nil)
}

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
