package mysqlstore

import "context"

// purgeChunk is the most rows one DELETE of Purge or PurgeTombstones
// removes, so that no transaction holds the locks and undo of a whole
// namespace.
const purgeChunk = 5000

// Purge deletes the rows of namespace, purgeChunk at a time. Each DELETE
// commits on its own: a Purge that fails midway leaves part of the
// namespace, and a change saved meanwhile may be deleted with it or not.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	_, err := d.deleteChunks(ctx, d.purgeSQL, []byte(namespace))
	return err
}

// PurgeTombstones deletes the unsets of namespace with a timestamp at most
// through, purgeChunk at a time. The DELETE checks its condition on each
// row as it deletes it, so a tombstone replaced meanwhile by a newer change
// is kept.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	return d.deleteChunks(ctx, d.purgeTombstonesSQL, []byte(namespace), through)
}

// deleteChunks runs query, a DELETE ending in LIMIT ?, with args and the
// chunk's size, until a run deletes fewer rows than that, and returns how
// many rows the runs deleted.
func (d *driver) deleteChunks(ctx context.Context, query string, args ...any) (int, error) {
	args = append(args, purgeChunk)
	total := 0
	for {
		res, err := d.db.ExecContext(ctx, query, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < purgeChunk {
			return total, nil
		}
	}
}
