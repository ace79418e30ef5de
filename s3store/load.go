package s3store

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/unionstore/unionstore"
)

// Load returns the latest change of each identity in namespace, tombstones
// included, sorted by kind then id bytewise. It sends one LIST request per
// 1,000 segments and one GET per segment, the GETs concurrently (see
// [WithConcurrency]), and merges the segments as they stream in; only the
// winning change of each identity is decoded. Timestamps are returned in
// UTC. To read a large namespace without holding it in memory, use
// [Store.Scan].
//
// A segment deleted by a compaction between the listing and its GET makes
// Load list again. A damaged segment fails the Load with an error wrapping
// [ErrCorrupt] that names the object. A record whose entity does not
// decode does not stop Load: Load returns every change that decodes with
// an error that joins a [*unionstore.DecodeError] for each bad record, up
// to ten, and counts the rest. Other errors come with no changes:
// [unionstore.ErrClosed] after Close, an error wrapping ctx.Err() if ctx
// is done.
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	out := unionstore.Changes[E]{}
	var bad unionstore.DecodeErrors
	err := s.walk(ctx, namespace, &bad, func(c unionstore.Change[E]) bool {
		out = append(out, c)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: load %q: %w", namespace, err)
	}
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("s3store: load %q: %w", namespace, err)
	}
	return out, nil
}

// Scan yields what [Store.Load] returns, in the same order, with the same
// requests, holding one block (about 64 KiB) of each segment at a time:
// its memory grows with the number of segments, not of entities. Records
// that cannot be decoded are skipped and reported as by Load, in one error
// yielded as the last pair once the namespace has been read. Any other
// failure ends the scan: it is yielded once, as the last pair.
//
// The segments are opened when the walk begins; segments saved after that
// are not seen. Closing the store ends a scan at its next record with
// [unionstore.ErrClosed]. The sequence may be walked more than once; each
// walk lists the namespace afresh.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		var bad unionstore.DecodeErrors
		stopped := false
		err := s.walk(ctx, namespace, &bad, func(c unionstore.Change[E]) bool {
			if !yield(c, nil) {
				stopped = true
			}
			return !stopped
		})
		if stopped {
			return
		}
		if err == nil {
			err = bad.Err()
		}
		if err != nil {
			yield(unionstore.Change[E]{}, fmt.Errorf("s3store: scan %q: %w", namespace, err))
		}
	}
}

// walk merges namespace's segments and passes each winning change that
// decodes to fn, in order, until fn returns false; records that do not
// decode go to bad.
func (s *Store[E]) walk(ctx context.Context, namespace string, bad *unionstore.DecodeErrors, fn func(unionstore.Change[E]) bool) error {
	if err := s.life.Check(ctx); err != nil {
		return err
	}
	m, err := s.openMerge(ctx, namespace)
	if err != nil {
		return s.life.Wrap(ctx, err)
	}
	defer m.close()
	more := true
	for more {
		if err := s.life.Check(ctx); err != nil {
			return err
		}
		var ok bool
		ok, err = m.next(func(w *segmentReader) error {
			c, err := s.decode(namespace, &w.rec)
			if err != nil {
				bad.Add(err)
				return nil
			}
			more = fn(c)
			return nil
		})
		if err != nil {
			return s.life.Wrap(ctx, err)
		}
		more = more && ok
	}
	return nil
}

// decode turns a record into a change, or returns a
// [*unionstore.DecodeError].
func (s *Store[E]) decode(namespace string, r *record) (unionstore.Change[E], error) {
	kind, id := string(r.kind), string(r.id)
	e, err := unionstore.DecodeEntity(s.codec, namespace, kind, id, r.payload)
	if err != nil {
		return unionstore.Change[E]{}, err
	}
	ct := unionstore.ChangeTypeSet
	if r.changeType == changeUnset {
		ct = unionstore.ChangeTypeUnset
	}
	return unionstore.Change[E]{Namespace: namespace, ChangeType: ct, Entity: e, Timestamp: time.Unix(0, r.ts).UTC()}, nil
}
