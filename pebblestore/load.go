package pebblestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// Load returns the latest change of each identity in namespace, tombstones
// included, sorted by kind then id, read from one snapshot of the database.
// It takes time and memory linear in the size of the namespace. If saves
// have left the namespace's counts stale (see [Store.Namespaces]), Load,
// which reads every record anyway, writes back the counts of its snapshot
// on a store opened for writing, an unsynced write under the lock that
// saves wait for.
//
// A stored record that cannot be decoded does not stop Load: Load returns
// every record that decodes together with a non-nil error that joins a
// [unionstore.DecodeError] (naming namespace, kind and id) for each bad one,
// up to ten, and counts the rest. Other errors (ctx done, wrapping
// ctx.Err(); Close, [unionstore.ErrClosed]; damage in the directory,
// wrapping [ErrCorrupt]; another read error of pebble) come with no
// changes.
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: load %q: %w", namespace, err)
	}
	defer unlock()
	var out unionstore.Changes[E]
	var bad unionstore.DecodeErrors
	err = s.guard("load", func() error {
		snap := s.db.NewSnapshot()
		defer snap.Close()
		st, err := readState(snap, namespace)
		if err != nil {
			return err
		}
		// The counts size the result; a damaged counts record must not
		// make Load reserve unbounded memory, so the hint is capped.
		out = make(unionstore.Changes[E], 0, min(st.counts.sets+st.counts.unsets, maxPrealloc))
		var c counts
		err = s.each(ctx, snap, namespace, nil, func(k, v []byte) bool {
			ch, err := s.decode(namespace, k, v)
			if err != nil {
				bad.Add(err)
				return true
			}
			c.add(ch.ChangeType, 1)
			out = append(out, ch)
			return true
		})
		if err != nil || st.stamp == nil || s.readOnly {
			return err
		}
		st.counts = c
		return s.settle([]*nsState{&st}, partial)
	})
	if err != nil {
		return nil, fmt.Errorf("pebblestore: load %q from %q: %w", namespace, s.dir, err)
	}
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("pebblestore: load %q from %q: %w", namespace, s.dir, err)
	}
	return out, nil
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
			st.counts = decodeCounts(v)
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
func (s *Store[E]) each(ctx context.Context, r pebble.Reader, namespace string, after []byte, f func(k, v []byte) bool) error {
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
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				_ = it.Close()
				return err
			}
		}
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("read record %q: %w", it.Key(), err)
		}
		if !f(it.Key(), v) {
			break
		}
		ok = it.Next()
	}
	return it.Close() // Close returns the iterator's error, if any
}

// scanPage is how many records Scan reads with one iterator.
const scanPage = 512

// Scan yields what Load returns, in the same order, reading the namespace in
// pages of a few hundred records. It holds an iterator only while it reads
// a page, never while the loop body runs, so the body may Save to the same
// store or Close it; the price is that the walk is not one snapshot: a
// change saved during the walk is seen if its key is still ahead of the
// walk. Each identity is yielded at most once.
//
// Undecodable records are skipped and reported, as by Load, in one error
// yielded last. The sequence may be walked more than once; each walk reads
// the database afresh. Memory stays bounded by the page size.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		var after []byte
		var bad unionstore.DecodeErrors
		for {
			page, err := s.readPage(ctx, namespace, after)
			if err != nil {
				yield(unionstore.Change[E]{}, err)
				return
			}
			for _, r := range page {
				ch, err := s.decode(namespace, r.key, r.value)
				if err != nil {
					bad.Add(err)
					continue
				}
				if !yield(ch, nil) {
					return
				}
			}
			if len(page) < scanPage {
				break
			}
			after = page[len(page)-1].key
		}
		if err := bad.Err(); err != nil {
			yield(unionstore.Change[E]{}, fmt.Errorf("pebblestore: scan %q of %q: %w", namespace, s.dir, err))
		}
	}
}

type rawRecord struct{ key, value []byte }

// readPage copies up to scanPage records that follow the key after (from
// the start if after is nil).
func (s *Store[E]) readPage(ctx context.Context, namespace string, after []byte) ([]rawRecord, error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: scan %q: %w", namespace, err)
	}
	defer unlock()
	page := make([]rawRecord, 0, scanPage)
	err = s.guard("scan", func() error {
		return s.each(ctx, s.db, namespace, after, func(k, v []byte) bool {
			page = append(page, rawRecord{bytes.Clone(k), bytes.Clone(v)})
			return len(page) < scanPage
		})
	})
	if err != nil {
		return nil, fmt.Errorf("pebblestore: scan %q from %q: %w", namespace, s.dir, err)
	}
	return page, nil
}

// Get returns the latest change of the identity (namespace, kind, id), a
// tombstone included, and true; or a zero change and false when the store
// holds nothing for it. It is one pebble point lookup. A record that does
// not decode gives a [unionstore.DecodeError]; ctx done, an error wrapping
// ctx.Err(); after Close, [unionstore.ErrClosed]; damage in the directory,
// an error wrapping [ErrCorrupt].
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	var zero unionstore.Change[E]
	unlock, err := s.use(ctx)
	if err != nil {
		return zero, false, fmt.Errorf("pebblestore: get %q %q %q: %w", namespace, kind, id, err)
	}
	defer unlock()
	if namespace == "" || id == "" {
		return zero, false, nil // Save never stores these
	}
	key := recordKey(nil, namespace, kind, id)
	var ch unionstore.Change[E]
	found := true
	var derr error
	err = s.guard("get", func() error {
		v, closer, err := s.db.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			found = false
			return nil
		}
		if err != nil {
			return err
		}
		defer closer.Close()
		ch, derr = s.decode(namespace, key, v)
		return nil
	})
	switch {
	case err != nil:
		return zero, false, fmt.Errorf("pebblestore: get %q %q %q from %q: %w", namespace, kind, id, s.dir, err)
	case !found:
		return zero, false, nil
	case derr != nil:
		return zero, false, fmt.Errorf("pebblestore: get from %q: %w", s.dir, derr)
	}
	return ch, true, nil
}

// decode turns a stored record into a change. v may belong to pebble: the
// codec does not keep the payload (see unionstore.Codec), and splitKey
// copies kind and id into strings.
func (s *Store[E]) decode(namespace string, k, v []byte) (unionstore.Change[E], error) {
	var ch unionstore.Change[E]
	kind, id, err := splitKey(k, namespace)
	if err != nil {
		return ch, &unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: fmt.Sprintf("%q", k), Err: err}
	}
	h, payload, err := decodeValue(v)
	if err != nil {
		return ch, &unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: id, Err: err}
	}
	e, err := unionstore.DecodeEntity(s.codec, namespace, kind, id, payload)
	if err != nil {
		return ch, err
	}
	return unionstore.Change[E]{Namespace: namespace, ChangeType: h.changeType, Entity: e, Timestamp: h.time()}, nil
}
