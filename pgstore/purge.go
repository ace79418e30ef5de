package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

var (
	_ unionstore.Purger          = (*Store[unionstore.Entity])(nil)
	_ unionstore.TombstonePurger = (*Store[unionstore.Entity])(nil)
)

// Purge deletes every row of namespace in one statement, so that it loads
// empty and is no longer listed. A namespace that does not exist is not
// an error. PostgreSQL reclaims the rows' space at its next vacuum. It
// returns [unionstore.ErrClosed] after Close and an error wrapping
// ctx.Err() if ctx is done; it is safe for concurrent use.
func (s *Store[E]) Purge(ctx context.Context, namespace string) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("pgstore: purge %q from %s: %w", namespace, s.name, err)
	}
	_, err := s.pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE namespace = $1`, s.name), namespace)
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
// it again, or no longer a tombstone when the delete reaches it. See
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
	cond := "ts <= $2"
	if !before.After(unionstore.MaxTimestamp) {
		cut, cond = before.UnixNano(), "ts < $2"
	}
	tag, err := s.pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE namespace = $1 AND change_type = 'unset' AND %s`, s.name, cond), namespace, cut)
	if err != nil {
		return 0, fmt.Errorf("pgstore: purge tombstones of %q from %s: %w", namespace, s.name, s.wrapCtx(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}
