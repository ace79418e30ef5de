package unionstore

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Hook is told when each operation of a [Union] starts and ends, and when
// each of its calls on a member starts and ends, with their contexts: what
// tracing needs to give every union operation a span under the caller's,
// and every member call a span under the operation's that the member's own
// client library can nest under in turn. Set it with [WithHook]. Either
// field may be nil. Metrics and logs that need no context are simpler
// with [WithObserver]: an observer is a hook that wants only the end of
// each member call, and it sees the same events.
//
// Both functions may be called from several goroutines at once, so they
// must be safe for concurrent use, and they should be quick: they run on
// the path of every call. The end functions they return are called exactly
// once, possibly from another goroutine than the one that started the
// call.
type Hook struct {
	// Operation is called when a union operation starts: Save, Load, Get,
	// Scan and Diff (when a walk starts), Repair, Replay and Close. It is
	// given the caller's context and an [Event] with Op, Namespace, Start
	// and, for a save, Count (the batch's size) set, and Index -1. It
	// returns the context under which the operation calls its members,
	// which must be ctx or derive from it (nil keeps ctx), and a function
	// that the union calls once when the operation ends, with the event
	// completed: Count is the number of changes saved, returned or
	// written, Duration how long it took and Err its error (nil: nothing
	// to call). A walk of Scan or Diff ends when the sequence ends or its
	// caller stops.
	//
	// Operations started by another (the [Union.Repair] of a namespace
	// that [Union.Replay] recorded for repair) get the context of the
	// member call that started them, so that they nest.
	Operation func(ctx context.Context, e Event) (context.Context, func(Event))

	// Member is called before each call on a member with the operation's
	// context and an Event with Op, Index, Name, Namespace, Reason and
	// Start set. It returns the context the member is called with, which
	// must be ctx or derive from it (nil keeps ctx), and a function that
	// the union calls once, when the call ends, with the event that
	// [WithObserver] gets. A member skipped by its breaker is not called,
	// but its call is still started and ended at once, with an Err
	// wrapping [ErrCircuitOpen]. A member still running when the operation
	// returned early ends later, from its own goroutine.
	Member func(ctx context.Context, e Event) (context.Context, func(Event))
}

// WithHook makes the union tell h of every operation and member call, in
// addition to its observer ([WithObserver]). A later WithHook replaces an
// earlier one. A union without a hook pays nothing for it.
func WithHook(h Hook) Option { return func(o *options) { o.hook = h } }

// Reasons for a member call, in [Event.Reason].
const (
	// ReasonReadRepair is the reason of a repair write made by a Load or a
	// Get under [ReadRepair].
	ReasonReadRepair = "read repair"
	// ReasonRepair is the reason of a repair write made by [Union.Repair],
	// including the repairs that [Union.Replay] runs.
	ReasonRepair = "repair"
	// ReasonMissed is the reason of a hint: the member missed the changes
	// of a save that others took ([HintedHandoff]).
	ReasonMissed = "missed"
)

// Why returns why the union called the member, or did not: e.Reason when
// it is set, [WhyCircuitOpen] when Err wraps [ErrCircuitOpen], [WhyStalled]
// when it wraps [ErrStalled], and "" otherwise.
func (e Event) Why() string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Err == nil:
		return ""
	case errors.Is(e.Err, ErrCircuitOpen):
		return WhyCircuitOpen
	case errors.Is(e.Err, ErrStalled):
		return WhyStalled
	}
	return ""
}

// Why a member was not called, from [Event.Why].
const (
	WhyCircuitOpen = "circuit open" // skipped by its breaker
	WhyStalled     = "stalled"      // cut off after the quorum's grace
)

// Store returns how logs and metrics name the member: its [Named] name, or
// its position in [New] in decimal when it has none; "" for an operation
// of the union itself.
func (e Event) Store() string {
	switch {
	case e.Index < 0:
		return ""
	case e.Name != "":
		return e.Name
	}
	return strconv.Itoa(e.Index)
}

// endOp ends an operation of the union's hook with the number of changes
// and the error of the operation.
type endOp func(count int, err error)

func noEndOp(int, error) {}

// begin starts a union operation for the hook. It returns the context to
// run the operation under and the function to call once when it ends.
// Without a hook it returns ctx and a function that does nothing, at no
// cost.
func (u *Union[E]) begin(ctx context.Context, op Op, namespace string, count int) (context.Context, endOp) {
	start := u.opts.hook.Operation
	if start == nil {
		return ctx, noEndOp
	}
	e := Event{Op: op, Index: -1, Namespace: namespace, Count: count, Start: time.Now()}
	hctx, end := start(ctx, e)
	if hctx == nil {
		hctx = ctx
	}
	if end == nil {
		return hctx, noEndOp
	}
	return hctx, func(count int, err error) {
		e.Count, e.Duration, e.Err = count, time.Since(e.Start), err
		end(e)
	}
}

// memberHook is what the union tells of its calls on members: the hook's
// Member, with the observer of [WithObserver] as one more end function.
type memberHook func(ctx context.Context, e Event) (context.Context, func(Event))

// memberHook returns the one function that member calls are told to: the
// observer is a hook that only wants each call's end. It is nil when there
// is neither, so that member calls then cost nothing.
func (o *options) memberHook() memberHook {
	observe, hook := o.observer, o.hook.Member
	switch {
	case observe == nil:
		return hook
	case hook == nil:
		return func(ctx context.Context, _ Event) (context.Context, func(Event)) { return ctx, observe }
	}
	return func(ctx context.Context, e Event) (context.Context, func(Event)) {
		hctx, end := hook(ctx, e)
		if end == nil {
			return hctx, observe
		}
		return hctx, func(e Event) {
			observe(e)
			end(e)
		}
	}
}

// memberCall is one call on a member as the observer and the hook see it.
type memberCall struct {
	event Event
	end   func(Event) // nil: nobody to tell
}

// startMember starts a call on member i for the observer and the hook. It
// returns the context to call the member with, and the call to finish
// once it ends.
func (u *Union[E]) startMember(ctx context.Context, op Op, i int, namespace, reason string) (context.Context, memberCall) {
	c := memberCall{event: Event{Op: op, Index: i, Name: u.members[i].name, Namespace: namespace, Reason: reason, Start: time.Now()}}
	if u.onMember != nil {
		var hctx context.Context
		hctx, c.end = u.onMember(ctx, c.event)
		if hctx != nil {
			ctx = hctx
		}
	}
	return ctx, c
}

// finish ends a member call with its count and error.
func (u *Union[E]) finish(c *memberCall, count int, err error) {
	if c.end == nil {
		return
	}
	c.event.Count, c.event.Duration, c.event.Err = count, time.Since(c.event.Start), err
	c.end(c.event)
}

// tell starts and ends at once a member call that was not made, such as
// one skipped by its breaker or refused by its [Checker].
func (u *Union[E]) tell(ctx context.Context, op Op, i int, namespace string, count int, err error) {
	if u.onMember == nil {
		return
	}
	_, c := u.startMember(ctx, op, i, namespace, "")
	u.finish(&c, count, err)
}
