package unionstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/unionstore/unionstore/internal/fanout"
)

// The operations of a union's feed, in its members' errors.
const (
	OpSnapshot Op = "snapshot"
	OpWatch    Op = "watch"
)

var _ Watcher[Entity] = (*Union[Entity])(nil)

// unionCursorPrefix begins every cursor of a union.
const unionCursorPrefix = "u1."

// encodeCursor returns the union cursor that holds each member's cursor.
func encodeCursor(members []Cursor) Cursor {
	data, _ := json.Marshal(members) // a slice of strings always encodes
	return Cursor(unionCursorPrefix + base64.RawURLEncoding.EncodeToString(data))
}

// decodeCursor returns the member cursors that c holds: n of "" for "",
// or an error wrapping ErrCursorExpired when c is not a cursor of a union
// of n members.
func decodeCursor(c Cursor, n int) ([]Cursor, error) {
	if c == "" {
		return make([]Cursor, n), nil
	}
	var out []Cursor
	rest, ok := strings.CutPrefix(string(c), unionCursorPrefix)
	data, err := base64.RawURLEncoding.DecodeString(rest)
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	if !ok || err != nil || len(out) != n {
		return nil, fmt.Errorf("%w: %q is not a cursor of a union of %d stores", ErrCursorExpired, c, n)
	}
	return out, nil
}

// watchers returns each member as a Watcher, or an error naming those
// that are not.
func (u *Union[E]) watchers(op Op) ([]Watcher[E], error) {
	out := make([]Watcher[E], len(u.members))
	var errs []error
	for i, m := range u.members {
		w, ok := m.store.(Watcher[E])
		if !ok {
			errs = append(errs, &StoreError{Index: i, Name: m.name, Op: op, Err: fmt.Errorf("%T has no change feed: %w", m.store, errors.ErrUnsupported)})
		}
		out[i] = w
	}
	return out, errors.Join(errs...)
}

// Snapshot returns what Load returns, merged from every member's own
// snapshot, and one cursor that holds each member's: see [Watcher]. Under
// [DegradedReads] a member that failed is left out, as Load leaves it
// out, and its cursor is "now": a later Watch reads it from then on, and
// the other members deliver what it missed. Every member must implement
// Watcher.
func (u *Union[E]) Snapshot(ctx context.Context, namespace string) (Changes[E], Cursor, error) {
	if err := u.checkRead(ctx); err != nil {
		return nil, "", fmt.Errorf("unionstore: snapshot: %w", err)
	}
	ws, err := u.watchers(OpSnapshot)
	if err != nil {
		return nil, "", fmt.Errorf("unionstore: snapshot %q: %w", namespace, err)
	}
	all := u.indexes(func(member[E]) bool { return true })
	cursors := make([]Cursor, len(u.members)) // each written by its member's call
	call := fanout.Call{Op: fanout.Op(OpSnapshot), Namespace: namespace, Need: u.readNeed(len(all))}
	results, err := u.run(ctx, call, all, func(ctx context.Context, i int) (Changes[E], int, error) {
		changes, c, err := ws[i].Snapshot(ctx, namespace)
		if err != nil {
			return nil, 0, err
		}
		changes, err = sortedForMerge(changes)
		cursors[i] = c
		return changes, len(changes), err
	})
	if err != nil {
		return nil, "", fmt.Errorf("unionstore: snapshot %q: %w", namespace, err)
	}
	failed := failures(results)
	need := u.readNeed(len(all))
	if ok := len(all) - len(failed); ok < need {
		return nil, "", fmt.Errorf("unionstore: snapshot %q: %w: %d of %d stores answered, %d needed: %w",
			namespace, ErrQuorum, ok, len(all), need, joinFailures(failed))
	}
	var lists []Changes[E]
	size := 0
	for _, r := range results {
		if r.Err == nil {
			lists = append(lists, r.Value)
			size += len(r.Value)
		} else {
			cursors[r.Index] = ""
		}
	}
	return mergeSlices(lists, size), encodeCursor(cursors), nil
}

// memberEvent is what a member's watch sends the union's: an event, or
// the member's failure (err set) or recovery (recovered set).
type memberEvent[E Entity] struct {
	index     int
	ev        WatchEvent[E]
	err       error
	recovered bool
}

// watchRetry bounds the wait between two tries of a failed member's feed
// under DegradedReads.
const watchRetry = 5 * time.Second

