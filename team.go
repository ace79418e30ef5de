package unionstore

import (
	"context"

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
		WrapFunc: func(c *fanout.Call, i int, err error) error {
			return &StoreError{Index: i, Name: u.members[i].name, Op: string(c.Op), Err: err}
		},
		Stalled: ErrStalled,
	}
	if u.opts.observer != nil || u.opts.hook.Member != nil {
		// Without either, a member call has nobody to tell: the engine
		// then skips the event altogether.
		t.StartFunc = func(ctx context.Context, c *fanout.Call, i int) (context.Context, func(int, error)) {
			ctx, mc := u.startMember(ctx, string(c.Op), i, c.Namespace, c.Reason)
			return ctx, func(count int, err error) { u.finish(&mc, count, err) }
		}
	}
	return t
}

// admit asks member i's breaker whether the call c may be made; when it
// may not, it tells the observer and the hook of the skipped call and
// returns its error, which wraps [ErrCircuitOpen].
func (u *Union[E]) admit(ctx context.Context, c *fanout.Call, i int) error {
	if u.allowMember(ctx, i) {
		return nil
	}
	se := u.skipped(string(c.Op), c.Namespace, i)
	u.hookSkipped(ctx, string(c.Op), c.Namespace, se)
	return se.Err
}
