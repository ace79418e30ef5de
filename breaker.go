package unionstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// CircuitBreaker makes the union skip a member after failures consecutive
// failed operations, until coolDown has passed: a skipped member counts as
// failed at once, with an error wrapping [ErrCircuitOpen], so that a member
// that is down costs the union nothing instead of a timeout per call. After
// coolDown the next operation probes the member (the others still skip
// it); a success closes the breaker, a failure opens it for another
// coolDown. With [HintedHandoff], the member's hints are replayed in the
// background when its breaker closes.
//
// Every operation counts: save, load, scan, get and repair writes. A batch
// the member refuses as invalid, and an operation whose caller's context
// ended, do not count as failures; a member still running when a quorum's
// grace has passed ([QuorumGrace]) does. The breaker is shared by the
// unions that [Union.With] makes from one [New]. failures below 1 turns
// the breaker off.
func CircuitBreaker(failures int, coolDown time.Duration) Option {
	return func(o *options) {
		if failures < 1 || coolDown <= 0 {
			o.refuse("CircuitBreaker(%d, %v): want at least 1 failure and a positive cool-down", failures, coolDown)
		}
		o.breakerFailures, o.breakerCoolDown = failures, coolDown
	}
}

// probes records, for one union operation, the members whose breaker let
// it probe them: the operation's later calls to such a member (a repair's
// writes after its read) are part of the same probe.
type probes struct {
	mu      sync.Mutex
	members map[int]bool
}

type probesKey struct{}

// withProbes returns ctx carrying a new probe record for one operation,
// unless it carries one already.
func withProbes(ctx context.Context) context.Context {
	if _, ok := ctx.Value(probesKey{}).(*probes); ok {
		return ctx
	}
	return context.WithValue(ctx, probesKey{}, &probes{members: map[int]bool{}})
}

// allowMember asks member i's breaker whether the operation of ctx may
// call it.
func (u *Union[E]) allowMember(ctx context.Context, i int) bool {
	p, _ := ctx.Value(probesKey{}).(*probes)
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.members[i] {
			return true
		}
	}
	ok, probe := u.shared.breakers[i].Allow(u.opts.breakerFailures, u.opts.breakerCoolDown, time.Now())
	if probe && p != nil {
		p.members[i] = true
	}
	return ok
}

// recordMember counts the outcome err of an operation on member i, called
// under the caller's context ctx. It replays the member's hints in the
// background when the outcome closed its breaker.
func (u *Union[E]) recordMember(ctx context.Context, i int, err error) {
	if err != nil && errors.Is(err, ErrCircuitOpen) {
		return // not a call
	}
	if err != nil && (errors.Is(err, ErrInvalidChange) || ctx.Err() != nil) {
		u.shared.breakers[i].Release() // not the member's fault
		return
	}
	if p, _ := ctx.Value(probesKey{}).(*probes); p != nil && err != nil {
		p.mu.Lock()
		delete(p.members, i) // the probe failed: the breaker is open again
		p.mu.Unlock()
	}
	closed := u.shared.breakers[i].Record(u.opts.breakerFailures, u.opts.breakerCoolDown, err != nil, time.Now())
	if closed {
		u.replayInBackground(i)
	}
}

// skipped is the error of a member skipped by its open breaker.
func (u *Union[E]) skipped(op Op, i int) *StoreError {
	err := fmt.Errorf("%w: skipped after %d consecutive failures", ErrCircuitOpen, u.opts.breakerFailures)
	return &StoreError{Index: i, Name: u.members[i].name, Op: op, Err: err}
}
