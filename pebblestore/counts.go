package pebblestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// How the per-namespace counts stay right without a read in Save.
//
// A blind save does not know whether it adds an identity, replaces a set
// by a tombstone or loses to a later change, so it cannot adjust the
// counts. Instead it marks them stale: with its records, in the same
// batch, it sets the namespace's marker key to a stamp that no other save
// uses. Namespaces lists the stored counts of namespaces without a marker,
// and recounts those with one from a snapshot of their records; on a
// writable store it then writes the recounted counts and deletes the
// marker, unless a save or purge has changed the marker since the
// snapshot, in which case the namespace stays stale and the next call
// recounts it again. That check and the write run under the store's gate,
// which every save holds for reading while it applies its batch, so no
// save can slip between them. The check alone also keeps the counts of an
// older snapshot from overwriting those of a newer one: two snapshots
// that saw the same stamp saw the same records, and the first write-back
// deletes the marker that the second would need. Load settles its own
// namespace the same way; Namespaces' recounts run one at a time
// (countMu), which only spares repeated work.
//
// A crash loses nothing: the marker is in the save's own batch, and a
// lost write-back leaves it in place.

// stampSize is the size of a marker's value: the store's nonce, drawn at
// Open, and a sequence number of this session.
const stampSize = 16

// stamper hands out marker values that no other save, of this session or
// another, has written.
type stamper struct {
	nonce [8]byte
	seq   atomic.Uint64
}

func newStamper() (*stamper, error) {
	st := &stamper{}
	if _, err := rand.Read(st.nonce[:]); err != nil {
		return nil, fmt.Errorf("draw the session's nonce: %w", err)
	}
	return st, nil
}

func (st *stamper) next() []byte {
	v := make([]byte, stampSize)
	copy(v, st.nonce[:])
	binary.BigEndian.PutUint64(v[8:], st.seq.Add(1))
	return v
}

// Namespaces returns every namespace with its counts of entities and
// tombstones, sorted by name. It reads one small record per namespace,
// and in one snapshot, the records of each namespace saved to or purged
// since the last call, to count them: the first call after a save to a
// namespace of n records costs a read of those n. On a store opened for
// writing it keeps what it counted, so that the next call reads only the
// counts again (an unsynced write, which a crash may lose, to be counted
// again). Calls count one at a time.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	unlock, err := d.use(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []unionstore.NamespaceStat
	err = d.guard("namespaces", func() (err error) {
		out, err = d.namespaces(ctx)
		return err
	})
	return out, err
}

// nsState is what a snapshot holds of one namespace: its stored counts,
// and its marker's stamp if the counts are stale (nil if not).
type nsState struct {
	name   string
	counts backend.Counts
	stamp  []byte
}

func (d *driver) namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	if !d.readOnly {
		d.countMu.Lock()
		defer d.countMu.Unlock()
	}
	marks := d.marks.Load()
	snap := d.db.NewSnapshot()
	defer snap.Close()
	skip := d.unmarkedAt.Load() == marks+1
	states, err := d.readStates(ctx, snap, skip)
	if err != nil {
		return nil, err
	}
	var stale []*nsState
	for i := range states {
		if states[i].stamp != nil {
			stale = append(stale, &states[i])
		}
	}
	if len(stale) > 0 {
		if err := recount(ctx, snap, stale); err != nil {
			return nil, err
		}
		if !d.readOnly {
			if err := d.settle(stale, marks); err != nil {
				return nil, err
			}
		}
	} else if !skip {
		d.noteUnmarked(marks)
	}
	out := make([]unionstore.NamespaceStat, 0, len(states))
	for _, st := range states {
		if st.counts.Sets+st.counts.Unsets == 0 {
			continue
		}
		out = append(out, unionstore.NamespaceStat{Namespace: st.name, Entities: clampInt(st.counts.Sets), Tombstones: clampInt(st.counts.Unsets)})
	}
	return out, nil
}

// readStates reads the counts and markers of every namespace from snap,
// sorted by name, and skips the markers if noMarkers. The previous call's
// number of namespaces sizes the list.
func (d *driver) readStates(ctx context.Context, snap *pebble.Snapshot, noMarkers bool) ([]nsState, error) {
	states := make([]nsState, 0, d.nsHint.Load())
	err := eachKey(ctx, snap, prefixCount, func(k, v []byte) {
		states = append(states, nsState{name: string(k), counts: backend.DecodeCounts(v)})
	})
	if err != nil {
		return nil, fmt.Errorf("read the counts: %w", err)
	}
	if noMarkers {
		d.nsHint.Store(int64(len(states)))
		return states, nil
	}
	// Markers are few next to counts: merge them in, in name order.
	var marked []nsState
	err = eachKey(ctx, snap, prefixMarker, func(k, v []byte) {
		marked = append(marked, nsState{name: string(k), stamp: bytes.Clone(v)})
	})
	if err != nil {
		return nil, fmt.Errorf("read the stale-counts markers: %w", err)
	}
	if len(marked) > 0 {
		states = mergeStates(states, marked)
	}
	d.nsHint.Store(int64(len(states)))
	return states, nil
}

