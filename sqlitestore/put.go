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
//
// Each record takes a revision of its namespace, from the feed table, in
// the same transaction. SQLite lets one transaction write the file at a
// time, and this one holds the write lock from its first statement, so
// the revisions are taken, and become visible, in the order of the
// commits: a watcher that has read up to revision r never meets a
// revision below r committed later.
func (d *driver) Put(ctx context.Context, recs []backend.Record) error {
	err := d.writeTx(ctx, func(tx *sql.Tx) error {
		revs, err := d.takeRevisions(ctx, tx, recs)
		if err != nil {
			return err
		}
		args := make([]any, 0, 7*min(len(recs), upsertRows[0]))
		for i, n := range upsertRows {
			if len(recs) < n {
				continue
			}
			stmt := tx.StmtContext(ctx, d.stmts.upserts[i])
			for ; len(recs) >= n; recs, revs = recs[n:], revs[n:] {
				args = appendArgs(args[:0], recs[:n], revs[:n])
				if _, err := stmt.ExecContext(ctx, args...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.feed.Notify()
	return nil
}

// takeRevisions takes a revision of its namespace for each record, one
// statement for each run of records of one namespace, and returns them.
func (d *driver) takeRevisions(ctx context.Context, tx *sql.Tx, recs []backend.Record) ([]int64, error) {
	revs := make([]int64, len(recs))
	take := tx.StmtContext(ctx, d.stmts.take)
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].Namespace == recs[i].Namespace {
			j++
		}
		var last int64
		if err := take.QueryRowContext(ctx, recs[i].Namespace, j-i).Scan(&last); err != nil {
			return nil, fmt.Errorf("take revisions of namespace %q: %w", recs[i].Namespace, err)
		}
		for k := i; k < j; k++ {
			revs[k] = last - int64(j-k) + 1
		}
		i = j
	}
	return revs, nil
}

// appendArgs appends the upsert's parameters of recs, and their
// revisions, to args.
func appendArgs(args []any, recs []backend.Record, revs []int64) []any {
	for i, r := range recs {
		args = append(args, r.Namespace, r.Kind, r.ID, typeCode(r.Type), r.Timestamp, r.Payload, revs[i])
	}
	return args
}

// writeTx runs f in a transaction under the store's write lock, as inTx
// does, or returns why it cannot: the store is read-only, ctx ended while
// it waited for the lock, or the transaction failed.
func (d *driver) writeTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	if err := d.writable(); err != nil {
		return err
	}
	if err := d.lock(ctx); err != nil {
		return err
	}
	defer d.unlock()
	return classify(d.inTx(ctx, f))
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
