package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"iter"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
)

// Load returns the latest change of each identity in namespace, tombstones
// included, sorted by kind then id, read from one consistent snapshot of the
// file. It takes time and memory linear in the size of the namespace.
//
// A stored record that cannot be decoded does not stop Load: Load returns
// every record that decodes together with a non-nil error that joins a
// [unionstore.DecodeError] (naming namespace, kind and id) for each bad one,
// up to ten, and counts the rest. Callers that want all or nothing treat any
// error as failure; callers that want to salvage a damaged namespace use the
// changes they got. Other errors (ctx done, wrapping ctx.Err(); Close,
// [unionstore.ErrClosed]) come with no changes.
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return nil, fmt.Errorf("boltstore: load %q: %w", namespace, err)
	}
	defer unlock()
	var out unionstore.Changes[E]
	var bad unionstore.DecodeErrors
	err = contain(s.path, "load", func() error {
		return s.db.View(func(tx *bolt.Tx) (err error) {
			out, err = s.loadTx(ctx, tx, namespace, &bad)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: load %q from %q: %w", namespace, s.path, err)
	}
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("boltstore: load %q from %q: %w", namespace, s.path, err)
	}
	return out, nil
}

// loadTx reads every record of namespace in tx, adding those that do not
// decode to bad.
func (s *Store[E]) loadTx(ctx context.Context, tx *bolt.Tx, namespace string, bad *unionstore.DecodeErrors) (unionstore.Changes[E], error) {
	b := namespaceBucket(tx, namespace)
	if b == nil {
		return nil, nil
	}
	// The counts size the result; a damaged counts record must not make
	// Load allocate without bound, so the hint is capped.
	n := decodeCounts(tx.Bucket(countsBucket).Get([]byte(namespace)))
	out := make(unionstore.Changes[E], 0, min(n.sets, maxPrealloc)+min(n.unsets, maxPrealloc))
	var buf []byte
	c := b.Cursor()
	i := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if i++; i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ch, err := s.decode(namespace, k, v, &buf)
		if err != nil {
			bad.Add(err)
			continue
		}
		out = append(out, ch)
	}
	return out, nil
}

// maxPrealloc caps the capacity Load reserves from each stored count.
const maxPrealloc = 1 << 20

// scanPage is how many records Scan reads per read transaction.
const scanPage = 256

// Scan yields what Load returns, in the same order, reading the namespace in
// pages of a few hundred records. It holds a read transaction only while it
// reads a page, never while the loop body runs, so the body may Save to the
// same store and writers never wait on a slow reader; the price is that the
// walk is not one snapshot: a change saved during the walk is seen if its
// key is still ahead of the walk. Each identity is yielded at most once.
//
// Undecodable records are skipped and reported, as by Load, in one error
// yielded last. The sequence may be walked more than once; each walk reads
// the file afresh. Memory stays bounded by the page size.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		var after, buf []byte
		var bad unionstore.DecodeErrors
		for {
			page, more, err := s.readPage(ctx, namespace, after)
			if err != nil {
				yield(unionstore.Change[E]{}, err)
				return
			}
			for _, r := range page {
				ch, err := s.decode(namespace, r.key, r.value, &buf)
				if err != nil {
					bad.Add(err)
					continue
				}
				if !yield(ch, nil) {
					return
				}
			}
			if !more {
				break
			}
			after = page[len(page)-1].key
		}
		if err := bad.Err(); err != nil {
			yield(unionstore.Change[E]{}, fmt.Errorf("boltstore: scan %q of %q: %w", namespace, s.path, err))
		}
	}
}

type rawRecord struct{ key, value []byte }

// readPage copies up to scanPage records that follow the key after (from the
// start if after is nil), and reports whether more may follow.
func (s *Store[E]) readPage(ctx context.Context, namespace string, after []byte) ([]rawRecord, bool, error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("boltstore: scan %q: %w", namespace, err)
	}
	defer unlock()
	var page []rawRecord
	err = contain(s.path, "scan", func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			b := namespaceBucket(tx, namespace)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(page) < scanPage; k, v = c.Next() {
				page = append(page, rawRecord{bytes.Clone(k), bytes.Clone(v)})
			}
			return nil
		})
	})
	if err != nil {
		return nil, false, fmt.Errorf("boltstore: scan %q from %q: %w", namespace, s.path, err)
	}
	return page, len(page) == scanPage, nil
}

func namespaceBucket(tx *bolt.Tx, namespace string) *bolt.Bucket {
	records := tx.Bucket(recordsBucket)
	if records == nil || namespace == "" {
		return nil
	}
	return records.Bucket([]byte(namespace))
}

// decode turns a stored record into a change. v may belong to a read
// transaction: the codec does not keep the payload (see unionstore.Codec),
// and decodeKey copies kind and id into strings. A compressed payload is
// decompressed into *buf, which is kept for the next record.
func (s *Store[E]) decode(namespace string, k, v []byte, buf *[]byte) (unionstore.Change[E], error) {
	var ch unionstore.Change[E]
	kind, id, err := decodeKey(k)
	if err != nil {
		return ch, &unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: fmt.Sprintf("%q", k), Err: err}
	}
	derr := func(err error) error {
		return &unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: id, Err: err}
	}
	if v == nil {
		return ch, derr(fmt.Errorf("%w: a bucket where a record should be", ErrCorrupt))
	}
	h, payload, b, err := decodeValue(v, *buf)
	*buf = b
	if err != nil {
		return ch, derr(err)
	}
	e, err := unionstore.DecodeEntity(s.codec, namespace, kind, id, payload)
	if err != nil {
		return ch, err
	}
	return unionstore.Change[E]{Namespace: namespace, ChangeType: h.changeType, Entity: e, Timestamp: h.time()}, nil
}

// Namespaces returns every namespace of the file with its counts of
// entities and tombstones, sorted by name. The counts are kept by Save, so
// Namespaces reads one small record per namespace.
func (s *Store[E]) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	unlock, err := s.use(ctx)
	if err != nil {
		return nil, fmt.Errorf("boltstore: namespaces: %w", err)
	}
	defer unlock()
	var out []unionstore.NamespaceStat
	err = contain(s.path, "namespaces", func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(countsBucket)
			if b == nil {
				return nil
			}
			out = make([]unionstore.NamespaceStat, 0, b.Stats().KeyN)
			return b.ForEach(func(k, v []byte) error {
				c := decodeCounts(v)
				if c.sets+c.unsets == 0 {
					return nil
				}
				out = append(out, unionstore.NamespaceStat{Namespace: string(k), Entities: int(c.sets), Tombstones: int(c.unsets)})
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: namespaces of %q: %w", s.path, err)
	}
	return out, nil
}
