package boltstore

import (
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Feed chunks. A namespace's feed is a run of chunks, each the feed
// entries of up to chunkSlots consecutive revisions: the key is the
// highest revision, the value the lowest, then for each revision in order
// a slot, the uvarint length and the key(kind, id) of its record, or the
// length 0 once that record has moved on. One chunk holds the changes of
// one transaction only, so a save of n changes puts about n/chunkSlots
// keys in the feed, and 14 bytes or so a change, not a key and element
// header each. A record that a save replaces empties its slot: the chunks
// a transaction touches that way are rewritten once each, at its end.

// chunkSlots is the most revisions a chunk holds: a chunk rewritten for
// one emptied slot costs about as much as a record.
const chunkSlots = 64

// chunkWriter builds the chunks of one namespace in one transaction.
type chunkWriter struct {
	bucket *bolt.Bucket
	value  []byte // the chunk being built, nil if none
	n      int    // its slots
	last   uint64 // its highest revision
	moved  []uint64
}

// add adds the slot of revision rev, naming key.
func (w *chunkWriter) add(rev uint64, key []byte) error {
	if w.value == nil {
		w.value = binary.BigEndian.AppendUint64(make([]byte, 0, revisionSize+chunkSlots*(len(key)+1)), rev)
	}
	w.value = binary.AppendUvarint(w.value, uint64(len(key)))
	w.value = append(w.value, key...)
	w.n, w.last = w.n+1, rev
	if w.n == chunkSlots {
		return w.flush()
	}
	return nil
}

// flush puts the chunk being built. bbolt keeps the value until the
// transaction commits, so the next chunk is a new slice.
func (w *chunkWriter) flush() error {
	if w.value == nil {
		return nil
	}
	err := w.bucket.Put(revisionKey(w.last), w.value)
	w.value, w.n = nil, 0
	return err
}

// finish puts the last chunk and empties the slots of the revisions in
// moved.
func (w *chunkWriter) finish() error {
	if err := w.flush(); err != nil {
		return err
	}
	return emptySlots(w.bucket, w.moved)
}

// emptySlots empties the slots of the revisions revs in the chunks of
// feed, rewriting each chunk it touches once, and deleting those left
// with no slot.
func emptySlots(feed *bolt.Bucket, revs []uint64) error {
	slices.Sort(revs)
	c := feed.Cursor()
	for len(revs) > 0 {
		k, v := c.Seek(revisionKey(revs[0]))
		if k == nil || len(k) != revisionSize {
			return nil // no chunk holds it: nothing to empty
		}
		hi := binary.BigEndian.Uint64(k)
		n := 0
		for n < len(revs) && revs[n] <= hi {
			n++
		}
		out, live, err := emptyChunk(v, hi, revs[:n])
		if err != nil {
			return err
		}
		if live {
			err = feed.Put(revisionKey(hi), out)
		} else {
			err = feed.Delete(revisionKey(hi))
		}
		if err != nil {
			return err
		}
		revs = revs[n:]
	}
	return nil
}

// emptyChunk returns the chunk v of highest revision hi with the slots of
// revs, sorted, emptied, and whether a slot is left.
func emptyChunk(v []byte, hi uint64, revs []uint64) ([]byte, bool, error) {
	out := make([]byte, revisionSize, len(v))
	copy(out, v)
	live := false
	err := eachSlot(v, hi, func(rev uint64, key []byte) bool {
		for len(revs) > 0 && revs[0] < rev {
			revs = revs[1:]
		}
		if len(revs) > 0 && revs[0] == rev {
			key = nil
		}
		live = live || len(key) > 0
		out = binary.AppendUvarint(out, uint64(len(key)))
		out = append(out, key...)
		return true
	})
	return out, live, err
}

// eachSlot calls f with the revision and key of each slot of the chunk v
// of highest revision hi, in order, the key empty for an emptied slot,
// until f returns false.
func eachSlot(v []byte, hi uint64, f func(rev uint64, key []byte) bool) error {
	if len(v) < revisionSize {
		return fmt.Errorf("%w: feed chunk %d of %d bytes", ErrCorrupt, hi, len(v))
	}
	rev := binary.BigEndian.Uint64(v)
	rest := v[revisionSize:]
	for ; len(rest) > 0; rev++ {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return fmt.Errorf("%w: feed chunk %d: slot of revision %d cut short", ErrCorrupt, hi, rev)
		}
		if !f(rev, rest[w:w+int(n)]) {
			return nil
		}
		rest = rest[w+int(n):]
	}
	if rev-1 != hi {
		return fmt.Errorf("%w: feed chunk %d ends at revision %d", ErrCorrupt, hi, rev-1)
	}
	return nil
}
