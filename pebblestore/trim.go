package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// Trimming the feed. Save writes a slot in a feed entry for every change,
// blindly, so the slots of an identity pile up as it is saved again. A
// trimmer goroutine of each writable store empties the slots that a later
// slot of the same identity supersedes, and deletes the entries left
// empty: a watcher that has not read such a slot reads the later one,
// which delivers the same record (see feed.go). It trims a namespace once
// the changes saved to it since its last trim outnumber the slots that
// trim kept (and trimMin), so that the feed names at most about twice the
// namespace's identities, and the work is at most about four reads of a
// slot per change saved (two when no slot is superseded, as for new
// identities).
//
// A trim reads the namespace's entries up to its synced revision, keeping
// the latest revision of each identity in memory, then reads them again
// and rewrites those that changed, in unsynced batches: a crash may undo
// some of it, which the next trim redoes. An emptied slot keeps its place
// (two zero bytes), since a slot's revision is its place in the entry. It
// holds the store for reading, one read or batch at a time, so that Close
// waits for that at most.

// trimMin is how many entries a namespace gets before its first trim.
const trimMin = 4096

// trimBatch is how many entries a trim deletes per batch.
const trimBatch = 10_000

// trimmer is the goroutine that trims namespaces handed to it.
type trimmer struct {
	queue   chan string
	stopped chan struct{}
}

// wantTrim reports whether sp, after n more entries, should be trimmed,
// and marks it as queued if so; the feed's lock must be held.
func (sp *space) wantTrim(n uint64) bool {
	sp.written += n
	if sp.trimming || sp.written < max(trimMin, sp.kept) {
		return false
	}
	sp.trimming = true
	return true
}

// queueTrim hands namespace to the trimmer, unless its queue is full; the
// feed's lock must be held.
func (f *feed) queueTrim(namespace string, sp *space) {
	if f.trim == nil {
		sp.trimming = false
		return
	}
	select {
	case f.trim.queue <- namespace:
	default:
		sp.trimming = false // tried again at the next save
	}
}

// startTrimmer starts the trimmer of a writable store.
func (d *driver) startTrimmer() {
	d.feed.trim = &trimmer{queue: make(chan string, 64), stopped: make(chan struct{})}
	go d.runTrimmer()
}

// runTrimmer trims the namespaces queued until the store closes.
func (d *driver) runTrimmer() {
	defer close(d.feed.trim.stopped)
	for {
		select {
		case <-d.feed.done:
			return
		case ns := <-d.feed.trim.queue:
			if err := d.trimFeed(ns); err != nil && !d.isClosing() {
				fmt.Fprintf(os.Stderr, "pebblestore: trim the feed of %q in %q: %v\n", ns, d.dir, err)
			}
		}
	}
}

func (d *driver) isClosing() bool {
	select {
	case <-d.feed.done:
		return true
	default:
		return false
	}
}

// trimFeed deletes the feed entries of namespace that a later entry of the
// same identity supersedes, up to the namespace's synced revision.
func (d *driver) trimFeed(namespace string) error {
	d.feed.mu.Lock()
	sp := d.feed.spaces[namespace]
	synced, written := sp.synced, sp.written
	slots := sp.kept + written
	d.feed.mu.Unlock()
	kept, err := d.trimUpTo(namespace, synced, slots)
	d.feed.mu.Lock()
	defer d.feed.mu.Unlock()
	sp.trimming = false
	if err == nil {
		sp.kept = kept
		sp.written -= min(sp.written, written)
	}
	return err
}

// trimUpTo empties the slots of namespace's feed entries up to revision
// upTo that a later slot of the same identity supersedes, deletes the
// entries left empty, and returns how many slots it kept. It reads the
// entries twice: once for the latest revision of each identity, and, if
// that found a superseded slot, once to rewrite them. slots, an estimate
// of the slots it will read, sizes its memory.
func (d *driver) trimUpTo(namespace string, upTo uint64, slots uint64) (uint64, error) {
	latest := make(map[string]uint64, min(slots, 1<<20))
	superseded := false
	err := d.eachEntry(namespace, upTo, func(_ []byte, last uint64, v []byte) error {
		return eachSlot(v, last, func(rev uint64, identity []byte) bool {
			if identity == nil {
				return true
			}
			if _, ok := latest[string(identity)]; ok {
				superseded = true
			}
			latest[string(identity)] = rev
			return true
		})
	})
	if err != nil || !superseded {
		return uint64(len(latest)), err // nothing to rewrite
	}
	type rewrite struct{ key, value []byte } // value nil: delete
	var rewrites []rewrite
	err = d.eachEntry(namespace, upTo, func(k []byte, last uint64, v []byte) error {
		var out []byte
		changed, live := false, false
		err := eachSlot(v, last, func(rev uint64, identity []byte) bool {
			if identity != nil && latest[string(identity)] == rev {
				live = true
				out = append(append(out, identity...), 0)
				return true
			}
			changed = changed || identity != nil
			out = append(out, 0, 0)
			return true
		})
		switch {
		case err != nil:
			return err
		case !live:
			rewrites = append(rewrites, rewrite{key: bytes.Clone(k)})
		case changed:
			rewrites = append(rewrites, rewrite{key: bytes.Clone(k), value: append(bytes.Clone(v[:revisionSize]), out...)})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for len(rewrites) > 0 {
		n := min(len(rewrites), trimBatch)
		err := d.trimStep(func() error {
			b := d.db.NewBatch()
			defer b.Close()
			for _, r := range rewrites[:n] {
				var err error
				if r.value == nil {
					err = b.Delete(r.key, nil)
				} else {
					err = b.Set(r.key, r.value, nil)
				}
				if err != nil {
					return err
				}
			}
			return b.Commit(pebble.NoSync)
		})
		if err != nil {
			return 0, err
		}
		rewrites = rewrites[n:]
	}
	return uint64(len(latest)), nil
}

// eachEntry calls f with the key, revision and value of each feed entry of
// namespace up to revision upTo, with the store held for reading.
func (d *driver) eachEntry(namespace string, upTo uint64, f func(k []byte, last uint64, v []byte) error) error {
	return d.trimStep(func() error {
		lower, _ := feedBounds(namespace, 0)
		upper := append(feedKey(nil, namespace, upTo), 0)
		it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return err
		}
		for ok := it.First(); ok; ok = it.Next() {
			k := it.Key()
			if len(k) != len(lower) {
				continue // damaged: left to the purges
			}
			v, err := it.ValueAndErr()
			if err != nil {
				break // Close reports it
			}
			if err := f(k, binary.BigEndian.Uint64(k[len(k)-revisionSize:]), v); err != nil {
				_ = it.Close()
				return err
			}
		}
		return it.Close()
	})
}

// trimStep runs fn with the store held for reading, unless it is closed.
func (d *driver) trimStep(fn func() error) error {
	unlock, err := d.use(context.Background())
	if err != nil {
		return err
	}
	defer unlock()
	if d.isClosing() {
		return unionstore.ErrClosed
	}
	return d.guard("trim the feed", fn)
}
