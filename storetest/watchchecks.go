package storetest

import (
	"errors"
	"testing"

	"github.com/unionstore/unionstore"
)

// WantExpired checks that next, a watch's next event or error as
// [PullWatch] gives them, is an error wrapping
// [unionstore.ErrCursorExpired]. Otherwise it fails tb, naming the watch by
// what, and lets the test go on.
func WantExpired(tb testing.TB, what string, next func() (unionstore.WatchEvent[Item], error)) {
	tb.Helper()
	if ev, err := next(); !errors.Is(err, unionstore.ErrCursorExpired) {
		tb.Errorf("%s: Watch = %v, %v, want ErrCursorExpired", what, ev.Change, err)
	}
}

// WantEvent returns the event that next, a watch's next event or error as
// [PullWatch] gives them, gives. It fails tb and stops it, naming the watch
// by what, unless that is a change of identity id, without an error.
func WantEvent(tb testing.TB, what string, next func() (unionstore.WatchEvent[Item], error), id string) unionstore.WatchEvent[Item] {
	tb.Helper()
	ev, err := next()
	if err != nil || ev.Change.Entity.ID != id {
		tb.Fatalf("%s: Watch = %v, %v, want the change of %q", what, ev.Change, err, id)
	}
	return ev
}
