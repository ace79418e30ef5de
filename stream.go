package unionstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// openMerge opens a cursor on every member for namespace: a stream for
// members that implement Scanner, a loaded slice for the others, loaded
// concurrently. Members that fail, at the start or midway, are dropped
// while at least the read quorum q remains; after that the merge fails.
func (u *Union[E]) openMerge(ctx context.Context, op, namespace string, q int) (*merger[E], error) {
	if err := u.checkRead(ctx); err != nil {
		return nil, fmt.Errorf("unionstore: %s: %w", op, err)
	}
	n := len(u.members)
	need := quorum(q, n)
	start := time.Now()
	cursors := make([]*cursor[E], n)
	var toLoad []int
	for i, m := range u.members {
		if sc, ok := m.store.(Scanner[E]); ok {
			cursors[i] = seqCursor(ctx, i, sc.Scan(ctx, namespace))
		} else {
			toLoad = append(toLoad, i)
		}
	}
	closeAll := func() {
		for _, c := range cursors {
			if c != nil {
				c.close()
			}
		}
	}
	var failed []*StoreError
	if len(toLoad) > 0 {
		results, err := u.run(ctx, "load", toLoad, u.loadMember(namespace))
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("unionstore: %s %q: %w", op, namespace, err)
		}
		for _, r := range results {
			if r.err != nil {
				failed = append(failed, r.err)
			} else {
				cursors[r.index] = sliceCursor(r.index, r.changes)
			}
		}
	}
	tooFew := func() error {
		return fmt.Errorf("unionstore: %s %q: %w: %d of %d stores answered, %d needed: %w",
			op, namespace, ErrQuorum, n-len(failed), n, need, joinFailures(failed))
	}
	if n-len(failed) < need {
		closeAll()
		return nil, tooFew()
	}
	var live []*cursor[E]
	for _, c := range cursors {
		if c != nil {
			live = append(live, c)
		}
	}
	onError := func(c *cursor[E], err error) error {
		m := u.members[c.index]
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			// The caller gave up: end the merge rather than drop the member.
			return fmt.Errorf("unionstore: %s %q: %w (still waiting for %s)", op, namespace, err, m.label(c.index))
		}
		se := &StoreError{Index: c.index, Name: m.name, Op: op, Err: err}
		u.observe(Event{Op: op, Index: c.index, Name: m.name, Count: c.count, Duration: time.Since(start), Err: err})
		c.failed = true
		failed = append(failed, se)
		if n-len(failed) >= need {
			return nil
		}
		return tooFew()
	}
	m, err := newMerger(n, live, onError)
	if err != nil {
		closeAll()
		return nil, err
	}
	m.onClose = func() {
		for _, c := range live {
			if c.stop != nil && !c.failed {
				u.observe(Event{Op: op, Index: c.index, Name: u.members[c.index].name, Count: c.count, Duration: time.Since(start)})
			}
		}
	}
	return m, nil
}
