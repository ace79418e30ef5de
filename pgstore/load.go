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
// result is a consistent snapshot. Timestamps are returned in UTC. To read a
// large namespace without holding it in memory, use [Store.Scan].
//
// A row that cannot be decoded does not stop Load: Load returns every row
// that decodes together with a non-nil error that joins a
// [*unionstore.DecodeError] (naming namespace, kind and id) for each bad
// row, up to ten, and counts the rest. A row is bad if the codec fails on
// its payload, or if the entity it decodes to has another kind or id than
// the row. Callers that want all or nothing treat any error as failure.
// Other errors come with no changes: [unionstore.ErrClosed] after Close, and
// an error wrapping ctx.Err() if ctx is done.
//
// A namespace that is not valid UTF-8 or holds a NUL byte, which Save
// refuses and PostgreSQL text cannot hold, cannot be in the table: Load
// returns no changes for it without querying.
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, fmt.Errorf("pgstore: load %q from %s: %w", namespace, s.name, err)
	}
	out := unionstore.Changes[E]{}
	if !storable(namespace) {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, s.loadSQL, namespace)
	if err != nil {
		return nil, fmt.Errorf("pgstore: load %q from %s: %w", namespace, s.name, s.wrapCtx(ctx, err))
	}
	var bad unionstore.DecodeErrors
	_, _, err = s.readRows(namespace, rows, &bad, func(c unionstore.Change[E]) { out = append(out, c) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: load %q from %s: %w", namespace, s.name, s.wrapCtx(ctx, err))
	}
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("pgstore: load %q from %s: %w", namespace, s.name, err)
	}
	return out, nil
}

// Scan yields what [Store.Load] returns, in the same order, reading pages
// of at most the page size (see [WithPageSize]) each resuming after the last
// row read, so memory stays bounded whatever the namespace's size. No
// connection is held while the loop body runs.
//
// The pages are separate queries, not one snapshot: a change saved during
// the scan may or may not be seen, but each identity is yielded at most
// once and in order. Rows that cannot be decoded are skipped and reported,
// as by Load, in one error yielded as the last pair once the namespace has
// been read. Any other failure ends the scan: it is yielded once, as the
// last pair, with the errors Load gives. The sequence may be walked more
// than once; each walk reads the table afresh.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		fail := func(err error) {
			yield(unionstore.Change[E]{}, fmt.Errorf("pgstore: scan %q from %s: %w", namespace, s.name, err))
		}
		if err := s.life.Check(ctx); err != nil {
			fail(err)
			return
		}
		if !storable(namespace) {
			return
		}
		var (
			bad  unionstore.DecodeErrors
			page = make(unionstore.Changes[E], 0, s.pageSize)
			// ("", "") precedes every row: ids are never empty.
			after key
		)
		for {
			if err := s.life.Check(ctx); err != nil {
				fail(err)
				return
			}
			page = page[:0]
			n, last, err := s.page(ctx, namespace, after, &bad, &page)
			if err != nil {
				fail(s.wrapCtx(ctx, err))
				return
			}
			for _, c := range page {
				if !yield(c, nil) {
					return
				}
			}
			if n < s.pageSize {
				break
			}
			// Resume after the row's own key: the entity decoded from it
			// may claim another, or be bad and not yielded at all.
			after = last
		}
		if err := bad.Err(); err != nil {
			fail(err)
		}
	}
}

// key is the kind and id of a row.
type key struct{ kind, id string }

// page reads the next page of a scan, the rows that follow after, fully,
// before anything is yielded. It appends the changes that decode to out and
// the decode errors to bad, and returns the number of rows read and the key
// of the last.
func (s *Store[E]) page(ctx context.Context, namespace string, after key, bad *unionstore.DecodeErrors, out *unionstore.Changes[E]) (int, key, error) {
	rows, err := s.pool.Query(ctx, s.pageSQL, namespace, after.kind, after.id, s.pageSize)
	if err != nil {
		return 0, key{}, err
	}
	return s.readRows(namespace, rows, bad, func(c unionstore.Change[E]) { *out = append(*out, c) })
}

// readRows decodes the rows of a load or page query, passes each change
// that decodes to add and each row that does not to bad, and closes the
// rows. It returns the number of rows read and the key of the last, and an
// error if the query failed.
func (s *Store[E]) readRows(namespace string, rows pgx.Rows, bad *unionstore.DecodeErrors, add func(unionstore.Change[E])) (n int, last key, err error) {
	defer rows.Close()
	var (
		k          key
		changeType string
		ts         int64
		payload    []byte
	)
	for rows.Next() {
		if err := rows.Scan(&k.kind, &k.id, &changeType, &ts, &payload); err != nil {
			return n, last, err
		}
		n, last = n+1, k
		c, err := s.decode(namespace, k, changeType, ts, payload)
		if err != nil {
			bad.Add(err)
			continue
		}
		add(c)
	}
	return n, last, rows.Err()
}

// decode turns a row into a change, or returns a [*unionstore.DecodeError].
func (s *Store[E]) decode(namespace string, k key, changeType string, ts int64, payload []byte) (unionstore.Change[E], error) {
	derr := func(err error) error {
		return &unionstore.DecodeError{Namespace: namespace, Kind: k.kind, ID: k.id, Err: err}
	}
	ct := unionstore.ChangeType(changeType)
	if !ct.Valid() {
		return unionstore.Change[E]{}, derr(fmt.Errorf("unknown change type %q", changeType))
	}
	e, err := unionstore.DecodeEntity(s.codec, namespace, k.kind, k.id, payload)
	if err != nil {
		return unionstore.Change[E]{}, err
	}
	return unionstore.Change[E]{Namespace: namespace, ChangeType: ct, Entity: e, Timestamp: time.Unix(0, ts).UTC()}, nil
}

// Namespaces returns every namespace of the table that holds at least one
// row, sorted by name bytewise, with its counts of sets and tombstones, from
// one query. It returns [unionstore.ErrClosed] after Close and an error
// wrapping ctx.Err() if ctx is done.
func (s *Store[E]) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	if err := s.life.Check(ctx); err != nil {
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
