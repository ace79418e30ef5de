package pebblestore

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore/backend"
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

// addEntries gives each record of recs the next revision of its
// namespace and adds to b one feed entry per namespace of the batch, for
// all its records (see the layout in the package doc); f.mu must be held
// until b is applied. It returns what it assigned in each namespace.
func (f *feed) addEntries(db *pebble.DB, b *pebble.Batch, recs []backend.Record) ([]assigned, error) {
	var out []assigned
	j := 0
	for i := range recs {
		r := &recs[i]
		if len(out) == 0 || out[j].ns != r.Namespace {
			// Batches hold few namespaces, mostly one after the other.
			j = slices.IndexFunc(out, func(a assigned) bool { return a.ns == r.Namespace })
			if j < 0 {
				sp, err := f.spaceOf(db, r.Namespace)
				if err != nil {
					return nil, err
				}
				out = append(out, assigned{ns: r.Namespace, sp: sp, value: make([]byte, revisionSize, revisionSize+len(recs)*16)})
				j = len(out) - 1
			}
		}
		a := &out[j]
		a.value = append(append(append(append(a.value, r.Kind...), 0), r.ID...), 0) // kind 0x00 id 0x00
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
