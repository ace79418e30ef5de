package sqlitestore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/unionstore/unionstore"
)

// RawWatch is the engine's own feed, the ceiling of Watch: the same
// polling query, woken by the store's commits as Watch
// is, that hands f each row's id as SQLite gives it, without making a
// record, decoding it, or reading the floor. It starts after the cursor
// and returns ctx's error.
func RawWatch[E unionstore.Entity](ctx context.Context, s *Store[E], namespace string, after unionstore.Cursor, f func(id string)) error {
	d := s.Driver().(*driver)
	pos, err := d.feed.Parse(string(after))
	if err != nil {
		return err
	}
	for {
		wake := d.feed.Waiter()
		rows, err := d.stmts.changesAfter.QueryContext(ctx, namespace, pos, scanPage)
		if err != nil {
			return err
		}
		n := 0
		var head, floor, kind, id, typ, ts, payload, rev sql.RawBytes
		for rows.Next() {
			if err := rows.Scan(&head, &floor, &kind, &id, &typ, &ts, &payload, &rev); err != nil {
				rows.Close()
				return err
			}
			if rev == nil {
				continue
			}
			if pos, err = strconv.ParseInt(string(rev), 10, 64); err != nil {
				rows.Close()
				return err
			}
			f(string(id))
			n++
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if n < scanPage {
			if err := d.feed.Wait(ctx, wake); err != nil {
				return err
			}
		}
	}
}
