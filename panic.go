package unionstore

import (
	"fmt"
	"runtime/debug"
)

// PanicError is the error of a member operation that panicked in a
// goroutine a [Union] started: the union recovers the panic so that the
// other members and the caller go on, and reports it as the member's
// failure, a [*StoreError] wrapping a PanicError. It wraps [ErrPanicked].
type PanicError struct {
	// Value is what the member panicked with.
	Value any
	// Stack is the stack of the panicking goroutine, as [debug.Stack]
	// formats it.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panicked: %v (the stack is in the error's PanicError)", e.Value)
}

func (e *PanicError) Unwrap() error { return ErrPanicked }

// contain calls f and turns a panic in it into a [*PanicError].
func contain(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r, debug.Stack())
		}
	}()
	return f()
}

// newPanicError returns the error of a call that panicked with value on
// a goroutine whose stack is stack.
func newPanicError(value any, stack []byte) error {
	return &PanicError{Value: value, Stack: stack}
}
