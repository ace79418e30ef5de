package sqlitestore

import (
	"context"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// CreateTableV1 is the records table of layout version 1, as the release
// before the change feed wrote it and as Open still expects to find it
// before an upgrade.
const CreateTableV1 = createTable

// RawWatch is the engine's own feed, the ceiling of Watch: the same
// polling query, woken by the store's commits as Watch
// is, that hands f each row's id as SQLite gives it, without making a
// record, decoding it, or reading the floor. It starts after the cursor
// and returns ctx's error.
func RawWatch[E unionstore.Entity](ctx context.Context, s *Store[E], namespace string, after unionstore.Cursor, f func(id string)) error {
	d := s.Driver().(*driver)
	return storetest.PollRevisions(ctx, d.feed, after, scanPage, func(ctx context.Context, pos int64) (storetest.Rows, error) {
		return d.stmts.changesAfter.QueryContext(ctx, namespace, pos, scanPage)
	}, func(id []byte) { f(string(id)) })
}
