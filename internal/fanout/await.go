package fanout

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Await waits for the first answers of the members at waiting, members
// of the call c, which has total members: those not waiting (skipped by
// their breakers) count as failed. For each answer it calls got, which
// returns the member's index and whether its answer was a success.
//
// It waits for every member, unless c.Need members have succeeded: the
// members still running then get c.Grace, and those that have not
// answered when it has passed are returned as stalled, in the order of
// waiting, with their outcome already recorded for their breakers and the
// error to fail them with, which wraps m.Stalled. When ctx ends before
// every member has answered, Await returns at once with an error that
// wraps ctx.Err() and names the members still running.
func Await[A any](ctx context.Context, m *Members, c Call, total int, waiting []int, answers <-chan A, got func(A) (index int, ok bool)) (stalled []int, stallErr, err error) {
	need := c.Need
	if need <= 0 || need > total {
		need = total
	}
	answered := make(map[int]bool, len(waiting))
	succeeded := 0
	var graceOver <-chan time.Time
	for len(answered) < len(waiting) {
		select {
		case a := <-answers:
			i, ok := got(a)
			answered[i] = true
			if ok {
				succeeded++
			}
			if graceOver == nil && succeeded >= need && len(answered) < len(waiting) {
				t := time.NewTimer(c.Grace)
				defer t.Stop()
				graceOver = t.C
			}
		case <-graceOver:
			stallErr = fmt.Errorf("%w: no answer %v after %d of %d stores had", m.Stalled, c.Grace, succeeded, total)
			for _, i := range waiting {
				if !answered[i] {
					m.Record(ctx, c, i, stallErr)
					stalled = append(stalled, i)
				}
			}
			return stalled, stallErr, nil
		case <-ctx.Done():
			var labels []string
			for _, i := range waiting {
				if !answered[i] {
					labels = append(labels, m.Label(i))
				}
			}
			return nil, nil, fmt.Errorf("%w (still waiting for %s)", ctx.Err(), strings.Join(labels, ", "))
		}
	}
	return nil, nil, nil
}
