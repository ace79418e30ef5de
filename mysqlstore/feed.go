package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/unionstore/unionstore/backend"
)

// newFeed reads the identity of the feed table, quoted, and returns the
// store's feed.
func newFeed(ctx context.Context, db *sql.DB, table string, poll time.Duration) (*backend.Revisions, error) {
	var id int64
	err := db.QueryRowContext(ctx, "SELECT rev FROM "+table+" WHERE namespace = ''").Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("read the identity of table %s (open the store once without WithoutCreate, or create=false, to create it): %w", table, err)
	}
	return backend.NewRevisions(id, poll, "table"), nil
}

// Snapshot reads the namespace's revision, then its records: see
// [backend.Revisions.Snapshot].
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	return d.feed.Snapshot(ctx, namespace, d.lastRevision, d.Load)
}

// lastRevision returns the namespace's last revision: 0 for a namespace
// never written.
func (d *driver) lastRevision(ctx context.Context, namespace string) (rev int64, err error) {
	err = d.db.QueryRowContext(ctx, d.headSQL, []byte(namespace)).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return rev, err
}

// Watch yields the records of namespace whose revision is after the
// position's, in the order of their revisions, a page of pageSize rows at
// a time. When a page finds nothing, it waits for a commit of this store,
// for the poll interval (commits of other stores and processes), for ctx
// or for Close.
//
// Each round reads, in one statement and so from one snapshot, the
// namespace's floor and last revision and the changes after the
// position: a floor above the position means a purge committed after it,
// and the round ends the watch with ErrCursorExpired whether or not the
// changes read met the purge.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return d.feed.WatchNamespace(ctx, namespace, after, d.lastRevision, d.changesAfter, d.pageSize)
}

// changesAfter reads up to pageSize records of namespace whose revision
// is after rev, in the order of their revisions, and the namespace's last
// revision and floor: 0 and 0 for a namespace never written.
func (d *driver) changesAfter(ctx context.Context, namespace string, rev int64) (backend.RevisionPage, error) {
	var page backend.RevisionPage
	ns := []byte(namespace)
	rows, err := d.db.QueryContext(ctx, d.changesAfterSQL, ns, rev, d.pageSize, ns)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var r row
		var kind, id sql.RawBytes
		var ts, n sql.NullInt64
		if err := rows.Scan(&page.Head, &page.Floor, &kind, &id, &r.changeType, &ts, &r.payload, &n); err != nil {
			return page, err
		}
		if !n.Valid {
			continue // the namespace's row alone: no change after rev
		}
		r.kind, r.id, r.ts = string(kind), string(id), ts.Int64
		page.Records = append(page.Records, r.record(namespace))
		page.Revs = append(page.Revs, n.Int64)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	return page, rows.Close()
}
