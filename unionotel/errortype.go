package unionotel

import (
	"context"
	"errors"

	"github.com/unionstore/unionstore"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// errorTypes name, for error.type, the errors that say more than their Go
// type, in the order they are tested: a failed quorum first, whatever its
// members' errors were.
var errorTypes = []struct {
	err  error
	name string
}{
	{unionstore.ErrQuorum, "quorum"},
	{unionstore.ErrCircuitOpen, "circuit_open"},
	{unionstore.ErrStalled, "stalled"},
	{context.Canceled, "canceled"},
	{context.DeadlineExceeded, "deadline_exceeded"},
	{unionstore.ErrInvalidChange, "invalid_change"},
	{unionstore.ErrClosed, "closed"},
}

// errorType returns the error.type of err: the name of the first of
// errorTypes that err wraps, or else the type of the error a member
// returned, unwrapped from the union's [unionstore.StoreError].
func errorType(err error) string {
	var se *unionstore.StoreError
	for _, t := range errorTypes {
		if errors.Is(err, t.err) {
			return t.name
		}
	}
	if errors.As(err, &se) {
		err = se.Err
	}
	return semconv.ErrorType(err).Value.AsString()
}
