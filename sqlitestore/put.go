package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unionstore/unionstore/backend"
)

// Put writes the batch in one transaction: all of it or, on error,
// nothing. It takes the file's write lock at the transaction's start
// (BEGIN IMMEDIATE), waiting up to the busy timeout for another writer,
// and each row is kept only when it is at least as late as the stored one
// (see upsertSQL).
func (d *driver) Put(ctx context.Context, recs []backend.Record) error {
	if err := d.writable(); err != nil {
		return err
	}
	if err := d.lock(ctx); err != nil {
		return err
	}
	defer d.unlock()
	return classify(d.inTx(ctx, func(tx *sql.Tx) error {
		args := make([]any, 0, 6*min(len(recs), upsertRows[0]))
		for i, n := range upsertRows {
			if len(recs) < n {
				continue
			}
			stmt := tx.StmtContext(ctx, d.stmts.upserts[i])
			for ; len(recs) >= n; recs = recs[n:] {
				args = appendArgs(args[:0], recs[:n])
				if _, err := stmt.ExecContext(ctx, args...); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// appendArgs appends the upsert's parameters of recs to args.
func appendArgs(args []any, recs []backend.Record) []any {
	for _, r := range recs {
		args = append(args, r.Namespace, r.Kind, r.ID, typeCode(r.Type), r.Timestamp, r.Payload)
	}
	return args
}

// inTx runs f in a transaction that takes the write lock at once, and
// commits it when f returns nil.
func (d *driver) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see dsn
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
