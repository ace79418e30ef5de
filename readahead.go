package unionstore

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"
)

// readAhead is how many changes a streamed member's reader goroutine
// prepares per chunk. The chunk being read, one in the channel and one
// being filled bound a member's memory to three times this many changes.
const readAhead = 256

// readySignal says that member index answered a scan, and whether its
// answer was an error.
type readySignal struct {
	index  int
	failed bool
}

type chunk[E Entity] struct {
	changes []Change[E]
	err     error
}

// seqCursor walks a member's stream. A goroutine reads the stream ahead in
// chunks, so that the members of a union are read concurrently, and so
// that next returns as soon as ctx ends even while the member is blocked.
// stop must be called once the cursor is done; the goroutine then ends at
// its next yield.
//
// The reader sends one readySignal on ready (buffered by the caller) when
// the member answers: its first chunk, its error, or its end.
func seqCursor[E Entity](ctx context.Context, index int, seq iter.Seq2[Change[E], error], ready chan<- readySignal) *cursor[E] {
	chunks := make(chan chunk[E], 1)
	free := make(chan []Change[E], 2) // spent chunks, for the reader to reuse
	done := make(chan struct{})
	newBuf := func() []Change[E] {
		select {
		case b := <-free:
			return b[:0]
		default:
			return make([]Change[E], 0, readAhead)
		}
	}
	go func() {
		defer close(chunks)
		signalled := false
		signal := func(failed bool) {
			if !signalled {
				signalled = true
				ready <- readySignal{index: index, failed: failed}
			}
		}
		defer signal(false) // the stream ended, or the merge stopped
		send := func(c chunk[E]) bool {
			select {
			case chunks <- c:
				signal(c.err != nil)
				return true
			case <-done:
				return false
			}
		}
		buf := newBuf()
		stopped := false // the merge stopped listening
		err := contain(func() error {
			for c, err := range seq {
				if err != nil {
					if len(buf) > 0 && !send(chunk[E]{changes: buf}) {
						stopped = true
						return nil
					}
					buf = nil
					return err
				}
				if buf = append(buf, c); len(buf) == readAhead {
					if !send(chunk[E]{changes: buf}) {
						stopped = true
						return nil
					}
					buf = newBuf()
				}
			}
			return nil
		})
		switch {
		case stopped:
		case err != nil: // the stream's error, or its panic
			send(chunk[E]{err: err})
		case len(buf) > 0:
			send(chunk[E]{changes: buf})
		}
	}()
	var spent, current []Change[E]
	cur := &cursor[E]{index: index, stop: sync.OnceFunc(func() { close(done) })}
	cur.next = func() (Change[E], error, bool) {
		for len(current) == 0 {
			if spent != nil {
				clear(spent) // drop the entities for the garbage collector
				select {
				case free <- spent:
				default:
				}
				spent = nil
			}
			var stalled <-chan time.Time
			if cur.stallAfter > 0 {
				t := time.NewTimer(cur.stallAfter)
				stalled = t.C
				defer t.Stop()
			}
			select {
			case c, ok := <-chunks:
				if !ok {
					return Change[E]{}, nil, false
				}
				if c.err != nil {
					return Change[E]{}, c.err, true
				}
				current, spent = c.changes, c.changes
			case <-ctx.Done():
				return Change[E]{}, ctx.Err(), true
			case <-stalled:
				if cur.canDrop() {
					return Change[E]{}, fmt.Errorf("%w: no changes for %v in the middle of its stream", ErrStalled, cur.stallAfter), true
				}
				// The merge cannot go on without it: wait, without a limit.
				cur.stallAfter = 0
			}
		}
		c := current[0]
		current = current[1:]
		return c, nil, true
	}
	return cur
}
