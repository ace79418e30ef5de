package unionstore

import (
	"context"
	"errors"

	"github.com/unionstore/unionstore/internal/fanout"
)

// newTeam returns the union's members as the fan-out engine sees them:
// named in errors, admitted by their breakers, observed by the union's
// observer and hook. It is built once by New and by each With, since it
// follows u's options.
func (u *Union[E]) newTeam() *fanout.Members {
	t := &fanout.Members{
		LabelFunc:  func(i int) string { return u.members[i].label(i) },
		AdmitFunc:  u.admit,
		RecordFunc: u.recordMember,
		WrapFunc: func(c fanout.Call, i int, err error) error {
			return &StoreError{Index: i, Name: u.members[i].name, Op: Op(c.Op), Err: err}
		},
		PanicFunc: newPanicError,
		Stalled:   ErrStalled,
	}
	u.onMember = u.opts.memberHook()
	if u.onMember != nil {
		// Without either, a member call has nobody to tell: the engine
		// then skips the event altogether.
		t.StartFunc = func(ctx context.Context, c fanout.Call, i int) (context.Context, func(int, error)) {
			ctx, mc := u.startMember(ctx, Op(c.Op), i, c.Namespace, c.Reason)
			return ctx, func(count int, err error) { u.finish(&mc, count, err) }
		}
	}
	return t
}

// admit asks member i's breaker whether the call c may be made; when it
// may not, it tells the observer and the hook of the skipped call and
// returns its error, which wraps [ErrCircuitOpen].
func (u *Union[E]) admit(ctx context.Context, c fanout.Call, i int) error {
	if u.allowMember(ctx, i) {
		return nil
	}
	se := u.skipped(Op(c.Op), i)
	u.tell(ctx, se.Op, i, c.Namespace, 0, se.Err)
	return se.Err
}

// result is the outcome of one member's operation; its Err, when not
// nil, is a *StoreError.
type result[E Entity] = fanout.Result[Changes[E]]

// storeErr returns r's error as the [*StoreError] it is, nil when there
// is none.
func storeErr[E Entity](r result[E]) *StoreError {
	se, _ := r.Err.(*StoreError)
	return se
}

func failures[E Entity](results []result[E]) []*StoreError {
	var out []*StoreError
	for _, r := range results {
		if r.Err != nil {
			out = append(out, storeErr(r))
		}
	}
	return out
}

// allDone returns the error of a fan-out that every member must complete:
// err, the engine's own, or else the failures in results joined, or nil.
func allDone[E Entity](results []result[E], err error) error {
	if err != nil {
		return err
	}
	if f := failures(results); len(f) > 0 {
		return joinFailures(f)
	}
	return nil
}

func joinFailures(failed []*StoreError) error {
	errs := make([]error, len(failed))
	for i, f := range failed {
		errs[i] = f
	}
	return errors.Join(errs...)
}

// run calls fn on the members at indexes concurrently through the
// engine (see [fanout.Run]) and returns their results in member order,
// each failure a *StoreError. A panic in fn becomes the member's
// [*PanicError].
func (u *Union[E]) run(ctx context.Context, c fanout.Call, indexes []int, fn func(ctx context.Context, i int) (Changes[E], int, error)) ([]result[E], error) {
	c.Grace = u.opts.quorumGrace()
	return fanout.Run(ctx, u.team, c, indexes, fn)
}
