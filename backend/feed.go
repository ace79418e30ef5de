package backend

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/unionstore/unionstore"
)

// Feeder is implemented by drivers with a change feed; [Store] implements
// [unionstore.Watcher] through it, and with a driver that lacks it, its
// Snapshot and Watch return an error wrapping [errors.ErrUnsupported].
//
// A position is the driver's own text for a point in a namespace's
// history, handed to users as a [unionstore.Cursor]; "" means now. The
// promise of [unionstore.Watcher] is the driver's to keep: every record
// committed after a snapshot's position comes from Watch of that
// position, superseded records of an identity may be skipped but never
// the latest, and a position the driver no longer holds history back to,
// or did not make, gives an error wrapping [unionstore.ErrCursorExpired].
// Purge and PurgeTombstones must expire the positions before them when a
// watcher could otherwise miss a removal.
type Feeder interface {
	// Snapshot returns what Scan yields, and the position of that state.
	Snapshot(ctx context.Context, namespace string) ([]Record, string, error)
	// Watch yields the records committed to namespace after the
	// position, in commit order, each with the position right after it,
	// until ctx ends or the driver is closed. It yields an error at most
	// once, as its last pair, and stops when the caller stops.
	// The store is done with an event's Payload before it asks for the
	// next pair, as with Scan.
	Watch(ctx context.Context, namespace, after string) iter.Seq2[Event, error]
}

// Event is one record committed to a watched namespace and the position
// right after it.
type Event struct {
	Record   Record
	Position string
}

// feeder returns the driver's feed, or an error for a driver without one.
func (s *Store[E]) feeder() (Feeder, error) {
	f, ok := s.driver.(Feeder)
	if !ok {
		return nil, fmt.Errorf("%T has no change feed: %w", s.driver, errors.ErrUnsupported)
	}
	return f, nil
}

// Snapshot returns what Load returns and the cursor of that state: see
// [unionstore.Watcher]. Records that do not decode are left out and
// reported, as Load does.
func (s *Store[E]) Snapshot(ctx context.Context, namespace string) (unionstore.Changes[E], unionstore.Cursor, error) {
	op := fmt.Sprintf("snapshot %q of", namespace)
	if err := s.life.Check(ctx); err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	f, err := s.feeder()
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	recs, pos, err := f.Snapshot(ctx, namespace)
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	out := make(unionstore.Changes[E], 0, len(recs))
	var bad unionstore.DecodeErrors
	for _, r := range recs {
		c, err := Decode(s.codec, r)
		if err != nil {
			bad.Add(err)
			continue
		}
		out = append(out, c)
	}
	if err := bad.Err(); err != nil {
		return out, unionstore.Cursor(pos), fmt.Errorf("%s: %s %s: %w", s.pkg, op, s.driver, err)
	}
	return out, unionstore.Cursor(pos), nil
}

// Watch yields the changes committed to namespace after the cursor: see
// [unionstore.Watcher]. A record that does not decode ends the watch with
// an error wrapping [unionstore.ErrDecode]; the cursor of the event before
// it resumes there.
func (s *Store[E]) Watch(ctx context.Context, namespace string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[E], error] {
	return func(yield func(unionstore.WatchEvent[E], error) bool) {
		op := fmt.Sprintf("watch %q of", namespace)
		if err := s.life.Check(ctx); err != nil {
			yield(unionstore.WatchEvent[E]{}, s.fail(ctx, op, err))
			return
		}
		f, err := s.feeder()
		if err != nil {
			yield(unionstore.WatchEvent[E]{}, s.fail(ctx, op, err))
			return
		}
		for ev, err := range f.Watch(ctx, namespace, string(after)) {
			if err != nil {
				yield(unionstore.WatchEvent[E]{}, s.fail(ctx, op, err))
				return
			}
			c, err := Decode(s.codec, ev.Record)
			if err != nil {
				yield(unionstore.WatchEvent[E]{}, fmt.Errorf("%s: %s %s: %w", s.pkg, op, s.driver, err))
				return
			}
			if !yield(unionstore.WatchEvent[E]{Change: c, Cursor: unionstore.Cursor(ev.Position)}, nil) {
				return
			}
		}
	}
}

// Paged is the loop of a Feeder's Watch over an engine read a page at a
// time: it yields the events of each page that page reads, in order, and
// after a page that read all there was (more false) waits for the channel
// wake returned before that page was read, so that no commit in between
// is missed; for ctx; or for done, the driver's Close, after which the
// error wraps [unionstore.ErrClosed]. page keeps its own position. Paged
// yields an error at most once, as its last pair, and stops when the
// caller stops.
func Paged(ctx context.Context, done <-chan struct{}, wake func() <-chan struct{},
	page func(context.Context) (events []Event, more bool, err error)) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		var err error
		for err == nil {
			if err = ctx.Err(); err != nil {
				break
			}
			woken := wake()
			var events []Event
			var more bool
			events, more, err = page(ctx)
			for _, ev := range events {
				if !yield(ev, nil) {
					return
				}
			}
			if err != nil || more {
				continue
			}
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-done:
				err = unionstore.ErrClosed
			case <-woken:
			}
		}
		yield(Event{}, err)
	}
}
