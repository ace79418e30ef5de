package mysqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// purgeChunk is the most rows one DELETE of Purge or PurgeTombstones
// removes, so that no transaction holds the locks and undo of a whole
// namespace.
const purgeChunk = 5000

// Purge deletes the rows of namespace, purgeChunk at a time, each DELETE
// in a transaction of its own that also takes a revision of the namespace
// and makes it the floor: the positions before it expire, that of a
// watcher that was up to date included, for a deletion is no event a
// watcher could see. A Purge that fails midway leaves part of the
// namespace, and has expired the positions before the last chunk it
// deleted; a change saved meanwhile may be deleted with it or not.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	defer d.feed.Notify()
	for {
		n, err := d.inTx(ctx, func(tx *sql.Tx) (int64, error) {
			// The feed's row first, as Put locks it, so that the two
			// take their locks in the same order.
			if _, err := tx.ExecContext(ctx, d.markSQL, []byte(namespace)); err != nil {
				return 0, fmt.Errorf("take the purge's revision: %w", err)
			}
			return deleted(tx.ExecContext(ctx, d.purgeSQL, []byte(namespace), purgeChunk))
		})
		if err != nil || n < purgeChunk {
			return err
		}
	}
}

// PurgeTombstones deletes the unsets of namespace with a timestamp at most
// through, purgeChunk at a time, each DELETE in a transaction of its own
// that holds the lock of the namespace's feed row, as Put does, so that
// no save of the namespace runs beside it. The DELETE checks its
// condition on each row as it deletes it, so a tombstone replaced
// meanwhile by a newer change is kept. The newest revision among the
// tombstones a chunk deletes becomes the floor, if above it, in the
// chunk's transaction: a watcher before it could miss a tombstone, and
// expires; one at or after it has seen them all.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	total := 0
	ns := []byte(namespace)
	for {
		n, err := d.inTx(ctx, func(tx *sql.Tx) (int64, error) {
			var head int64
			if err := tx.QueryRowContext(ctx, d.lockSQL, ns).Scan(&head); err == sql.ErrNoRows {
				// No revision taken yet: the rows, if any, are of revision 0,
				// older than any position.
			} else if err != nil {
				return 0, fmt.Errorf("lock the namespace's revision: %w", err)
			}
			var newest int64
			if err := tx.QueryRowContext(ctx, d.newestTombstoneSQL, ns, through, purgeChunk).Scan(&newest); err != nil {
				return 0, fmt.Errorf("read the newest revision of the tombstones: %w", err)
			}
			n, err := deleted(tx.ExecContext(ctx, d.purgeTombstonesSQL, ns, through, purgeChunk))
			if err != nil || n == 0 {
				return n, err
			}
			if _, err := tx.ExecContext(ctx, d.raiseFloorSQL, newest, ns); err != nil {
				return 0, fmt.Errorf("raise the floor: %w", err)
			}
			return n, nil
		})
		total += int(n)
		if err != nil || n < purgeChunk {
			return total, err
		}
	}
}

// deleted returns how many rows a DELETE's result says it deleted.
func deleted(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// inTx runs f in a transaction, committed when f returns no error, and
// returns f's count, or 0 with the error.
func (d *driver) inTx(ctx context.Context, f func(tx *sql.Tx) (int64, error)) (int64, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	n, err := f(tx)
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return n, nil
}
