package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Scan yields the records of namespace page by page, scanPage rows at a
// time, each page read by its own statement and released before its rows
// are yielded: no read transaction stays open while the caller works, so
// the caller may save to the store from its loop body, and memory holds
// one page. Each page starts after the last identity yielded, so a walk
// sees each identity once, in its state when its page was read.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return backend.ScanPages(scanPage, func(prev []backend.Record) ([]backend.Record, error) {
		if prev == nil {
			return d.queryRecords(ctx, namespace, d.stmts.firstPage, namespace, scanPage)
		}
		last := prev[len(prev)-1]
		return d.queryRecords(ctx, namespace, d.stmts.nextPage, namespace, last.Kind, last.ID, scanPage)
	})
}

// Load reads the whole namespace with one statement.
func (d *driver) Load(ctx context.Context, namespace string) ([]backend.Record, error) {
	return d.queryRecords(ctx, namespace, d.stmts.load, namespace)
}

// queryRecords runs a query of the records of namespace and returns its
// rows as records.
func (d *driver) queryRecords(ctx context.Context, namespace string, stmt *sql.Stmt, args ...any) ([]backend.Record, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []backend.Record
	var r row
	dest := r.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, classify(err)
		}
		rec, err := r.record(namespace)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}

// Get reads one row by its primary key.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	var r row
	err := d.stmts.get.QueryRowContext(ctx, namespace, kind, id).Scan(r.dest()...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return backend.Record{}, false, nil
	case err != nil:
		return backend.Record{}, false, classify(err)
	}
	rec, err := r.record(namespace)
	return rec, err == nil, err
}

// Namespaces counts the rows of each namespace by their type: one pass
// over the table in key order, so its cost grows with the store.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	rows, err := d.stmts.namespaces.QueryContext(ctx)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []unionstore.NamespaceStat
	for rows.Next() {
		var ns, sets, unsets any
		if err := rows.Scan(&ns, &sets, &unsets); err != nil {
			return nil, classify(err)
		}
		st, err := namespaceStat(ns, sets, unsets)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}

// namespaceStat turns a row of the namespaces query into a stat, or an
// error wrapping ErrCorrupt when a damaged page gave it other types.
func namespaceStat(ns, sets, unsets any) (unionstore.NamespaceStat, error) {
	name, ok1 := ns.(string)
	n, ok2 := sets.(int64)
	m, ok3 := unsets.(int64)
	if !ok1 || !ok2 || !ok3 {
		return unionstore.NamespaceStat{}, fmt.Errorf("%w: a namespace of %s counted as %s and %s, want text and integers",
			ErrCorrupt, sqlType(ns), sqlType(sets), sqlType(unsets))
	}
	return unionstore.NamespaceStat{Namespace: name, Entities: int(n), Tombstones: int(m)}, nil
}
