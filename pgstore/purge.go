package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5/pgconn"
)

// Purge deletes every row of namespace in one statement, so that it loads
// empty and is no longer listed. A namespace that does not exist is not
// an error. In the same transaction it records the purge in
// [PurgesTable], which expires every cursor of the namespace taken
// before, that of a watcher up to date included: its watch ends with an
// error wrapping [unionstore.ErrCursorExpired], and [unionstore.Follow]
// takes a new snapshot. PostgreSQL reclaims the rows' space at its next
// vacuum.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	fed, err := d.fed(ctx)
	if err == nil && fed {
		_, err = d.pool.Exec(ctx, d.purgeSQL, namespace)
	} else if err == nil {
		_, err = d.pool.Exec(ctx, d.legacyPurgeSQL, namespace)
	}
	return d.explain(err)
}

// PurgeTombstones deletes, in one statement, the rows of namespace that
// are unsets with a timestamp at most through, and returns how many it
// deleted. It uses the primary key's index to find the namespace. A
// concurrent Save of a newer change to such a row is kept: PostgreSQL
// orders the two, and the row is either deleted before the save writes
// it again, or no longer a tombstone when the delete reaches it. When it
// deletes any, it records in the same transaction, in [PurgesTable], the
// position of the newest tombstone it deleted: a cursor before that
// position expires, since its watcher may not have been given the
// tombstone, and a later cursor stays good.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	fed, err := d.fed(ctx)
	var n int64
	if err == nil && fed {
		err = d.pool.QueryRow(ctx, d.purgeTombstonesSQL, namespace, through).Scan(&n)
	} else if err == nil {
		var tag pgconn.CommandTag
		tag, err = d.pool.Exec(ctx, d.legacyPurgeTombstonesSQL, namespace, through)
		n = tag.RowsAffected()
	}
	if err != nil {
		return 0, d.explain(err)
	}
	return int(n), nil
}