// mergeStates merges the marked namespaces into the counted ones, both
// sorted by name.
func mergeStates(counted, marked []nsState) []nsState {
	out := make([]nsState, 0, len(counted)+len(marked))
	i := 0
	for _, m := range marked {
		for i < len(counted) && counted[i].name < m.name {
			out = append(out, counted[i])
			i++
		}
		if i < len(counted) && counted[i].name == m.name {
			m.counts = counted[i].counts
			i++
		}
		out = append(out, m)
	}
	return append(out, counted[i:]...)
}

// eachKey calls f with every key of the key range prefix, the prefix byte
// cut off, and its value; both are valid only during the call.
func eachKey(ctx context.Context, snap *pebble.Snapshot, prefix byte, f func(k, v []byte)) error {
	it, err := snap.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			break // Close reports it
		}
		f(it.Key()[1:], v)
	}
	return it.Close()
}

// nextBeforeSeek is how many records recount and settle step over with
// Next before they seek instead: stale namespaces are often neighbours,
// and a step costs far less than a seek, which may read blocks afresh.
const nextBeforeSeek = 16

// skipTo moves it to the first key at or after key, and reports whether
// there is one; it must be at a key before key, or exhausted (ok false).
func skipTo(it *pebble.Iterator, ok bool, key []byte) bool {
	for steps := 0; ok && bytes.Compare(it.Key(), key) < 0; steps++ {
		if steps == nextBeforeSeek {
			return it.SeekGE(key)
		}
		ok = it.Next()
	}
	return ok
}

// recount counts the records of each stale namespace in snap, with one
// iterator that moves forward only; a record that does not decode is not
// counted.
func recount(ctx context.Context, snap *pebble.Snapshot, stale []*nsState) error {
	it, err := snap.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: []byte{prefixRecord}, UpperBound: []byte{prefixRecord + 1}})
	if err != nil {
		return err
	}
	n := 0
	lower, _ := namespaceBounds(stale[0].name)
	ok := it.SeekGE(lower)
	for _, st := range stale {
		lower, upper := namespaceBounds(st.name)
		var c backend.Counts
		for ok = skipTo(it, ok, lower); ok && bytes.Compare(it.Key(), upper) < 0; ok = it.Next() {
			n++
			v, err := value(ctx, it, n)
			if err != nil {
				return fmt.Errorf("count namespace %q: %w", st.name, err)
			}
			if h, _, err := decodeValue(v); err == nil {
				c.Add(h.changeType, 1)
			}
		}
		st.counts = c
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("count the records: %w", err)
	}
	return nil
}

// settle writes the recounted counts of the stale namespaces whose marker
// still holds the stamp that the snapshot saw, and deletes those markers.
// It holds the gate, so that no save applies between its reading of a
// marker and its write.
func (d *driver) settle(stale []*nsState, marks uint64) error {
	d.gate.Lock()
	defer d.gate.Unlock()
	cleared := 0
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixMarker}, UpperBound: []byte{prefixMarker + 1}})
	if err != nil {
		return err
	}
	b := d.db.NewBatch()
	defer b.Close()
	ok := it.SeekGE(markerKey(stale[0].name))
	for _, st := range stale {
		key := markerKey(st.name)
		if ok = skipTo(it, ok, key); !ok || !bytes.Equal(it.Key(), key) {
			continue // purged since the snapshot
		}
		v, err := it.ValueAndErr()
		if err != nil {
			break // Close reports it
		}
		if !bytes.Equal(v, st.stamp) {
			continue // saved to since the snapshot: still stale
		}
		if err := b.Delete(key, nil); err != nil {
			_ = it.Close()
			return err
		}
		if st.counts.Sets+st.counts.Unsets == 0 {
			err = b.Delete(countKey(st.name), nil)
		} else {
			err = b.Set(countKey(st.name), st.counts.Encode(), nil)
		}
		if err != nil {
			_ = it.Close()
			return err
		}
		cleared++
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("read the stale-counts markers: %w", err)
	}
	if b.Empty() {
		return nil
	}
	d.wrote.Store(true)
	if err := d.db.Apply(b, pebble.NoSync); err != nil {
		return fmt.Errorf("write the recounted counts: %w", err)
	}
	if cleared == len(stale) && marks != partial {
		d.noteUnmarked(marks)
	}
	return nil
}

// partial is the marks argument of settle for a snapshot of some
// namespaces only (Load's), which cannot show that no marker is left.
const partial = ^uint64(0)

// noteUnmarked records that the store held no marker when marks counted
// what it counts now (a snapshot taken after marks was read showed none
// but those the caller cleared), so that Namespaces skips the marker
// range, whose deleted keys it would otherwise step over, until the next
// write that sets a marker bumps marks past it for good. A write that
// applied after the snapshot but has not yet bumped marks is missed by
// the listings in between, which, like its Save, have not returned.
func (d *driver) noteUnmarked(marks uint64) { d.unmarkedAt.Store(marks + 1) }
