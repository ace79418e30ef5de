package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/unionstore/unionstore"
)

// RawWatch is the engine's own feed, the ceiling of Watch: the same
// polling query on the rev index, woken by the store's commits as Watch
// is, that hands f each row's id as SQLite gives it, without making a
// record, decoding it, or reading the floor. It starts after the cursor
// and returns ctx's error.
func RawWatch[E unionstore.Entity](ctx context.Context, s *Store[E], namespace string, after unionstore.Cursor, f func(id string)) error {
	d := s.Driver().(*driver)
	pos, err := d.feed.parse(string(after))
	if err != nil {
		return err
	}
	for {
		wake := d.feed.waiter()
		rows, err := d.stmts.changesAfter.QueryContext(ctx, namespace, pos, scanPage)
		if err != nil {
			return err
		}
		n := 0
		var kind, id string
		var typ, ts int64
		var payload sql.RawBytes
		for rows.Next() {
			if err := rows.Scan(&kind, &id, &typ, &ts, &payload, &pos); err != nil {
				rows.Close()
				return err
			}
			f(id)
			n++
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if n < scanPage {
			if err := d.wait(ctx, wake); err != nil {
				return err
			}
		}
	}
}
