package pebblestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore/backend"
)

// LoadVisit calls visit with the latest record of each identity in
// namespace, tombstones included, sorted by kind then id, read from one
// snapshot of the database. A record's payload points into pebble's
// memory until visit returns: nothing is copied. It takes time linear in
// the size of the namespace. If saves have left the namespace's counts
// stale (see counts.go), LoadVisit, which reads every record anyway,
// writes back the counts of its snapshot on a store opened for writing,
// an unsynced write under the gate. A record whose key or value does not
// follow the layout comes as a damaged record (see recordOf), for the
// store to report.
func (d *driver) LoadVisit(ctx context.Context, namespace string, visit func(backend.Record)) error {
	return d.load(ctx, namespace, nil, func(k, v []byte) backend.Record {
		r := recordOf(namespace, k, v, nil)
		visit(r)
		return r
	})
}

// loadRecords returns what LoadVisit visits, their payloads copied out of
// pebble, for Snapshot.
func (d *driver) loadRecords(ctx context.Context, namespace string) ([]backend.Record, error) {
	var out []backend.Record
	var a arena
	err := d.load(ctx, namespace, func(n int) { out = make([]backend.Record, 0, n) }, func(k, v []byte) backend.Record {
		r := recordOf(namespace, k, v, &a)
		out = append(out, r)
		return r
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// load reads the records of namespace from one snapshot, calling f with
// the key and value of each in key order (f returns the record it made of
// them), after size with the namespace's stored count of records, capped,
// if size is not nil; then it settles the namespace's counts if they are
// stale (see LoadVisit).
func (d *driver) load(ctx context.Context, namespace string, size func(int), f func(k, v []byte) backend.Record) error {
	unlock, err := d.use(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return d.guard("load", func() error {
		snap := d.db.NewSnapshot()
		defer snap.Close()
		st, err := readState(snap, namespace)
		if err != nil {
			return err
		}
		if size != nil {
			// A damaged counts record must not make Load reserve
			// unbounded memory, so the hint is capped.
			size(int(min(st.counts.Sets+st.counts.Unsets, maxPrealloc)))
		}
		var c backend.Counts
		err = d.each(ctx, snap, namespace, nil, func(k, v []byte) bool {
			r := f(k, v)
			if r.Err == nil {
				c.Add(r.Type, 1)
			}
			return true
		})
		if err != nil || st.stamp == nil || d.readOnly {
			return err
		}
		st.counts = c
		return d.settle([]*nsState{&st}, partial)
	})
}

// readState reads the counts and the stale-counts marker of namespace from
// r.
func readState(r pebble.Reader, namespace string) (nsState, error) {
	st := nsState{name: namespace}
	for _, k := range [][]byte{countKey(namespace), markerKey(namespace)} {
		v, closer, err := r.Get(k)
		if errors.Is(err, pebble.ErrNotFound) {
			continue
		}
		if err != nil {
			return st, fmt.Errorf("read the counts of namespace %q: %w", namespace, err)
		}
		if k[0] == prefixCount {
			st.counts = backend.DecodeCounts(v)
		} else {
			st.stamp = bytes.Clone(v)
		}
		_ = closer.Close()
	}
	return st, nil
}

// maxPrealloc caps the capacity Load reserves from the stored counts.
const maxPrealloc = 1 << 20

// each calls f with the key and value of every record in r of namespace after
// the key after (from the start if after is nil), in key order, until f
// returns false. k and v are valid only during the call.
func (d *driver) each(ctx context.Context, r pebble.Reader, namespace string, after []byte, f func(k, v []byte) bool) error {
	lower, upper := namespaceBounds(namespace)
	it, err := r.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	ok := it.First()
	if after != nil {
		if ok = it.SeekGE(after); ok && bytes.Equal(it.Key(), after) {
			ok = it.Next()
		}
	}
	for i := 1; ok; i++ {
		v, err := value(ctx, it, i)
		if err != nil {
			return err
		}
		if !f(it.Key(), v) {
			break
		}
		ok = it.Next()
	}
	return it.Close() // Close returns the iterator's error, if any
}

// value returns the value of the record it is at, the n-th that its loop
// reads, after checking ctx every ctxCheckEvery records. On error it
// closes it; the error of a read names the record's key.
func value(ctx context.Context, it *pebble.Iterator, n int) ([]byte, error) {
	if n%ctxCheckEvery == 0 {
		if err := ctx.Err(); err != nil {
			_ = it.Close()
			return nil, err
		}
	}
	v, err := it.ValueAndErr()
	if err != nil {
		_ = it.Close()
		return nil, fmt.Errorf("read record %q: %w", it.Key(), err)
	}
	return v, nil
}

// scanPage is how many records Scan reads with one iterator.
const scanPage = 512

// Scan yields what Load returns, in the same order, reading the namespace
// in pages of a few hundred records. It holds an iterator only while it
// reads a page, never while the caller's loop body runs, so the body may
// save to the same store or close it; the price is that the walk is not
// one snapshot: a change saved during the walk is seen if its key is
// still ahead of the walk. Each identity is yielded at most once. A
// yielded record's payload is reused from the next page on; memory stays
// bounded by the page size.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		// The walk's own: the key to read after, and the arena that
		// holds the payloads of the page being yielded.
		var after []byte
		var a arena
		backend.ScanPages(scanPage, func(prev []backend.Record) (page []backend.Record, err error) {
			if prev == nil {
				prev = make([]backend.Record, 0, scanPage)
			}
			page, after, err = d.readPage(ctx, namespace, after, prev[:0], &a)
			return page, err
		})(yield)
	}
}

// readPage appends to page up to scanPage records that follow the key
// after (from the start if after is nil), their payloads copied into a,
// which it empties first, and returns it with the key of its last record.
func (d *driver) readPage(ctx context.Context, namespace string, after []byte, page []backend.Record, a *arena) ([]backend.Record, []byte, error) {
	unlock, err := d.use(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	a.reset()
	var last []byte
	err = d.guard("scan", func() error {
		return d.each(ctx, d.db, namespace, after, func(k, v []byte) bool {
			page = append(page, recordOf(namespace, k, v, a))
			if len(page) < scanPage {
				return true
			}
			last = bytes.Clone(k)
			return false
		})
	})
	return page, last, err
}

// Get returns the latest record of the identity (namespace, kind, id), a
// tombstone included, and true; or false when the store holds nothing for
// it. It is one pebble point lookup. A record whose value does not follow
// the layout comes as a damaged record whose error wraps [ErrCorrupt].
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	unlock, err := d.use(ctx)
	if err != nil {
		return backend.Record{}, false, err
	}
	defer unlock()
	if namespace == "" || id == "" {
		return backend.Record{}, false, nil // Save never stores these
	}
	var r backend.Record
	var found bool
	err = d.guard("get", func() (err error) {
		r, found, err = d.getRecord(namespace, kind, id, nil)
		return err
	})
	return r, found && err == nil, err
}

// getRecord reads the record of an identity, its payload copied into a
// (a fresh slice if a is nil), and reports whether there is one. A record
// whose value does not follow the layout comes as a damaged record
// ([backend.Damaged]) whose error wraps [ErrCorrupt]; err is pebble's.
func (d *driver) getRecord(namespace, kind, id string, a *arena) (r backend.Record, found bool, err error) {
	v, closer, err := d.db.Get(recordKey(nil, namespace, kind, id))
	if errors.Is(err, pebble.ErrNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	defer closer.Close()
	h, payload, err := decodeValue(v)
	if err != nil {
		return backend.Damaged(namespace, kind, id, err), true, nil
	}
	if a == nil {
		payload = bytes.Clone(payload)
	} else {
		payload = a.copy(payload)
	}
	return backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: h.changeType, Timestamp: h.nanos, Payload: payload}, true, nil
}

// LoadSize returns the namespace's stored count of records, capped, for
// Load to size its result: a hint, 0 when unknown or unreadable.
func (d *driver) LoadSize(namespace string) int {
	unlock, err := d.use(context.Background())
	if err != nil {
		return 0
	}
	defer unlock()
	n := 0
	_ = d.guard("load", func() error {
		st, err := readState(d.db, namespace)
		if err == nil {
			n = int(min(st.counts.Sets+st.counts.Unsets, maxPrealloc))
		}
		return err
	})
	return n
}
