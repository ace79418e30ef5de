package pgstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Key names an entity within a namespace, for [Store.GetMany].
type Key struct {
	Kind, ID string
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
	var out unionstore.Changes[E]
	err := s.Do(ctx, fmt.Sprintf("get %d keys of %s from", len(keys), quoteShort(namespace)), func() error {
		out = unionstore.Changes[E]{}
		if !storable(namespace) {
			return nil
		}
		kinds, ids := make([]string, 0, len(keys)), make([]string, 0, len(keys))
		for _, k := range sortedKeys(keys) {
			if storable(k.Kind) && storable(k.ID) {
				kinds, ids = append(kinds, k.Kind), append(ids, k.ID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		recs, err := s.d.getMany(ctx, namespace, kinds, ids)
		if err != nil {
			out = nil
			return err
		}
		var bad unionstore.DecodeErrors
		for _, r := range recs {
			c, err := backend.Decode(s.codec, r)
			if err != nil {
				bad.Add(err)
				continue
			}
			out = append(out, c)
		}
		return bad.Err()
	})
	return out, err
}

// getMany reads the rows of namespace with the keys (kinds[i], ids[i]),
// sorted and distinct, in one query.
func (d *driver) getMany(ctx context.Context, namespace string, kinds, ids []string) ([]backend.Record, error) {
	rows, err := d.pool.Query(ctx, d.getManySQL, namespace, kinds, ids)
	if err != nil {
		return nil, d.explain(err)
	}
	out := make([]backend.Record, 0, len(ids))
	if err := readRows(namespace, rows, func(r backend.Record) { out = append(out, r) }); err != nil {
		return nil, d.explain(err)
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