// Watch yields the changes committed to namespace after the cursor, as its
// members' feeds deliver them, merged in the order they arrive: see
// [Watcher]. A change written to several members comes from each of them;
// applying the events with last-write-wins makes the repeats harmless.
// Each event's cursor holds every member's position, so that Watch from
// it resumes each member right after what the union yielded from it.
//
// A strict union yields the first failure of a member's feed, a
// [*StoreError], and ends. Under [DegradedReads](r), a member whose feed
// fails is tried again from its own last cursor, waiting up to 5 seconds
// between tries, while r members deliver; when fewer do, Watch yields an
// error wrapping [ErrQuorum]. A member's ErrCursorExpired always ends the
// watch: the follower must take a new snapshot.
func (u *Union[E]) Watch(ctx context.Context, namespace string, after Cursor) iter.Seq2[WatchEvent[E], error] {
	return func(yield func(WatchEvent[E], error) bool) {
		if err := u.checkRead(ctx); err != nil {
			yield(WatchEvent[E]{}, fmt.Errorf("unionstore: watch: %w", err))
			return
		}
		state, err := decodeCursor(after, len(u.members))
		if err != nil {
			yield(WatchEvent[E]{}, fmt.Errorf("unionstore: watch %q: %w", namespace, err))
			return
		}
		ws, err := u.watchers(OpWatch)
		if err != nil {
			yield(WatchEvent[E]{}, fmt.Errorf("unionstore: watch %q: %w", namespace, err))
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		events := make(chan memberEvent[E])
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait()
		}()
		retry := u.opts.readQuorum > 0 && u.opts.readQuorum < len(u.members)
		for i := range u.members {
			wg.Go(func() { u.watchMember(ctx, ws[i], i, namespace, state[i], retry, events) })
		}
		u.mergeFeeds(ctx, namespace, state, events, yield)
	}
}

// mergeFeeds yields the members' events as they come, each with the union
// cursor after it, until the consumer stops, ctx ends, or too few members
// deliver.
func (u *Union[E]) mergeFeeds(ctx context.Context, namespace string, state []Cursor, events <-chan memberEvent[E], yield func(WatchEvent[E], error) bool) {
	need := u.readNeed(len(u.members))
	failing := make([]*StoreError, len(u.members))
	for {
		var me memberEvent[E]
		select {
		case <-ctx.Done():
			yield(WatchEvent[E]{}, ctx.Err())
			return
		case me = <-events:
		}
		m := u.members[me.index]
		switch {
		case me.err != nil:
			se := &StoreError{Index: me.index, Name: m.name, Op: OpWatch, Err: me.err}
			if errors.Is(me.err, ErrCursorExpired) || need == len(u.members) {
				yield(WatchEvent[E]{}, fmt.Errorf("unionstore: watch %q: %w", namespace, se))
				return
			}
			failing[me.index] = se
			if down := failingErrors(failing); len(u.members)-len(down) < need {
				yield(WatchEvent[E]{}, fmt.Errorf("unionstore: watch %q: %w: %d of %d stores deliver, %d needed: %w",
					namespace, ErrQuorum, len(u.members)-len(down), len(u.members), need, joinFailures(down)))
				return
			}
		case me.recovered:
			failing[me.index] = nil
		default:
			failing[me.index] = nil
			state[me.index] = me.ev.Cursor
			if !yield(WatchEvent[E]{Change: me.ev.Change, Cursor: encodeCursor(state)}, nil) {
				return
			}
		}
	}
}

func failingErrors(failing []*StoreError) []*StoreError {
	var out []*StoreError
	for _, se := range failing {
		if se != nil {
			out = append(out, se)
		}
	}
	return out
}

// watchMember sends member i's events from after on, and its failures.
// With retry, it watches again from its last cursor after a failure that
// is not an expired cursor, waiting longer each time up to watchRetry.
func (u *Union[E]) watchMember(ctx context.Context, w Watcher[E], i int, namespace string, after Cursor, retry bool, out chan<- memberEvent[E]) {
	send := func(me memberEvent[E]) bool {
		select {
		case out <- me:
			return true
		case <-ctx.Done():
			return false
		}
	}
	wait := 100 * time.Millisecond
	failed := false
	for {
		var err error
		var delivered bool
		after, delivered, err = relay(ctx, w, i, namespace, after, failed, send)
		if ctx.Err() != nil {
			return
		}
		if delivered {
			wait = 100 * time.Millisecond
		}
		failed = true
		if !send(memberEvent[E]{index: i, err: err}) || !retry || errors.Is(err, ErrCursorExpired) || errors.Is(err, ErrClosed) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, watchRetry)
	}
}

// relay sends one watch of member i from after, first telling of its
// recovery when it failed before and delivers again. It returns the last
// cursor sent, whether it sent an event, and the watch's error (one of
// its own when the feed ended without one); a send refused because ctx
// ended stops it.
func relay[E Entity](ctx context.Context, w Watcher[E], i int, namespace string, after Cursor, failed bool, send func(memberEvent[E]) bool) (Cursor, bool, error) {
	delivered := false
	for ev, err := range w.Watch(ctx, namespace, after) {
		if err != nil {
			return after, delivered, err
		}
		if failed && !delivered && !send(memberEvent[E]{index: i, recovered: true}) {
			return after, delivered, ctx.Err()
		}
		delivered = true
		after = ev.Cursor
		if !send(memberEvent[E]{index: i, ev: ev}) {
			return after, delivered, ctx.Err()
		}
	}
	return after, delivered, errors.New("the feed ended without an error")
}
