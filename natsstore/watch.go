package natsstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// stopWait bounds how long a watch that ends waits for the server to
// delete its consumer.
const stopWait = 2 * time.Second

// Snapshot returns what Load returns for namespace and the position of
// that state: the stream's last sequence, read before the load starts.
// The load sees every message up to that sequence that the stream still
// holds, and maybe some after it; a watch from the position delivers those
// again, which is harmless, since the changes of an identity come in the
// order of their timestamps and repeats apply as no-ops with
// last-write-wins. A message removed before the load was either replaced
// by a newer one of its identity, which the load or the watch reads, or
// removed by a purge, whose floor marker comes after the position and
// expires it.
//
// It costs a direct get of the stream's floor marker, which it publishes
// first if it is missing, and a request for the stream's state, then what
// Load costs.
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	epoch, _, err := d.epoch(ctx, true)
	if err != nil {
		return nil, "", err
	}
	info, err := d.stream.Info(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("stream info: %w", err)
	}
	if snapshotBetween != nil {
		snapshotBetween()
	}
	recs, err := d.Load(ctx, namespace)
	if err != nil {
		return nil, "", err
	}
	return recs, d.position(epoch, info.State.LastSeq), nil
}

// snapshotBetween, when set, is called by Snapshot between its reads of
// the stream's state and of the namespace, for the test of a change saved
// then.
var snapshotBetween func()

// Watch yields the records committed to namespace after the position,
// in the order of the stream, each with the position right after it; ""
// starts from now. It reads through one ordered consumer of the stream,
// filtered to the namespace's subjects, from the position's sequence on,
// which the client recreates from the last message it delivered when the
// server or the connection fails it. The server pushes each message as
// it stores it, with no poll interval: an event usually arrives before
// the Save that wrote it returns. Watch first publishes the stream's
// floor marker if it is missing (see the package documentation).
//
// A position of another stream, one that is not a position, one of an
// earlier history of the stream (purged by an operator, or made again),
// or one after the stream's last sequence gives an error wrapping
// [unionstore.ErrCursorExpired] as the only pair. So does, as the last
// pair, a floor marker after the position: a Purge or PurgeTombstones of
// the namespace since.
//
// The watch ends with ctx's error when ctx ends, and with
// [unionstore.ErrClosed] when the driver is closed, as its last pair. Any
// other failure ends it with the server's or the client's error. Breaking
// out of the loop ends the watch; its consumer is deleted and no
// goroutine outlives it. The sequence may be walked more than once; each
// walk is a watch of its own.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		fail := func(err error) { yield(backend.Event{}, err) }
		// The watch ends when ctx ends or the store is closed.
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(d.closing, cancel)()
		cfg := jetstream.OrderedConsumerConfig{
			FilterSubjects:    []string{namespaceFilter(d.prefix, namespace)},
			DeliverPolicy:     jetstream.DeliverNewPolicy,
			InactiveThreshold: time.Minute,
		}
		var epoch int64
		if after == "" {
			e, _, err := d.epoch(wctx, true)
			if err != nil {
				fail(err)
				return
			}
			epoch = e
		} else {
			e, seq, err := d.resume(wctx, after)
			if err != nil {
				fail(err)
				return
			}
			epoch = e
			cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, seq+1
		}
		cons, err := d.js.OrderedConsumer(wctx, d.name, cfg)
		if err != nil {
			fail(fmt.Errorf("create the ordered consumer: %w", err))
			return
		}
		msgs, err := cons.Messages()
		if err != nil {
			d.deleteConsumer(cons)
			fail(fmt.Errorf("read the ordered consumer: %w", err))
			return
		}
		defer d.stopMessages(cons, msgs)
		// A consumer being recreated does not watch the context: stop
		// it too when the watch ends.
		defer context.AfterFunc(wctx, msgs.Stop)()
		marker := markerSubject(d.prefix, namespace)
		for {
			m, err := msgs.Next(jetstream.NextContext(wctx))
			if err != nil {
				if ctx.Err() == nil && d.closed() != nil {
					// Ended by Close, not by the caller's context.
					err = unionstore.ErrClosed
				}
				fail(err)
				return
			}
			md, err := m.Metadata()
			if err != nil {
				fail(err)
				return
			}
			seq := md.Sequence.Stream
			if m.Subject() == marker {
				fail(fmt.Errorf("%w: the namespace was purged at position %d, after the cursor", unionstore.ErrCursorExpired, seq))
				return
			}
			ev := backend.Event{Record: readRecord(d.prefix, m.Subject(), m.Headers(), m.Data()), Position: d.position(epoch, seq)}
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// stopMessages stops msgs and deletes cons's consumer on the server, which would otherwise linger
// until its inactivity threshold.
func (d *driver) stopMessages(cons jetstream.Consumer, msgs jetstream.MessagesContext) {
	// The client's goroutines of msgs end shortly after Stop. (Its
	// Closed, which would wait for them, leaves a goroutine waiting when
	// the subscription has already ended.)
	msgs.Stop()
	d.deleteConsumer(cons)
}

// deleteConsumer deletes cons's current consumer, unless the connection
// is closed, and ignores the outcome: the server drops it after a minute
// of inactivity anyway.
func (d *driver) deleteConsumer(cons jetstream.Consumer) {
	if d.js.Conn().IsClosed() {
		return
	}
	info := cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopWait)
	defer cancel()
	_ = d.js.DeleteConsumer(ctx, d.name, info.Name)
}

