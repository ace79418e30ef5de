package pgstore

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
)

// Load returns the latest change of each identity in namespace, tombstones
// included, sorted by kind then id bytewise. It reads with one query, so the
// result is a consistent snapshot. Timestamps are returned in UTC. It
// returns a [*unionstore.DecodeError] for a payload the codec cannot decode,
// [unionstore.ErrClosed] after Close, and an error wrapping ctx.Err() if ctx
// is done. To read a large namespace without holding it in memory, use
// [Store.Scan].
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("pgstore: load %q from %s: %w", namespace, s.name, err)
	}
	rows, err := s.pool.Query(ctx, s.loadSQL, namespace)
	if err != nil {
		return nil, fmt.Errorf("pgstore: load %q from %s: %w", namespace, s.name, s.wrapCtx(ctx, err))
	}
	out := unionstore.Changes[E]{}
	for c, err := range s.rows(namespace, rows) {
		if err != nil {
			return nil, fmt.Errorf("pgstore: load %q from %s: %w", namespace, s.name, s.wrapCtx(ctx, err))
		}
		out = append(out, c)
	}
	return out, nil
}

// Scan yields what [Store.Load] returns, in the same order, reading pages
// of at most the page size (see [WithPageSize]) each resuming after the last
// identity yielded, so memory stays bounded whatever the namespace's size.
// No connection is held while the loop body runs.
//
// The pages are separate queries, not one snapshot: a change saved during
// the scan may or may not be seen, but each identity is yielded at most
// once and in order. A failure is yielded once, as the last pair, with the
// errors Load gives. The sequence may be walked more than once; each walk
// reads the table afresh.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		fail := func(err error) {
			yield(unionstore.Change[E]{}, fmt.Errorf("pgstore: scan %q from %s: %w", namespace, s.name, err))
		}
		var afterKind, afterID string // ("", "") precedes every identity: ids are never empty
		for {
			if err := s.check(ctx); err != nil {
				fail(err)
				return
			}
			page, err := s.page(ctx, namespace, afterKind, afterID)
			if err != nil {
				fail(s.wrapCtx(ctx, err))
				return
			}
			for _, c := range page {
				if !yield(c, nil) {
					return
				}
			}
			if len(page) < s.pageSize {
				return
			}
			afterKind, afterID = page[len(page)-1].Entity.CompactionKey()
		}
	}
}

// page reads the next page of a scan, fully, before anything is yielded.
func (s *Store[E]) page(ctx context.Context, namespace, afterKind, afterID string) (unionstore.Changes[E], error) {
	rows, err := s.pool.Query(ctx, s.pageSQL, namespace, afterKind, afterID, s.pageSize)
	if err != nil {
		return nil, err
	}
	out := make(unionstore.Changes[E], 0, s.pageSize)
	for c, err := range s.rows(namespace, rows) {
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// rows decodes the rows of a load or page query and closes them. It yields
// an error at most once, last.
func (s *Store[E]) rows(namespace string, rows pgx.Rows) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		defer rows.Close()
		var (
			kind, id, changeType string
			ts                   int64
			payload              []byte
		)
		for rows.Next() {
			if err := rows.Scan(&kind, &id, &changeType, &ts, &payload); err != nil {
				yield(unionstore.Change[E]{}, err)
				return
			}
			ct := unionstore.ChangeType(changeType)
			if !ct.Valid() {
				yield(unionstore.Change[E]{}, &unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: id,
					Err: fmt.Errorf("unknown change type %q", changeType)})
				return
			}
			e, err := s.codec.Decode(kind, id, payload)
			if err != nil {
				yield(unionstore.Change[E]{}, &unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: id, Err: err})
				return
			}
			c := unionstore.Change[E]{Namespace: namespace, ChangeType: ct, Entity: e, Timestamp: time.Unix(0, ts).UTC()}
			if !yield(c, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(unionstore.Change[E]{}, err)
		}
	}
}

// Namespaces returns every namespace of the table that holds at least one
// row, sorted by name bytewise, with its counts of sets and tombstones, from
// one query. It returns [unionstore.ErrClosed] after Close and an error
// wrapping ctx.Err() if ctx is done.
func (s *Store[E]) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("pgstore: list namespaces of %s: %w", s.name, err)
	}
	rows, err := s.pool.Query(ctx, s.namespacesSQL)
	if err == nil {
		var out []unionstore.NamespaceStat
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (unionstore.NamespaceStat, error) {
			var st unionstore.NamespaceStat
			var sets, unsets int64
			err := row.Scan(&st.Namespace, &sets, &unsets)
			st.Entities, st.Tombstones = int(sets), int(unsets)
			return st, err
		})
		if err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("pgstore: list namespaces of %s: %w", s.name, s.wrapCtx(ctx, err))
}
