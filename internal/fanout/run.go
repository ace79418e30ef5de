package fanout

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Result is the outcome of one member's call.
type Result[T any] struct {
	Index int
	Value T
	Err   error // made by Members.Wrap; nil on success
}

// Run calls fn on the members at indexes concurrently, for the call c,
// and returns their results in the order of indexes, each error made by
// m.Wrap. A member that m.Admit refuses is not called: its result is the
// error of the skipped call. Once c.Need members have succeeded, the
// others get c.Grace; those still running then are cancelled and their
// results are errors wrapping m.Stalled. Every outcome is recorded for
// the breakers as it arrives. A panic in fn becomes the member's error,
// made by m.Panicked.
//
// When ctx ends before every member has answered, Run returns at once
// with the results so far and an error that wraps ctx.Err() and names
// the members still running. Either way, the goroutines of members still
// running finish on their own, their contexts cancelled, and their
// results are dropped; each call still ends for observers, from its own
// goroutine.
func Run[T any](ctx context.Context, m *Members, c Call, indexes []int, fn func(ctx context.Context, i int) (T, int, error)) ([]Result[T], error) {
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()                                   // stragglers past the grace are cancelled
	done := make(chan Result[T], len(indexes))       // buffered: late answers never block
	byIndex := make(map[int]Result[T], len(indexes)) // read and written by this goroutine only
	var waiting []int
	// One member under a context that cannot end has nothing to be
	// abandoned for: it runs on the caller's goroutine.
	inline := len(indexes) == 1 && ctx.Done() == nil
	for _, i := range indexes {
		if err := m.Admit(ctx, c, i); err != nil {
			byIndex[i] = Result[T]{Index: i, Err: m.Wrap(c, i, err)}
			continue
		}
		waiting = append(waiting, i)
		do := func() {
			cctx, end := m.Start(mctx, c, i)
			v, count, err := contain(m, fn, cctx, i)
			if err != nil && mctx.Err() != nil && ctx.Err() == nil {
				// Only the quorum's grace cancels a member while the
				// caller still waits: say so, as the result Run gave did.
				err = fmt.Errorf("%w: cancelled after the quorum's grace: %w", m.Stalled, err)
			}
			end(count, err)
			r := Result[T]{Index: i, Value: v}
			if err != nil {
				r.Err = m.Wrap(c, i, err)
			}
			done <- r
		}
		if inline {
			do()
		} else {
			go do()
		}
	}
	stalled, stallErr, err := Await(ctx, m, c, len(indexes), waiting, done, func(r Result[T]) (int, bool) {
		byIndex[r.Index] = r
		m.Record(ctx, c, r.Index, r.Err)
		return r.Index, r.Err == nil
	})
	for _, i := range stalled {
		byIndex[i] = Result[T]{Index: i, Err: m.Wrap(c, i, stallErr)}
	}
	out := make([]Result[T], 0, len(byIndex))
	for _, i := range indexes {
		if r, ok := byIndex[i]; ok {
			out = append(out, r)
		}
	}
	return out, err
}

// contain calls fn for member i and turns its panic into the error that
// m makes of it.
func contain[T any](m *Members, fn func(context.Context, int) (T, int, error), ctx context.Context, i int) (v T, count int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = m.Panicked(r, debug.Stack())
		}
	}()
	return fn(ctx, i)
}
