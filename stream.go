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
	s := &streams[E]{u: u, ctx: ctx, n: n, need: quorum(q, n), cursors: make([]*cursor[E], n), ends: make([]func(int, error), n)}
	s.call = fanout.Call{Op: op, Namespace: namespace, Need: s.need, Grace: u.opts.quorumGrace()}
	ready := make(chan readySignal, n)
	waiting := s.open(ready)
	if s.enough() {
		if err := s.await(waiting, ready); err != nil {
			return nil, err
		}
	}
	if !s.enough() {
		err := s.tooFew()
		s.closeAll(err)
		return nil, err
	}
	live := s.live()
	m, err := newMerger(n, live, s.onError)
	if err != nil {
		s.closeAll(err)
		return nil, err
	}
	m.onClose = func() {
		for _, c := range live {
			if !c.failed {
				u.team.Record(ctx, s.call, c.index, nil)
				s.finish(c, nil)
			}
		}
	}
	return m, nil
}

// walkMerge opens the merge of namespace as openMerge does and calls
// visit with each merged winner and the member it came from, in (kind, id)
// order, until visit returns false or an error, or the merge ends. It
// returns the error of openMerge, of the merge or of visit. visit may read
// m's versions of the winner; the merge is closed when walkMerge returns.
func (u *Union[E]) walkMerge(ctx context.Context, op fanout.Op, namespace string, q int, visit func(m *merger[E], winner Change[E], from int) (bool, error)) error {
	m, err := u.openMerge(ctx, op, namespace, q)
	if err != nil {
		return err
	}
	defer m.close()
	for {
		winner, from, ok, err := m.next()
		if err != nil || !ok {
			return err
		}
		if more, err := visit(m, winner, from); err != nil || !more {
			return err
		}
	}
}

// streams is one merge of the members' streams while openMerge opens it
// and the merge walks it: all on the goroutine that walks the merge.
type streams[E Entity] struct {
	u       *Union[E]
	ctx     context.Context
	call    fanout.Call
	n, need int
	cursors []*cursor[E] // nil for a member skipped or stalled at the start
	failed  []*StoreError
	// ends holds the end of each member call started, called once with
	// its outcome.
	ends []func(int, error)
}

// open starts a cursor on every member its breaker admits, and returns
// their indexes.
func (s *streams[E]) open(ready chan<- readySignal) (waiting []int) {
	u, ns := s.u, s.call.Namespace
	for i, m := range u.members {
		if err := u.team.Admit(s.ctx, s.call, i); err != nil {
			s.failed = append(s.failed, u.team.Wrap(s.call, i, err).(*StoreError))
			continue
		}
		mctx, cancel := context.WithCancel(s.ctx)
		mctx, s.ends[i] = u.team.Start(mctx, s.call, i)
		c := seqCursor(mctx, i, ScanOf(mctx, m.store, ns), ready)
		stop := c.stop
		c.stop = func() { stop(); cancel() }
		s.cursors[i] = c
		waiting = append(waiting, i)
	}
	return waiting
}

// await waits for the members to answer: all of them, or the quorum and
// then the grace, after which the others are dropped as stalled. When ctx
// ends first, it abandons the merge and returns the error.
func (s *streams[E]) await(waiting []int, ready <-chan readySignal) error {
	stalled, stallErr, err := fanout.Await(s.ctx, s.u.team, s.call, s.n, waiting, ready, func(r readySignal) (int, bool) {
		s.cursors[r.index].answered = true
		return r.index, !r.failed
	})
	if err != nil {
		s.closeAll(s.ctx.Err())
		return fmt.Errorf("unionstore: %s %q: %w", s.call.Op, s.call.Namespace, err)
	}
	for _, i := range stalled {
		s.drop(s.cursors[i], stallErr)
		s.cursors[i].close()
		s.cursors[i] = nil
	}
	return nil
}

// enough reports whether enough members remain for the read quorum.
func (s *streams[E]) enough() bool { return s.n-len(s.failed) >= s.need }

func (s *streams[E]) tooFew() error {
	return fmt.Errorf("unionstore: %s %q: %w: %d of %d stores answered, %d needed: %w",
		s.call.Op, s.call.Namespace, ErrQuorum, s.n-len(s.failed), s.n, s.need, joinFailures(s.failed))
}

// live returns the cursors to merge. Under a degraded read, each gets
// the stall rule: one that keeps the merge waiting midway is dropped
// while enough members remain.
func (s *streams[E]) live() []*cursor[E] {
	var live []*cursor[E]
	for _, c := range s.cursors {
		if c != nil {
			live = append(live, c)
			if s.need < s.n { // a degraded read may leave a stalled member behind
				c.ahead.StallAfter = s.u.opts.streamStall()
				c.ahead.CanDrop = func() bool { return s.n-len(s.failed)-1 >= s.need }
			}
		}
	}
	return live
}

// finish ends the call of c's member with err, once.
func (s *streams[E]) finish(c *cursor[E], err error) {
	if end := s.ends[c.index]; end != nil {
		s.ends[c.index] = nil
		end(c.count, err)
	}
}

// closeAll abandons the merge: the calls of members that had not
// answered end with err.
func (s *streams[E]) closeAll(err error) {
	for _, c := range s.cursors {
		if c != nil {
			c.close()
			if c.answered {
				s.finish(c, nil)
			} else {
				s.finish(c, err)
			}
		}
	}
}

// drop ends a member's call with err, its outcome already recorded for
// its breaker, and leaves it out of the merge.
func (s *streams[E]) drop(c *cursor[E], err error) {
	m := s.u.members[c.index]
	s.finish(c, err)
	c.failed = true
	s.failed = append(s.failed, &StoreError{Index: c.index, Name: m.name, Op: Op(s.call.Op), Err: err})
	if errors.Is(err, ErrStalled) {
		c.close() // cancel the member now, not when the walk ends
	}
}

// onError decides, for the merge, what a member that fails at the start
// or midway does to it: the member is dropped while enough remain.
func (s *streams[E]) onError(c *cursor[E], err error) error {
	if ctxErr := s.ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		// The caller gave up: end the merge rather than drop the member.
		return fmt.Errorf("unionstore: %s %q: %w (still waiting for %s)", s.call.Op, s.call.Namespace, err, s.u.members[c.index].label(c.index))
	}
	s.u.team.Record(s.ctx, s.call, c.index, err)
	s.drop(c, err)
	if s.enough() {
		return nil
	}
	return s.tooFew()
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
		yieldChanges(yield, changes, err)
	}
}

// yieldChanges yields err alone if it is not nil, else each of changes in
// order until yield returns false.
func yieldChanges[E Entity](yield func(Change[E], error) bool, changes Changes[E], err error) {
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
