package readahead

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"
)

// Size is how many values a reader's goroutine prepares per chunk. The
// chunk being read, one in the channel and one being filled bound a
// reader's memory to three times this many values.
const Size = 256

type chunk[T any] struct {
	values []T
	err    error
}

// Reader walks a sequence that a goroutine reads ahead in chunks. Its
// fields configure the stall rule and may be set before the first call to
// Next; a Reader is walked by one goroutine.
type Reader[T any] struct {
	ctx    context.Context
	chunks chan chunk[T]
	free   chan []T // spent chunks, for the goroutine to reuse
	stop   func()
	// spent is the chunk being read, current what is left of it.
	spent, current []T

	// StallAfter, when not 0, is how long Next may wait for the next
	// values, once the sequence has answered, before it fails with an
	// error wrapping Stalled, if CanDrop says the consumer can go on
	// without this reader. When CanDrop says no, Next waits without a
	// limit from then on.
	StallAfter time.Duration
	CanDrop    func() bool
	Stalled    error
}

// Start starts a goroutine that reads seq under ctx ahead of the
// returned reader. It calls answered once, from that goroutine, when the
// sequence answers: with its first chunk, its error (failed is then
// true) or its end. contain calls the function it is given and turns its
// panic into an error, so that a sequence that panics fails the reader
// rather than the process.
//
// Stop must be called once the reader is done; the goroutine then ends
// at the sequence's next yield.
func Start[T any](ctx context.Context, seq iter.Seq2[T, error], answered func(failed bool), contain func(func() error) error) *Reader[T] {
	r := &Reader[T]{ctx: ctx, chunks: make(chan chunk[T], 1), free: make(chan []T, 2)}
	done := make(chan struct{})
	r.stop = sync.OnceFunc(func() { close(done) })
	go r.read(seq, done, answered, contain)
	return r
}

// read is the reader's goroutine.
func (r *Reader[T]) read(seq iter.Seq2[T, error], done <-chan struct{}, answered func(failed bool), contain func(func() error) error) {
	defer close(r.chunks)
	signalled := false
	signal := func(failed bool) {
		if !signalled {
			signalled = true
			answered(failed)
		}
	}
	defer signal(false) // the sequence ended, or the reader stopped
	send := func(c chunk[T]) bool {
		select {
		case r.chunks <- c:
			signal(c.err != nil)
			return true
		case <-done:
			return false
		}
	}
	buf := r.newBuf()
	stopped := false // the consumer stopped listening
	err := contain(func() error {
		for v, err := range seq {
			if err != nil {
				if len(buf) > 0 && !send(chunk[T]{values: buf}) {
					stopped = true
					return nil
				}
				buf = nil
				return err
			}
			if buf = append(buf, v); len(buf) == Size {
				if !send(chunk[T]{values: buf}) {
					stopped = true
					return nil
				}
				buf = r.newBuf()
			}
		}
		return nil
	})
	switch {
	case stopped:
	case err != nil: // the sequence's error, or its panic
		send(chunk[T]{err: err})
	case len(buf) > 0:
		send(chunk[T]{values: buf})
	}
}

func (r *Reader[T]) newBuf() []T {
	select {
	case b := <-r.free:
		return b[:0]
	default:
		return make([]T, 0, Size)
	}
}

// Next returns the next value, or the sequence's error, and false once
// the sequence has ended. It returns as soon as the reader's context
// ends, with ctx.Err(), even while the sequence is blocked.
func (r *Reader[T]) Next() (T, error, bool) {
	var zero T
	for len(r.current) == 0 {
		if r.spent != nil {
			clear(r.spent) // drop the values for the garbage collector
			select {
			case r.free <- r.spent:
			default:
			}
			r.spent = nil
		}
		var stalled <-chan time.Time
		if r.StallAfter > 0 {
			t := time.NewTimer(r.StallAfter)
			stalled = t.C
			defer t.Stop()
		}
		select {
		case c, ok := <-r.chunks:
			if !ok {
				return zero, nil, false
			}
			if c.err != nil {
				return zero, c.err, true
			}
			r.current, r.spent = c.values, c.values
		case <-r.ctx.Done():
			return zero, r.ctx.Err(), true
		case <-stalled:
			if r.CanDrop() {
				return zero, fmt.Errorf("%w: no changes for %v in the middle of its stream", r.Stalled, r.StallAfter), true
			}
			// The consumer cannot go on without it: wait, without a limit.
			r.StallAfter = 0
		}
	}
	v := r.current[0]
	r.current = r.current[1:]
	return v, nil, true
}

// Stop tells the goroutine to stop reading; it may be called more than
// once.
func (r *Reader[T]) Stop() { r.stop() }
