package unionstore

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/unionstore/unionstore/internal/fanout"
	"github.com/unionstore/unionstore/internal/readahead"
)

// openMerge opens a cursor on every member for namespace: a stream for
// members that implement Scanner, a loaded slice for the others, all read
// concurrently. A member skipped by its breaker counts as failed. Once the
// read quorum q has answered (delivered its first changes or ended), the
// others get the quorum's grace and are then dropped as stalled: the
// engine's rules ([fanout.Await]). Members that fail, at the start or
// midway, are dropped while at least q remain; after that the merge fails.
func (u *Union[E]) openMerge(ctx context.Context, op fanout.Op, namespace string, q int) (*merger[E], error) {
	if err := u.checkRead(ctx); err != nil {
		return nil, fmt.Errorf("unionstore: %s: %w", op, err)
	}
	n := len(u.members)
	need := quorum(q, n)
	call := &fanout.Call{Op: op, Namespace: namespace, Need: need, Grace: u.opts.quorumGrace()}
	cursors := make([]*cursor[E], n)
	var failed []*StoreError
	ready := make(chan readySignal, n)
	// Every member call started is ended once, with its outcome: all on
	// the goroutine that walks the merge.
	ends := make([]func(int, error), n)
	finish := func(c *cursor[E], err error) {
		if end := ends[c.index]; end != nil {
			ends[c.index] = nil
			end(c.count, err)
		}
	}
	var waiting []int
	for i, m := range u.members {
		if err := u.team.Admit(ctx, call, i); err != nil {
			failed = append(failed, u.team.Wrap(call, i, err).(*StoreError))
			continue
		}
		mctx, cancel := context.WithCancel(ctx)
		mctx, ends[i] = u.team.Start(mctx, call, i)
		var seq iter.Seq2[Change[E], error]
		if sc, ok := m.store.(Scanner[E]); ok {
			seq = sc.Scan(mctx, namespace)
		} else {
			seq = loadSeq(mctx, m.store, namespace)
		}
		cursors[i] = seqCursor(mctx, i, seq, ready)
		stop := cursors[i].stop
		cursors[i].stop = func() { stop(); cancel() }
		waiting = append(waiting, i)
	}
	// closeAll abandons the merge: the calls of members that had not
	// answered end with err.
	closeAll := func(err error) {
		for _, c := range cursors {
			if c != nil {
				c.close()
				if c.answered {
					finish(c, nil)
				} else {
					finish(c, err)
				}
			}
		}
	}
	tooFew := func() error {
		return fmt.Errorf("unionstore: %s %q: %w: %d of %d stores answered, %d needed: %w",
			op, namespace, ErrQuorum, n-len(failed), n, need, joinFailures(failed))
	}
	// drop ends a member's call with err, its outcome already recorded
	// for its breaker, and leaves it out of the merge.
	drop := func(c *cursor[E], err error) {
		m := u.members[c.index]
		finish(c, err)
		c.failed = true
		failed = append(failed, &StoreError{Index: c.index, Name: m.name, Op: string(op), Err: err})
		if errors.Is(err, ErrStalled) {
			c.close() // cancel the member now, not when the walk ends
		}
	}
	fail := func(c *cursor[E], err error) {
		u.team.Record(ctx, call, c.index, err)
		drop(c, err)
	}
	// Wait for the members to answer: all of them, or the quorum and then
	// the grace.
	if n-len(failed) >= need {
		stalled, stallErr, err := fanout.Await(ctx, u.team, call, n, waiting, ready, func(r readySignal) (int, bool) {
			cursors[r.index].answered = true
			return r.index, !r.failed
		})
		if err != nil {
			closeAll(ctx.Err())
			return nil, fmt.Errorf("unionstore: %s %q: %w", op, namespace, err)
		}
		for _, i := range stalled {
			drop(cursors[i], stallErr)
			cursors[i].close()
			cursors[i] = nil
		}
	}
	if n-len(failed) < need {
		err := tooFew()
		closeAll(err)
		return nil, err
	}
	var live []*cursor[E]
	for _, c := range cursors {
		if c != nil {
			live = append(live, c)
			if need < n { // a degraded read may leave a stalled member behind
				c.ahead.StallAfter = u.opts.streamStall()
				c.ahead.CanDrop = func() bool { return n-len(failed)-1 >= need }
			}
		}
	}
	onError := func(c *cursor[E], err error) error {
		m := u.members[c.index]
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			// The caller gave up: end the merge rather than drop the member.
			return fmt.Errorf("unionstore: %s %q: %w (still waiting for %s)", op, namespace, err, m.label(c.index))
		}
		fail(c, err)
		if n-len(failed) >= need {
			return nil
		}
		return tooFew()
	}
	m, err := newMerger(n, live, onError)
	if err != nil {
		closeAll(err)
		return nil, err
	}
	m.onClose = func() {
		for _, c := range live {
			if !c.failed {
				u.team.Record(ctx, call, c.index, nil)
				finish(c, nil)
			}
		}
	}
	return m, nil
}

// readySignal says that member index answered a scan, and whether its
// answer was an error.
type readySignal struct {
	index  int
	failed bool
}

// seqCursor walks a member's stream, read ahead by a goroutine (see
// [readahead.Reader]), so that the members of a union are read
// concurrently, and so that next returns as soon as ctx ends even while
// the member is blocked. stop must be called once the cursor is done.
//
// The reader sends one readySignal on ready (buffered by the caller) when
// the member answers: its first chunk, its error, or its end.
func seqCursor[E Entity](ctx context.Context, index int, seq iter.Seq2[Change[E], error], ready chan<- readySignal) *cursor[E] {
	r := readahead.Start(ctx, seq, func(failed bool) { ready <- readySignal{index: index, failed: failed} }, contain)
	r.Stalled = ErrStalled
	return &cursor[E]{index: index, next: r.Next, stop: r.Stop, ahead: r}
}

// loadSeq streams a member that cannot: it loads the namespace whole,
// sorted and compacted for the merge, and yields it.
func loadSeq[E Entity](ctx context.Context, s Store[E], namespace string) iter.Seq2[Change[E], error] {
	return func(yield func(Change[E], error) bool) {
		changes, err := s.Load(ctx, namespace)
		if err == nil {
			changes, err = sortedForMerge(changes)
		}
		if err != nil {
			yield(Change[E]{}, err)
			return
		}
		for _, c := range changes {
			if !yield(c, nil) {
				return
			}
		}
	}
}
