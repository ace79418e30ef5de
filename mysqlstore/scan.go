package mysqlstore

import (
	"context"
	"iter"

	"github.com/unionstore/unionstore/backend"
)

// Scan reads namespace in pages of pageSize rows by primary key, each page
// one query that begins after the last key of the one before, so that a
// page costs the same wherever it lies in the namespace. A page is read
// whole before it is yielded, so that no connection stays busy while the
// caller works.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return backend.ScanPages(d.pageSize, func(prev []backend.Record) ([]backend.Record, error) {
		if prev == nil {
			return d.query(ctx, namespace, nil, d.firstPageSQL, []byte(namespace), d.pageSize)
		}
		last := prev[len(prev)-1]
		kind := []byte(last.Kind)
		return d.query(ctx, namespace, prev[:0], d.pageSQL, []byte(namespace), kind, kind, []byte(last.ID), d.pageSize)
	})
}

// Load reads namespace with one query.
func (d *driver) Load(ctx context.Context, namespace string) ([]backend.Record, error) {
	return d.query(ctx, namespace, nil, d.loadSQL, []byte(namespace))
}

// query appends to recs the rows of namespace that query selects.
func (d *driver) query(ctx context.Context, namespace string, recs []backend.Record, query string, args ...any) ([]backend.Record, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var r row
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, err
		}
		recs = append(recs, r.record(namespace))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return recs, rows.Close()
}