// position returns the position of the stream's sequence seq in the
// history named by epoch, which users see as a [unionstore.Cursor]: the
// stream's name, the epoch and the sequence, in decimal, separated by
// colons.
func (d *driver) position(epoch int64, seq uint64) string {
	return d.name + ":" + strconv.FormatInt(epoch, 10) + ":" + strconv.FormatUint(seq, 10)
}

// errForeignCursor is wrapped by the error of a position the store did
// not make.
var errForeignCursor = errors.New("not a cursor of this stream")

// parsePosition returns the epoch and the sequence of a position of the
// store's stream.
func (d *driver) parsePosition(c string) (epoch int64, seq uint64, err error) {
	rest, ok := strings.CutPrefix(c, d.name+":")
	e, q, ok2 := strings.Cut(rest, ":")
	if ok && ok2 {
		if epoch, err = strconv.ParseInt(e, 10, 64); err == nil {
			if seq, err = strconv.ParseUint(q, 10, 64); err == nil {
				return epoch, seq, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("%w: cursor %.80q: %w", unionstore.ErrCursorExpired, c, errForeignCursor)
}

// resume returns the epoch and the sequence of the position after, or an
// error wrapping [unionstore.ErrCursorExpired] for a position of another
// stream, of an earlier history of the stream (its floor marker is gone
// or newer), or after the stream's last sequence.
func (d *driver) resume(ctx context.Context, after string) (int64, uint64, error) {
	epoch, seq, err := d.parsePosition(after)
	if err != nil {
		return 0, 0, err
	}
	now, ok, err := d.epoch(ctx, false)
	switch {
	case err != nil:
		return 0, 0, err
	case !ok || now != epoch:
		// Gone, or stored again: the stream was purged, or made again.
		return 0, 0, fmt.Errorf("%w: cursor %q is of an earlier history of the stream, which was purged or made again since", unionstore.ErrCursorExpired, after)
	}
	info, err := d.stream.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("stream info: %w", err)
	}
	// The stream's first sequence says nothing here: it passes a cursor
	// whenever the messages before it are replaced by newer ones of their
	// subjects, which the watch then reads.
	if last := info.State.LastSeq; seq > last {
		return 0, 0, fmt.Errorf("%w: cursor %q is after the stream's last position %d", unionstore.ErrCursorExpired, after, last)
	}
	return epoch, seq, nil
}
