package natsstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// errTooMany is returned by consume when more messages match than its
// limit allows.
var errTooMany = errors.New("more messages than the limit")

// fetchBatch is the most messages one pull request of a read asks for,
// and headersBatch that of a read of headers only, whose messages are
// small: a pull is one wait for the server, which a busy server makes
// long, so a read of headers pulls few times.
const (
	fetchBatch   = 1024
	headersBatch = 64 * 1024
)

// getWorkers is the most point reads a store has in flight for one call,
// and deleteWorkers the most deletions.
const (
	getWorkers    = 32
	deleteWorkers = 256
)

// consume calls fn for every message on the subjects that filter matches,
// with its metadata, in stream order, through one ephemeral consumer that it deletes at the
// end. With headersOnly the messages come without their bodies. It reads
// what the stream holds when it starts and the messages published while
// it runs, until it has caught up with the stream; a subject republished
// meanwhile may come twice, the newer message last. If a message is lost
// on the way, which a reconnection can cause, consume returns an error
// rather than an incomplete read. It stops at fn's first error and
// returns it. With a limit above zero, it returns errTooMany without
// reading anything when more messages than limit match.
//
// Each pull asks for at most the messages pending, and at most
// fetchBatch of them, or headersBatch with headersOnly, and asks the
// server not to wait: a pull ends when the consumer has no more to deliver, so a
// count that is too high cannot hold the read. The count comes free with
// each message, but servers 2.9 do not lower it when a message it counted
// is deleted, as the stream's one-message-per-subject limit does when a
// subject is republished. So when a pull comes back short, or the count
// says that one pull is left, the read asks the consumer's info, which
// recounts from the stream at the cost of the part of the stream after
// the consumer's position: small near the end, where the consumer's
// creation counted the whole stream. Asking it after every pull instead
// made a read's time grow with the square of the stream. Nor can the end
// be fixed at the start as the filter's last sequence: a subject
// republished during the read has its new message further on, and the
// read must reach it. ctx is checked between pulls.
func (d *driver) consume(ctx context.Context, filter string, headersOnly bool, limit uint64, fn func(jetstream.Msg, *jetstream.MsgMetadata) error) error {
	cons, err := d.js.CreateConsumer(ctx, d.name, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		AckPolicy:         jetstream.AckNonePolicy,
		FilterSubject:     filter,
		HeadersOnly:       headersOnly,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: time.Minute,
	})
	if err != nil {
		return fmt.Errorf("create consumer: %w", err)
	}
	defer func() {
		// Delete the consumer even when ctx is done; the server would
		// drop it after a minute of inactivity anyway.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = d.js.DeleteConsumer(dctx, d.name, cons.CachedInfo().Name)
	}()
	pending := cons.CachedInfo().NumPending
	if limit > 0 && pending > limit {
		return errTooMany
	}
	var delivered uint64
	batch := uint64(fetchBatch)
	if headersOnly {
		batch = headersBatch
	}
	for pending > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(min(pending, batch))
		got, left := 0, uint64(0)
		err := d.fetch(cons, n, func(m jetstream.Msg) error {
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			if md.Sequence.Consumer != delivered+1 {
				return fmt.Errorf("message %d of the read arrived after %d: messages were lost on the way", md.Sequence.Consumer, delivered)
			}
			delivered = md.Sequence.Consumer
			got, left = got+1, md.NumPending
			return fn(m, md)
		})
		if err != nil {
			return err
		}
		if pulled != nil {
			pulled()
		}
		if got == n && left > batch {
			// Too high at worst: the next pull then comes back short,
			// or empty after a second when nothing at all is left.
			pending = left
			continue
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("consumer info: %w", err)
		}
		pending = info.NumPending
	}
	return nil
}

// pulled, when set, is called after each pull of a read, for the test of
// a read during which the messages it counted are replaced.
var pulled func()

// fetch pulls up to n messages that cons holds now, without waiting for
// more, and passes them to fn. It stops at fn's first error and returns
// it. The pull ends when the server says it has no more, or after a
// second without a message: servers 2.9 leave a pull that found nothing
// to deliver open while their count says more are pending, and a dead
// connection cannot hold the pull longer either.
func (d *driver) fetch(cons jetstream.Consumer, n int, fn func(jetstream.Msg) error) error {
	batch, err := cons.FetchNoWait(n)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	for m := range batch.Messages() {
		if err := fn(m); err != nil {
			return err
		}
	}
	if err := batch.Error(); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	return nil
}

// lastMsgs returns the last message of each subject, nil for a subject
// that has none, with up to getWorkers point reads in flight. It stops at
// the first error.
func (d *driver) lastMsgs(ctx context.Context, subjects []string) ([]*jetstream.RawStreamMsg, error) {
	out := make([]*jetstream.RawStreamMsg, len(subjects))
	err := inParallel(ctx, len(subjects), func(ctx context.Context, i int) error {
		m, err := d.stream.GetLastMsgForSubject(ctx, subjects[i])
		switch {
		case err == nil:
			out[i] = m
		case errors.Is(err, jetstream.ErrMsgNotFound):
		default:
			return fmt.Errorf("get the last message of %s: %w", subjects[i], err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inParallel calls fn for each of 0 to n-1, with up to getWorkers calls in
// flight, and returns the first error, after which it starts no more
// calls and cancels the context of those in flight.
func inParallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(getWorkers, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
