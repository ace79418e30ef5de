package pgstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
)

// Key names an entity within a namespace, for [Store.GetMany].
type Key struct {
	Kind, ID string
}

// Get returns the latest change of the identity (namespace, kind, id), a
// tombstone included, and true; or a zero change and false when the table
// holds no row for it. It reads one row by primary key, in one query: it
// costs one round trip whatever the size of the namespace.
//
// A row that cannot be decoded is reported as [Store.Load] reports it: Get
// returns false and an error that wraps a [*unionstore.DecodeError] naming
// the identity, and [unionstore.ErrDecode]. Get returns
// [unionstore.ErrClosed] after Close and an error wrapping ctx.Err() if ctx
// is done. An identity that is not valid UTF-8 or holds a NUL byte cannot
// be in the table: Get returns false for it without querying. Get is safe
// for concurrent use.
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	fail := func(err error) (unionstore.Change[E], bool, error) {
		return unionstore.Change[E]{}, false, fmt.Errorf("pgstore: get namespace %s kind %s id %s from %s: %w",
			quoteShort(namespace), quoteShort(kind), quoteShort(id), s.name, err)
	}
	if err := s.life.Check(ctx); err != nil {
		return fail(err)
	}
	if !storable(namespace) || !storable(kind) || !storable(id) {
		return unionstore.Change[E]{}, false, nil
	}
	rows, err := s.pool.Query(ctx, s.getSQL, namespace, kind, id)
	if err != nil {
		return fail(s.wrapCtx(ctx, err))
	}
	var (
		bad   unionstore.DecodeErrors
		got   unionstore.Change[E]
		found bool
	)
	_, _, err = s.readRows(namespace, rows, &bad, func(c unionstore.Change[E]) { got, found = c, true })
	if err != nil {
		return fail(s.wrapCtx(ctx, err))
	}
	if err := bad.Err(); err != nil {
		return fail(err)
	}
	return got, found, nil
}

// GetMany returns the latest change of each identity of namespace named
// by keys that the table holds, tombstones included, sorted by kind then id
// bytewise as [Store.Load] sorts them, each identity once however often
// keys names it. Keys the table does not hold are left out. It reads the
// rows with one query, by primary key, and costs one round trip: reading
// 100 entities with GetMany is many times faster than 100 calls to
// [Store.Get] (see the package documentation). The keys travel as two
// arrays in one protocol message, which PostgreSQL limits to 1 GB, and the
// result is held in memory: the caller bounds the number of keys.
//
// Errors are those of Load: rows that cannot be decoded are left out and
// reported together with the rest; any other error comes with no changes.
// GetMany does not modify keys and is safe for concurrent use.
func (s *Store[E]) GetMany(ctx context.Context, namespace string, keys []Key) (unionstore.Changes[E], error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, fmt.Errorf("pgstore: get %d keys of %s from %s: %w", len(keys), quoteShort(namespace), s.name, err)
	}
	out := unionstore.Changes[E]{}
	if !storable(namespace) {
		return out, nil
	}
	kinds, ids := make([]string, 0, len(keys)), make([]string, 0, len(keys))
	for _, k := range sortedKeys(keys) {
		if storable(k.Kind) && storable(k.ID) {
			kinds, ids = append(kinds, k.Kind), append(ids, k.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	fail := func(err error) error {
		return fmt.Errorf("pgstore: get %d keys of %s from %s: %w", len(ids), quoteShort(namespace), s.name, err)
	}
	rows, err := s.pool.Query(ctx, s.getManySQL, namespace, kinds, ids)
	if err != nil {
		return nil, fail(s.wrapCtx(ctx, err))
	}
	var bad unionstore.DecodeErrors
	if _, _, err := s.readRows(namespace, rows, &bad, func(c unionstore.Change[E]) { out = append(out, c) }); err != nil {
		return nil, fail(s.wrapCtx(ctx, err))
	}
	if err := bad.Err(); err != nil {
		return out, fail(err)
	}
	return out, nil
}

// sortedKeys returns a sorted copy of keys without duplicates, so that the
// query names each row once.
func sortedKeys(keys []Key) []Key {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b Key) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
	return slices.Compact(sorted)
}
