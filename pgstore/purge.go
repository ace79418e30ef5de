package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/unionstore/unionstore"
)

var (
	_ unionstore.Purger          = (*Store[unionstore.Entity])(nil)
	_ unionstore.TombstonePurger = (*Store[unionstore.Entity])(nil)
)

// Purge deletes every row of namespace in one statement, so that it loads
// empty and is no longer listed. A namespace that does not exist is not
// an error. In the same transaction it records the purge in
// [PurgesTable], which expires every cursor of the namespace taken
// before, that of a watcher up to date included: its watch ends with an
// error wrapping [unionstore.ErrCursorExpired], and [unionstore.Follow]
// takes a new snapshot. PostgreSQL reclaims the rows' space at its next vacuum. It
// returns [unionstore.ErrClosed] after Close and an error wrapping
// ctx.Err() if ctx is done; it is safe for concurrent use.
func (s *Store[E]) Purge(ctx context.Context, namespace string) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("pgstore: purge %q from %s: %w", namespace, s.name, err)
	}
	fed, err := s.fed(ctx)
	if err == nil && fed {
		_, err = s.pool.Exec(ctx, s.purgeSQL, namespace)
	} else if err == nil {
		_, err = s.pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE namespace = $1`, s.name), namespace)
	}
	if err != nil {
		return fmt.Errorf("pgstore: purge %q from %s: %w", namespace, s.name, s.wrapCtx(ctx, err))
	}
	return nil
}

// PurgeTombstones deletes, in one statement, the rows of namespace that
// are unsets with a timestamp before before, and returns how many it
// deleted. It uses the primary key's index to find the namespace. A
// concurrent Save of a newer change to such a row is kept: PostgreSQL
// orders the two, and the row is either deleted before the save writes
// it again, or no longer a tombstone when the delete reaches it. When it
// deletes any, it records in the same transaction, in [PurgesTable], the
// position of the newest tombstone it deleted: a cursor before that
// position expires, since its watcher may not have been given the
// tombstone, and a later cursor stays good. See
// [unionstore.TombstonePurger] for when purging is safe. It returns
// [unionstore.ErrClosed] after Close and an error wrapping ctx.Err() if
// ctx is done.
func (s *Store[E]) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	if err := s.life.Check(ctx); err != nil {
		return 0, fmt.Errorf("pgstore: purge tombstones of %q from %s: %w", namespace, s.name, err)
	}
	if !before.After(unionstore.MinTimestamp) {
		return 0, nil // no timestamp is before it
	}
	cut := int64(1<<63 - 1) // every timestamp up to the largest, included
	cond, which := "ts <= $2", 1
	if !before.After(unionstore.MaxTimestamp) {
		cut, cond, which = before.UnixNano(), "ts < $2", 0
	}
	fed, err := s.fed(ctx)
	var n int64
	if err == nil && fed {
		err = s.pool.QueryRow(ctx, s.purgeTombstonesSQL[which], namespace, cut).Scan(&n)
	} else if err == nil {
		var tag pgconn.CommandTag
		tag, err = s.pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE namespace = $1 AND change_type = 'unset' AND %s`, s.name, cond), namespace, cut)
		n = tag.RowsAffected()
	}
	if err != nil {
		return 0, fmt.Errorf("pgstore: purge tombstones of %q from %s: %w", namespace, s.name, s.wrapCtx(ctx, err))
	}
	return int(n), nil
}
