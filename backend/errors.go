package backend

import "errors"

// Errors of records beyond a driver's [Limits]. [Store] wraps them with
// [github.com/unionstore/unionstore.ErrInvalidChange] and the change they
// name; a backend may export them under its own names.
var (
	ErrKeyTooLong      = errors.New("key too long")
	ErrPayloadTooLarge = errors.New("payload too large")
)
