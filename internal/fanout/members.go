package fanout

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Members is what the engine needs to know of the members it calls: how
// to name them, whether their breakers admit a call, and whom to tell of
// each call. It is built once per union (or shards) and shared by all of
// its operations. Each function may be nil: a nil AdmitFunc admits every
// member, the others then do nothing.
type Members struct {
	// LabelFunc names member i in errors, as in `store 1 ("backup")`.
	LabelFunc func(i int) string
	// AdmitFunc reports whether the call c may be made on member i now.
	// When it may not (the member's breaker is open), it returns the
	// error of the skipped call, having told observers of it.
	AdmitFunc func(ctx context.Context, c Call, i int) error
	// StartFunc starts the call c on member i for observers. It returns
	// the context to call the member with and the function that ends the
	// call, once, with the number of changes and the call's error.
	StartFunc func(ctx context.Context, c Call, i int) (context.Context, func(count int, err error))
	// RecordFunc counts the outcome err of a call on member i, made under
	// the caller's ctx, for the member's breaker.
	RecordFunc func(ctx context.Context, i int, err error)
	// WrapFunc makes the error of the call c on member i, as results
	// hold it, from the member's own error (nil: the error itself).
	WrapFunc func(c Call, i int, err error) error
	// PanicFunc makes the error of a member call that panicked with
	// value, on a goroutine whose stack is stack (nil: an error that
	// shows the value).
	PanicFunc func(value any, stack []byte) error
	// Stalled is the sentinel that the error of a member cut off after
	// the quorum's grace wraps.
	Stalled error
}

// Call is one fan-out: an operation on some of the members.
type Call struct {
	Op        Op
	Namespace string
	Reason    string // why the members are called, for observers
	// Need is the number of successes after which the members still
	// running get Grace; 0 waits for every member.
	Need  int
	Grace time.Duration
	// Always calls every member, whatever its breaker says, and records
	// no outcome for the breakers: Close.
	Always bool
}

// Admit returns nil when the call c may be made on member i, and
// otherwise the error of the skipped call. A call that is Always made
// is always admitted.
func (m *Members) Admit(ctx context.Context, c Call, i int) error {
	if c.Always || m.AdmitFunc == nil {
		return nil
	}
	return m.AdmitFunc(ctx, c, i)
}

// Start starts the call c on member i for observers: it returns the
// context to call the member with and the function that ends the call.
func (m *Members) Start(ctx context.Context, c Call, i int) (context.Context, func(count int, err error)) {
	if m.StartFunc == nil {
		return ctx, noEnd
	}
	return m.StartFunc(ctx, c, i)
}

func noEnd(int, error) {}

// Record counts the outcome err of the call c on member i for its
// breaker, unless c is Always made.
func (m *Members) Record(ctx context.Context, c Call, i int, err error) {
	if c.Always || m.RecordFunc == nil {
		return
	}
	m.RecordFunc(ctx, i, err)
}

// Wrap returns the error of the call c on member i, as results hold it,
// made from the member's own error err.
func (m *Members) Wrap(c Call, i int, err error) error {
	if m.WrapFunc == nil {
		return err
	}
	return m.WrapFunc(c, i, err)
}

// Panicked returns the error of a member call that panicked with value.
func (m *Members) Panicked(value any, stack []byte) error {
	if m.PanicFunc == nil {
		return fmt.Errorf("panicked: %v", value)
	}
	return m.PanicFunc(value, stack)
}

// Label names member i in errors.
func (m *Members) Label(i int) string {
	if m.LabelFunc == nil {
		return "store " + strconv.Itoa(i)
	}
	return m.LabelFunc(i)
}
