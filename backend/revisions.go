package backend

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/unionstore/unionstore"
)

// Revisions is the change feed of a driver whose engine numbers the
// changes of each namespace: every record a Put applies takes the
// namespace's next revision in the same transaction, committed in order,
// and a purge raises the namespace's floor above the revisions it
// removed. It makes the positions, wakes the watches of this store when
// it commits, polls for the commits of other stores and processes, and
// ends the watches at Close; the driver reads the pages.
//
// Revisions that may commit out of order (a sequence shared by
// concurrent transactions) do not fit: a watch past revision 10 would
// never read a 9 that commits later.
type Revisions struct {
	id   int64 // the table's or file's identity, which positions carry
	poll time.Duration
	what string // what the identity is of, for errors: "table", "file"

	mu   sync.Mutex
	wake chan struct{} // closed, and replaced, when this store commits
	done chan struct{} // closed by Close
}

// RevisionPage is what a driver reads of a namespace's feed in one
// statement, so from one snapshot: the records whose revision is after a
// revision, in the order of their revisions, with those revisions; the
// namespace's last revision; and its floor (0 and 0 for a namespace never
// written).
type RevisionPage struct {
	Records     []Record
	Revs        []int64
	Head, Floor int64
}

// NewRevisions returns the feed of a table or file whose identity is id,
// a number kept with the data so that a position of another table or file
// expires; what names it in errors. Watches poll every poll for the
// commits of others.
func NewRevisions(id int64, poll time.Duration, what string) *Revisions {
	return &Revisions{id: id, poll: poll, what: what, wake: make(chan struct{}), done: make(chan struct{})}
}

// Notify wakes the watches of this store; the driver calls it after each
// commit.
func (r *Revisions) Notify() {
	r.mu.Lock()
	defer r.mu.Unlock()
	close(r.wake)
	r.wake = make(chan struct{})
}

// Waiter returns the channel that the next Notify closes.
func (r *Revisions) Waiter() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wake
}

// Close ends the watches of this store with [unionstore.ErrClosed]; it
// may be called again.
func (r *Revisions) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
	default:
		close(r.done)
	}
}

// Closed reports whether Close was called.
func (r *Revisions) Closed() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// ClosedOr returns an error wrapping [unionstore.ErrClosed] for an error
// met after Close, and err otherwise.
func (r *Revisions) ClosedOr(err error) error {
	if err != nil && r.Closed() {
		return fmt.Errorf("%w (%v)", unionstore.ErrClosed, err)
	}
	return err
}

// Position returns the position of revision rev: the identity in
// hexadecimal, a dash, and the revision.
func (r *Revisions) Position(rev int64) string {
	return strconv.FormatInt(r.id, 16) + "-" + strconv.FormatInt(rev, 10)
}

// Parse returns the revision of a position of this table or file, or an
// error wrapping [unionstore.ErrCursorExpired].
func (r *Revisions) Parse(pos string) (int64, error) {
	id, rev, ok := strings.Cut(pos, "-")
	if ok && id == strconv.FormatInt(r.id, 16) {
		if n, err := strconv.ParseInt(rev, 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: %q is not a position of this %s", unionstore.ErrCursorExpired, pos, r.what)
}

// Snapshot reads the last revision of namespace with head, then its
// records with load, and returns them with the position of that revision.
// Every change committed after the revision comes from Watch of the
// position, though the records may hold some of them already: applied
// again, they are harmless.
func (r *Revisions) Snapshot(ctx context.Context, namespace string, head func(context.Context, string) (int64, error),
	load func(context.Context, string) ([]Record, error)) ([]Record, string, error) {
	rev, err := head(ctx, namespace)
	if err != nil {
		return nil, "", r.ClosedOr(err)
	}
	recs, err := load(ctx, namespace)
	if err != nil {
		return nil, "", r.ClosedOr(err)
	}
	return recs, r.Position(rev), nil
}

// Watch yields the records after the position after ("" for the
// namespace's last revision, which head returns), a page of up to
// pageSize at a time read by page. When a page is not full, it waits for
// a commit of this store, the poll interval, ctx or Close. A page whose
// floor is above the position (a purge committed after it), or whose last
// revision is below it (a position of a copy restored from an older one),
// ends the watch with an error wrapping [unionstore.ErrCursorExpired],
// whether or not the records read met the purge.
func (r *Revisions) Watch(ctx context.Context, after string, head func(context.Context) (int64, error),
	page func(ctx context.Context, after int64) (RevisionPage, error), pageSize int) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		pos, err := r.start(ctx, after, head)
		for err == nil {
			wake := r.Waiter()
			var p RevisionPage
			if p, err = page(ctx, pos); err != nil {
				err = r.ClosedOr(err)
				break
			}
			if err = r.expired(pos, p); err != nil {
				break
			}
			for i, rec := range p.Records {
				pos = p.Revs[i]
				if !yield(Event{Record: rec, Position: r.Position(pos)}, nil) {
					return
				}
			}
			if len(p.Records) < pageSize {
				err = r.Wait(ctx, wake)
			}
		}
		yield(Event{}, err)
	}
}

// WatchNamespace is [Revisions.Watch] of namespace over reads that take
// the namespace, as those of [Revisions.Snapshot] do, so that a driver
// passes its own methods: head returns the namespace's last revision, and
// page reads its changes after a revision.
func (r *Revisions) WatchNamespace(ctx context.Context, namespace, after string, head func(context.Context, string) (int64, error),
	page func(ctx context.Context, namespace string, after int64) (RevisionPage, error), pageSize int) iter.Seq2[Event, error] {
	return r.Watch(ctx, after,
		func(ctx context.Context) (int64, error) { return head(ctx, namespace) },
		func(ctx context.Context, after int64) (RevisionPage, error) { return page(ctx, namespace, after) },
		pageSize)
}

// start returns the revision a watch begins after.
func (r *Revisions) start(ctx context.Context, after string, head func(context.Context) (int64, error)) (int64, error) {
	if after != "" {
		return r.Parse(after)
	}
	rev, err := head(ctx)
	return rev, r.ClosedOr(err)
}

// expired returns the error of a watch at revision pos that p shows to
// have lost its history, or nil.
func (r *Revisions) expired(pos int64, p RevisionPage) error {
	switch {
	case pos > p.Head:
		return fmt.Errorf("%w: position %d is beyond the namespace's last revision %d (a %s restored from an older copy?)",
			unionstore.ErrCursorExpired, pos, p.Head, r.what)
	case pos < p.Floor:
		return fmt.Errorf("%w: position %d is before revision %d, of a purge", unionstore.ErrCursorExpired, pos, p.Floor)
	}
	return nil
}

// Wait waits for wake (from Waiter), the poll interval, ctx or Close,
// and returns the error that ends a watch, if any: for a driver's own
// loops beside Watch, such as a benchmark's raw feed.
func (r *Revisions) Wait(ctx context.Context, wake <-chan struct{}) error {
	t := time.NewTimer(r.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return unionstore.ErrClosed
	case <-wake:
	case <-t.C:
	}
	return nil
}
