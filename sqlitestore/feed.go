package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/unionstore/unionstore/backend"
)

// newFeed returns the file's feed: nil for a read-only file of layout
// version 1, which has none.
func newFeed(ctx context.Context, db *sql.DB, version int64, poll time.Duration) (*backend.Revisions, error) {
	if version < 2 {
		return nil, nil
	}
	var id int64
	if err := db.QueryRowContext(ctx, "SELECT rev FROM feed WHERE namespace = ''").Scan(&id); err != nil {
		return nil, fmt.Errorf("read the file's identity: %w", err)
	}
	return backend.NewRevisions(id, poll, "file"), nil
}

// feedAvailable returns an error wrapping errors.ErrUnsupported for a
// file without a feed.
func (d *driver) feedAvailable() error {
	if d.feed == nil {
		return fmt.Errorf("a file of layout version 1 has no change feed; open it once for writing to upgrade it: %w", errors.ErrUnsupported)
	}
	return nil
}

// Snapshot reads the namespace's revision, then its records: see
// [backend.Revisions.Snapshot].
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	if err := d.feedAvailable(); err != nil {
		return nil, "", err
	}
	return d.feed.Snapshot(ctx, namespace, d.lastRevision, d.Load)
}

// lastRevision returns the namespace's last revision: 0 for a namespace
// never written.
func (d *driver) lastRevision(ctx context.Context, namespace string) (rev int64, err error) {
	err = d.stmts.head.QueryRowContext(ctx, namespace).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return rev, classify(err)
}

// Watch yields the records of namespace whose revision is after the
// position's, in the order of their revisions, a page of scanPage rows at
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
	if err := d.feedAvailable(); err != nil {
		return func(yield func(backend.Event, error) bool) { yield(backend.Event{}, err) }
	}
	return d.feed.WatchNamespace(ctx, namespace, after, d.lastRevision, d.changesAfter, scanPage)
}

// changesAfter reads up to scanPage records of namespace whose revision
// is after rev, in the order of their revisions, and the namespace's last
// revision and floor: 0 and 0 for a namespace never written.
func (d *driver) changesAfter(ctx context.Context, namespace string, rev int64) (backend.RevisionPage, error) {
	var page backend.RevisionPage
	rows, err := d.stmts.changesAfter.QueryContext(ctx, namespace, rev, scanPage)
	if err != nil {
		return page, classify(err)
	}
	defer rows.Close()
	var r row
	var h, f, revision any
	dest := append([]any{&h, &f}, append(r.dest(), &revision)...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return page, classify(err)
		}
		var ok1, ok2 bool
		page.Head, ok1 = h.(int64)
		page.Floor, ok2 = f.(int64)
		if !ok1 || !ok2 {
			return page, fmt.Errorf("%w: the feed row of namespace %q holds %s and %s, want integers", ErrCorrupt, namespace, sqlType(h), sqlType(f))
		}
		if revision == nil {
			continue // the namespace's feed row alone: no change after rev
		}
		rec, err := r.record(namespace)
		if err != nil {
			return page, err
		}
		n, ok := revision.(int64)
		if !ok {
			return page, fmt.Errorf("%w: row %q %q %q: rev is %s, want integer", ErrCorrupt, namespace, rec.Kind, rec.ID, sqlType(revision))
		}
		page.Records = append(page.Records, rec)
		page.Revs = append(page.Revs, n)
	}
	if err := rows.Err(); err != nil {
		return page, classify(err)
	}
	return page, nil
}
