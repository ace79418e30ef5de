package pgstore

import (
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// SetCopyThreshold sets the batch size from which Save copies the batch
// into a temporary table, and returns a function that restores the old
// value. It must not be called while a Save runs.
func SetCopyThreshold(n int) (restore func()) {
	old := copyThreshold
	copyThreshold = n
	return func() { copyThreshold = old }
}

// CopyThreshold returns the batch size from which Save copies the batch.
func CopyThreshold() int { return copyThreshold }

// SetMaxPayload sets the largest payload Save accepts, and returns a
// function that restores the old value. It must not be called while a Save
// or a Check runs.
func SetMaxPayload(n int) (restore func()) {
	old := maxPayload
	maxPayload = n
	return func() { maxPayload = old }
}

// DecodeRow turns the columns of a row read from namespace into a change,
// as Load does.
func DecodeRow[E unionstore.Entity](s *Store[E], namespace, kind, id, changeType string, ts int64, payload []byte) (unionstore.Change[E], error) {
	return backend.Decode(s.codec, backend.Record{Namespace: namespace, Kind: kind, ID: id,
		Type: unionstore.ChangeType(changeType), Timestamp: ts, Payload: payload})
}
