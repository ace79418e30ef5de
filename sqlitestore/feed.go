package sqlitestore

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

// feed is what a driver keeps of the change feed: the file's identity,
// which positions carry, and the channels that wake and end its watches.
type feed struct {
	id   int64 // the file's identity; 0 for a read-only file of version 1
	poll time.Duration

	mu   sync.Mutex
	wake chan struct{} // closed, and replaced, when this store commits
	done chan struct{} // closed by Close
}

// init reads the file's identity, if the file has a feed.
func (f *feed) init(ctx context.Context, db *sql.DB, version int64, poll time.Duration) error {
	f.poll, f.wake, f.done = poll, make(chan struct{}), make(chan struct{})
	if version < 2 {
		return nil
	}
	if err := db.QueryRowContext(ctx, "SELECT rev FROM feed WHERE namespace = ''").Scan(&f.id); err != nil {
		return fmt.Errorf("read the file's identity: %w", err)
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

// available returns an error wrapping errors.ErrUnsupported for a file
// without a feed.
func (f *feed) available() error {
	if f.id == 0 {
		return fmt.Errorf("a file of layout version 1 has no change feed; open it once for writing to upgrade it: %w", errors.ErrUnsupported)
	}
	return nil
}

// position returns the position of revision rev: the file's identity in
// hexadecimal, a dash, and the revision.
func (f *feed) position(rev int64) string {
	return strconv.FormatInt(f.id, 16) + "-" + strconv.FormatInt(rev, 10)
}

// parse returns the revision of a position this file made, or an error
// wrapping ErrCursorExpired.
func (f *feed) parse(pos string) (int64, error) {
	id, rev, ok := strings.Cut(pos, "-")
	if ok && id == strconv.FormatInt(f.id, 16) {
		if n, err := strconv.ParseInt(rev, 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: %q is not a position of this file", unionstore.ErrCursorExpired, pos)
}

// head returns the namespace's last revision and its floor: 0 and 0 for a
// namespace never written.
func (d *driver) head(ctx context.Context, namespace string) (rev, floor int64, err error) {
	err = d.stmts.head.QueryRowContext(ctx, namespace).Scan(&rev, &floor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return rev, floor, classify(err)
}

// Snapshot reads the namespace's revision, then its records. Every change
// committed after that revision comes from Watch of its position, though
// the records may hold some of them already: applied again, they are
// harmless.
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	if err := d.feed.available(); err != nil {
		return nil, "", err
	}
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
				yield(backend.Event{}, d.expired(pos, floor, head))
				return
			}
			for _, ev := range page {
				if !yield(ev.Event, nil) {
					return
				}
				pos = ev.rev
			}
			if len(page) == scanPage {
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
	if err := d.feed.available(); err != nil {
		return 0, err
	}
	if after != "" {
		return d.feed.parse(after)
	}
	rev, _, err := d.head(ctx, namespace)
	return rev, d.closedOr(err)
}

// expired returns the error of a watch at revision pos of a namespace
// whose floor and last revision are given.
func (d *driver) expired(pos, floor, head int64) error {
	if pos > head {
		return fmt.Errorf("%w: position %d is beyond the namespace's last revision %d (a file restored from an older copy?)",
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

// closedOr returns ErrClosed for an error of a closed store, and err
// otherwise.
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

// changesAfter reads up to scanPage records of namespace whose revision
// is after rev, in the order of their revisions, and the namespace's last
// revision and floor: 0 and 0 for a namespace never written.
func (d *driver) changesAfter(ctx context.Context, namespace string, rev int64) (page []revEvent, head, floor int64, err error) {
	rows, err := d.stmts.changesAfter.QueryContext(ctx, namespace, rev, scanPage)
	if err != nil {
		return nil, 0, 0, classify(err)
	}
	defer rows.Close()
	var r row
	var h, f, revision any
	dest := append([]any{&h, &f}, append(r.dest(), &revision)...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, 0, classify(err)
		}
		var ok1, ok2 bool
		head, ok1 = h.(int64)
		floor, ok2 = f.(int64)
		if !ok1 || !ok2 {
			return nil, 0, 0, fmt.Errorf("%w: the feed row of namespace %q holds %s and %s, want integers", ErrCorrupt, namespace, sqlType(h), sqlType(f))
		}
		if revision == nil {
			continue // the namespace's feed row alone: no change after rev
		}
		rec, err := r.record(namespace)
		if err != nil {
			return nil, 0, 0, err
		}
		n, ok := revision.(int64)
		if !ok {
			return nil, 0, 0, fmt.Errorf("%w: row %q %q %q: rev is %s, want integer", ErrCorrupt, namespace, rec.Kind, rec.ID, sqlType(revision))
		}
		page = append(page, revEvent{backend.Event{Record: rec, Position: d.feed.position(n)}, n})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, classify(err)
	}
	return page, head, floor, nil
}
