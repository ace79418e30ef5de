package unionstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Lifecycle is the open or closed state of a store, for implementations
// of [Store] over a client library: the check at the start of each
// operation and the wrapping of the errors the library returns, so that
// callers can test them with [errors.Is] whatever the library said. The
// zero value is open. It is safe for concurrent use.
type Lifecycle struct {
	closed atomic.Bool

	mu   sync.Mutex
	done chan struct{} // made by the first Done, closed by Close
}

// Close marks the store closed, and closes the channel of Done. It
// reports whether this call closed the store: true once, so that a
// store's Close releases its resources once.
func (l *Lifecycle) Close() bool {
	if !l.closed.CompareAndSwap(false, true) {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done != nil {
		close(l.done)
	}
	return true
}

// Done returns a channel that is closed once Close is called, so that a
// long-running call of a store, such as a watch, can end when the store
// closes although its client library does not tell it.
func (l *Lifecycle) Done() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		l.done = make(chan struct{})
		if l.closed.Load() {
			// Close came first and found no channel to close.
			close(l.done)
		}
	}
	return l.done
}

// Closed reports whether Close was called.
func (l *Lifecycle) Closed() bool { return l.closed.Load() }

// Check returns the error of an operation that cannot start: ctx.Err()
// when ctx is done, [ErrClosed] after Close, nil otherwise.
func (l *Lifecycle) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.Closed() {
		return ErrClosed
	}
	return nil
}

// Wrap returns err made to wrap ctx.Err() when ctx is done, and
// [ErrClosed] when the store was closed meanwhile, for a library that
// reports either in its own terms. It returns nil for a nil err.
func (l *Lifecycle) Wrap(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	if l.Closed() && !errors.Is(err, ErrClosed) {
		err = fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}
