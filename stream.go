package unionstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"
)

// openMerge opens a cursor on every member for namespace: a stream for
// members that implement Scanner, a loaded slice for the others, all read
// concurrently. A member skipped by its breaker counts as failed. Once the
// read quorum q has answered (delivered its first changes or ended), the
// others get the quorum's grace and are then dropped as stalled. Members
// that fail, at the start or midway, are dropped while at least q remain;
// after that the merge fails.
func (u *Union[E]) openMerge(ctx context.Context, op, namespace string, q int) (*merger[E], error) {
	if err := u.checkRead(ctx); err != nil {
		return nil, fmt.Errorf("unionstore: %s: %w", op, err)
	}
	n := len(u.members)
	need := quorum(q, n)
	cursors := make([]*cursor[E], n)
	var failed []*StoreError
	ready := make(chan readySignal, n)
	// Every member call started is finished once, with its outcome: all
	// on the goroutine that walks the merge.
	calls := make([]memberCall, n)
	finished := make([]bool, n)
	finish := func(c *cursor[E], err error) {
		if !finished[c.index] {
			finished[c.index] = true
			u.finish(&calls[c.index], c.count, err)
		}
	}
	for i, m := range u.members {
		if !u.allowMember(ctx, i) {
			se := u.skipped(op, namespace, i)
			u.hookSkipped(ctx, op, namespace, se)
			failed = append(failed, se)
			continue
		}
		mctx, cancel := context.WithCancel(ctx)
		mctx, calls[i] = u.startMember(mctx, op, i, namespace, "")
		var seq iter.Seq2[Change[E], error]
		if sc, ok := m.store.(Scanner[E]); ok {
			seq = sc.Scan(mctx, namespace)
		} else {
			seq = loadSeq(mctx, m.store, namespace)
		}
		cursors[i] = seqCursor(mctx, i, seq, ready)
		stop := cursors[i].stop
		cursors[i].stop = func() { stop(); cancel() }
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
	fail := func(c *cursor[E], err error) {
		m := u.members[c.index]
		u.recordMember(ctx, c.index, err)
		finish(c, err)
		c.failed = true
		failed = append(failed, &StoreError{Index: c.index, Name: m.name, Op: op, Err: err})
		if errors.Is(err, ErrStalled) {
			c.close() // cancel the member now, not when the walk ends
		}
	}
	// Wait for the members to answer: all of them, or the quorum and then
	// the grace.
	waiting, answered := 0, 0
	for _, c := range cursors {
		if c != nil {
			waiting++
		}
	}
	var graceOver <-chan time.Time
	for waiting > 0 && n-len(failed) >= need {
		select {
		case r := <-ready:
			waiting--
			cursors[r.index].answered = true
			if !r.failed {
				answered++
			}
			if graceOver == nil && answered >= need && waiting > 0 {
				t := time.NewTimer(u.opts.quorumGrace())
				defer t.Stop()
				graceOver = t.C
			}
		case <-graceOver:
			for i, c := range cursors {
				if c != nil && !c.answered {
					fail(c, fmt.Errorf("%w: no answer %v after %d of %d stores had", ErrStalled, u.opts.quorumGrace(), answered, n))
					c.close()
					cursors[i] = nil
				}
			}
			waiting = 0
		case <-ctx.Done():
			closeAll(ctx.Err())
			var waitingFor []string
			for _, c := range cursors {
				if c != nil && !c.answered {
					waitingFor = append(waitingFor, u.members[c.index].label(c.index))
				}
			}
			return nil, fmt.Errorf("unionstore: %s %q: %w (still waiting for %s)", op, namespace, ctx.Err(), strings.Join(waitingFor, ", "))
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
				c.stallAfter = u.opts.streamStall()
				c.canDrop = func() bool { return n-len(failed)-1 >= need }
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
				u.recordMember(ctx, c.index, nil)
				finish(c, nil)
			}
		}
	}
	return m, nil
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
