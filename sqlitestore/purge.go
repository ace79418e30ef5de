package sqlitestore

import (
	"context"
	"database/sql"
)

// Purge deletes the rows of namespace in one transaction, which also
// takes a revision of the namespace and makes it the floor: the positions
// before it expire, that of a watcher that was up to date included, for
// the deletion is no event a watcher could see.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	err := d.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, d.stmts.purge).ExecContext(ctx, namespace); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, d.stmts.mark).ExecContext(ctx, namespace)
		return err
	})
	if err != nil {
		return err
	}
	d.feed.Notify()
	return nil
}

// PurgeTombstones deletes the tombstones of namespace at or before
// through in one transaction. The condition is evaluated under the write
// lock, so a row saved again as a set, or with a later tombstone, is kept.
// The newest revision among the tombstones deleted becomes the floor, if
// above it: a watcher before it could miss a tombstone, and expires; one
// at or after it has seen them all.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	var n int64
	err := d.writeTx(ctx, func(tx *sql.Tx) error {
		var newest int64
		if err := tx.StmtContext(ctx, d.stmts.newestTombstone).QueryRowContext(ctx, namespace, through).Scan(&newest); err != nil {
			return err
		}
		res, err := tx.StmtContext(ctx, d.stmts.purgeTombstones).ExecContext(ctx, namespace, through)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = tx.StmtContext(ctx, d.stmts.raiseFloor).ExecContext(ctx, namespace, newest)
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
