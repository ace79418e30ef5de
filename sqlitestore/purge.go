package sqlitestore

import "context"

// Purge deletes the rows of namespace in one statement, and so in one
// transaction.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	if err := d.writable(); err != nil {
		return err
	}
	if err := d.lock(ctx); err != nil {
		return err
	}
	defer d.unlock()
	_, err := d.stmts.purge.ExecContext(ctx, namespace)
	return classify(err)
}

// PurgeTombstones deletes the tombstones of namespace at or before
// through in one statement. The condition is evaluated under the write
// lock, so a row saved again as a set, or with a later tombstone, is kept.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	if err := d.writable(); err != nil {
		return 0, err
	}
	if err := d.lock(ctx); err != nil {
		return 0, err
	}
	defer d.unlock()
	res, err := d.stmts.purgeTombstones.ExecContext(ctx, namespace, through)
	if err != nil {
		return 0, classify(err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
