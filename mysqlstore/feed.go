package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// feed is what a driver keeps of the change feed: the table's identity,
// which positions carry, and the channels that wake and end its watches.
type feed struct {
	id   int64
	poll time.Duration

	mu   sync.Mutex
	wake chan struct{} // closed, and replaced, when this store commits
	done chan struct{} // closed by Close
}

// init reads the identity of the feed table, quoted.
func (f *feed) init(ctx context.Context, db *sql.DB, table string, poll time.Duration) error {
	f.poll, f.wake, f.done = poll, make(chan struct{}), make(chan struct{})
	err := db.QueryRowContext(ctx, "SELECT rev FROM "+table+" WHERE namespace = ''").Scan(&f.id)
	if err != nil {
		return fmt.Errorf("read the identity of table %s (open the store once without WithoutCreate, or create=false, to create it): %w", table, err)
	}
	return nil
}

// notify wakes the watches of this store: it committed.
func (f *feed) notify() {
	f.mu.Lock()
	close(f.wake)
	f.wake = make(chan struct{})
	f.mu.Unlock()
}

// waiter returns the channel the next commit closes.
func (f *feed) waiter() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wake
}

// close ends the watches of this store; it may be called again.
func (f *feed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.done:
	default:
		close(f.done)
	}
}

func (f *feed) closed() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// position returns the position of revision rev: the table's identity in
// hexadecimal, a dash, and the revision.
func (f *feed) position(rev int64) string {
	return strconv.FormatInt(f.id, 16) + "-" + strconv.FormatInt(rev, 10)
}

// parse returns the revision of a position this table made, or an error
// wrapping ErrCursorExpired.
func (f *feed) parse(pos string) (int64, error) {
	id, rev, ok := strings.Cut(pos, "-")
	if ok && id == strconv.FormatInt(f.id, 16) {
		if n, err := strconv.ParseInt(rev, 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: %q is not a position of this table", unionstore.ErrCursorExpired, pos)
}

// head returns the namespace's last revision and its floor: 0 and 0 for a
// namespace never written.
func (d *driver) head(ctx context.Context, namespace string) (rev, floor int64, err error) {
	err = d.db.QueryRowContext(ctx, d.headSQL, []byte(namespace)).Scan(&rev, &floor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return rev, floor, err
}

// Snapshot reads the namespace's revision, then its records. The revision
// read is committed, and so are all below it (see takeRevisions): every
// change committed after it comes from Watch of its position, though the
// records may hold some of them already; applied again, they are
// harmless.
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	rev, _, err := d.head(ctx, namespace)
	if err != nil {
		return nil, "", d.closedOr(err)
	}
	recs, err := d.Load(ctx, namespace)
	if err != nil {
		return nil, "", d.closedOr(err)
	}
	return recs, d.feed.position(rev), nil
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
	return func(yield func(backend.Event, error) bool) {
		pos, err := d.start(ctx, namespace, after)
		if err != nil {
			yield(backend.Event{}, err)
			return
		}
		for {
			wake := d.feed.waiter()
			page, head, floor, err := d.changesAfter(ctx, namespace, pos)
			switch {
			case err != nil:
				yield(backend.Event{}, d.closedOr(err))
				return
			case pos < floor || pos > head:
				yield(backend.Event{}, expired(pos, floor, head))
				return
			}
			for _, ev := range page {
				if !yield(ev.Event, nil) {
					return
				}
				pos = ev.rev
			}
			if len(page) == d.pageSize {
				continue
			}
			if err := d.wait(ctx, wake); err != nil {
				yield(backend.Event{}, err)
				return
			}
		}
	}
}

// start returns the revision a watch begins after: the position's, or the
// namespace's last for "".
func (d *driver) start(ctx context.Context, namespace, after string) (int64, error) {
	if after != "" {
		return d.feed.parse(after)
	}
	rev, _, err := d.head(ctx, namespace)
	return rev, d.closedOr(err)
}

// expired returns the error of a watch at revision pos of a namespace
// whose floor and last revision are given.
func expired(pos, floor, head int64) error {
	if pos > head {
		return fmt.Errorf("%w: position %d is beyond the namespace's last revision %d (a table restored from an older copy?)",
			unionstore.ErrCursorExpired, pos, head)
	}
	return fmt.Errorf("%w: position %d is before revision %d, of a purge", unionstore.ErrCursorExpired, pos, floor)
}

// wait waits for wake, the poll interval, ctx or Close, and returns the
// error that ends the watch, if any.
func (d *driver) wait(ctx context.Context, wake <-chan struct{}) error {
	t := time.NewTimer(d.feed.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-d.feed.done:
		return unionstore.ErrClosed
	case <-wake:
	case <-t.C:
	}
	return nil
}

// closedOr returns an error wrapping ErrClosed for an error of a closed
// store, and err otherwise.
func (d *driver) closedOr(err error) error {
	if err != nil && d.feed.closed() {
		return fmt.Errorf("%w (%v)", unionstore.ErrClosed, err)
	}
	return err
}

// revEvent is an event and its revision.
type revEvent struct {
	backend.Event
	rev int64
}

// changesAfter reads up to pageSize records of namespace whose revision
// is after rev, in the order of their revisions, and the namespace's last
// revision and floor: 0 and 0 for a namespace never written.
func (d *driver) changesAfter(ctx context.Context, namespace string, rev int64) (page []revEvent, head, floor int64, err error) {
	ns := []byte(namespace)
	rows, err := d.db.QueryContext(ctx, d.changesAfterSQL, ns, rev, d.pageSize, ns)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var r row
		var kind, id sql.RawBytes
		var ts, n sql.NullInt64
		if err := rows.Scan(&head, &floor, &kind, &id, &r.changeType, &ts, &r.payload, &n); err != nil {
			return nil, 0, 0, err
		}
		if !n.Valid {
			continue // the namespace's row alone: no change after rev
		}
		r.kind, r.id, r.ts = string(kind), string(id), ts.Int64
		page = append(page, revEvent{backend.Event{Record: r.record(namespace), Position: d.feed.position(n.Int64)}, n.Int64})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	return page, head, floor, rows.Close()
}
