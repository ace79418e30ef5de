package redisstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// watchBlock is how long one XREAD of a watch waits on the server for a
// change. A change wakes it at once; the bound only sets how soon an idle
// watch notices that its ctx ended, that the store was closed, or that
// PurgeTombstones cut the history it was about to read.
const watchBlock = 500 * time.Millisecond

// watchCount is the most log entries one XREAD of a watch returns.
const watchCount = 256

// Snapshot reads the namespace's last position, then its records with
// Scan, and returns both. The order matters: every change at or before
// the position was applied before the records are read, so the records
// hold it or a later one; a change saved meanwhile may be in the records
// and also come from Watch of the position, which last-write-wins makes
// harmless. Reading the records first would lose a change saved between
// the two reads. A purge meanwhile gives the namespace a later position,
// so that Watch of this one expires rather than build on a torn state.
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	last, err := d.lastPosition(ctx, d.keys(namespace))
	if err != nil {
		return nil, "", err
	}
	var recs []backend.Record
	for r, err := range d.Scan(ctx, namespace) {
		if err != nil {
			return nil, "", err
		}
		recs = append(recs, r)
	}
	return recs, d.cursor(namespace, last), nil
}

// lastPosition reads the position of the namespace's last change, or of
// its last purge: the zero position for a namespace without a feed.
func (d *driver) lastPosition(ctx context.Context, k keys) (position, error) {
	f, err := d.client.HMGet(ctx, k.feed, "epoch", "seq").Result()
	if err != nil {
		return position{}, fmt.Errorf("read feed: %w", err)
	}
	epoch, _ := f[0].(string)
	seq, _ := f[1].(string)
	return feedPosition(epoch, seq)
}

// feedPosition reads the fields of a feed hash; empty fields are the zero
// position.
func feedPosition(epoch, seq string) (position, error) {
	if epoch == "" {
		return position{}, nil
	}
	if seq == "" {
		seq = "0"
	}
	p, err := parseID(epoch + "-" + seq)
	if err != nil {
		return position{}, fmt.Errorf("damaged feed: %w", err)
	}
	return p, nil
}

// check returns nil when every change after p is still in the log (or p
// is the namespace's last position), and otherwise an error wrapping
// [unionstore.ErrCursorExpired] that says why: the history was trimmed
// or cut past p, a purge came after p, or p belongs to another epoch of
// the feed (the namespace's keys were lost and made again).
func (d *driver) check(ctx context.Context, k keys, p position) error {
	reply, err := feedStateScript.Run(ctx, d.client, []string{k.feed, k.log}, p.id()).Slice()
	if err != nil {
		return fmt.Errorf("read feed: %w", err)
	}
	if len(reply) != 4 {
		return fmt.Errorf("read feed: reply of %d values, want 4", len(reply))
	}
	epoch, _ := reply[0].(string)
	seq, _ := reply[1].(string)
	nextID, _ := reply[2].(string)
	marker, _ := reply[3].(int64)
	last, err := feedPosition(epoch, seq)
	if err != nil {
		return err
	}
	switch {
	case p == last:
		return nil
	case p != (position{}) && p.epoch != last.epoch:
		return fmt.Errorf("%w: position %s is of another epoch of the feed than its last, %s", unionstore.ErrCursorExpired, p.id(), last.id())
	case p.seq > last.seq:
		return fmt.Errorf("%w: position %s is past the feed's last, %s", unionstore.ErrCursorExpired, p.id(), last.id())
	case nextID == "":
		return fmt.Errorf("%w: position %s: the history after it was cut, up to %s", unionstore.ErrCursorExpired, p.id(), last.id())
	}
	next, err := parseID(nextID)
	if err != nil {
		return err
	}
	return expiredBefore(p, next, marker == 1)
}

// expiredBefore returns the error of reading next after p when a change
// between them is gone, or next is a purge's marker; nil otherwise.
func expiredBefore(p, next position, purge bool) error {
	switch {
	case !p.follows(next):
		return fmt.Errorf("%w: position %s: the history after it was trimmed or cut, up to %s", unionstore.ErrCursorExpired, p.id(), next.id())
	case purge:
		return fmt.Errorf("%w: position %s: the namespace was purged after it, at %s", unionstore.ErrCursorExpired, p.id(), next.id())
	}
	return nil
}

// Watch checks the position, then reads the log after it with XREAD
// BLOCK, [watchCount] entries at most per call, yielding each entry's
// record. Each entry must be the one right after the last read (positions
// are consecutive in an epoch), so that a trim or a purge between two
// reads gives an error wrapping [unionstore.ErrCursorExpired], never a
// gap; a purge's marker gives it too. When a read times out, after
// [watchBlock], Watch checks the position again, for a cut of the
// history that no new entry would reveal, and whether ctx ended or the
// store was closed.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		k := d.keys(namespace)
		p, err := d.watchStart(ctx, k, namespace, after)
		if err != nil {
			yield(backend.Event{}, d.watchEnd(ctx, err))
			return
		}
		args := &redis.XReadArgs{Streams: []string{k.log, ""}, Count: watchCount, Block: watchBlock}
		for {
			if err := d.watchEnd(ctx, nil); err != nil {
				yield(backend.Event{}, err)
				return
			}
			args.Streams[1] = p.id()
			streams, err := d.client.XRead(ctx, args).Result()
			if errors.Is(err, redis.Nil) {
				err = d.check(ctx, k, p)
			}
			if err != nil {
				yield(backend.Event{}, d.watchEnd(ctx, err))
				return
			}
			for _, s := range streams {
				for _, m := range s.Messages {
					ev, next, err := d.event(namespace, p, m)
					if err != nil {
						yield(backend.Event{}, err)
						return
					}
					p = next
					if !yield(ev, nil) {
						return
					}
				}
			}
		}
	}
}

// watchStart returns the position a watch starts after: the cursor's,
// checked, or the namespace's last for "".
func (d *driver) watchStart(ctx context.Context, k keys, namespace, after string) (position, error) {
	if after == "" {
		return d.lastPosition(ctx, k)
	}
	p, err := d.parseCursor(namespace, after)
	if err != nil {
		return position{}, err
	}
	return p, d.check(ctx, k, p)
}

// event turns the log entry m read after p into an event, and returns
// its position.
func (d *driver) event(namespace string, p position, m redis.XMessage) (backend.Event, position, error) {
	next, err := parseID(m.ID)
	if err != nil {
		return backend.Event{}, p, err
	}
	_, purge := m.Values["purge"]
	if err := expiredBefore(p, next, purge); err != nil {
		return backend.Event{}, p, err
	}
	mem, ok1 := m.Values["m"].(string)
	val, ok2 := m.Values["v"].(string)
	if !ok1 || !ok2 {
		return backend.Event{}, p, fmt.Errorf("log entry %s: no member or value", m.ID)
	}
	return backend.Event{Record: record(namespace, mem, val), Position: d.cursor(namespace, next)}, next, nil
}

// watchEnd returns the error that ends a watch: ctx's when it ended,
// [unionstore.ErrClosed] (joined to err) when the store was closed, err
// otherwise.
func (d *driver) watchEnd(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	select {
	case <-d.closed:
		if err == nil {
			return unionstore.ErrClosed
		}
		return fmt.Errorf("%w: %w", unionstore.ErrClosed, err)
	default:
		return err
	}
}
