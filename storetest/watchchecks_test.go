package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
)

// checkRecorder is a testing.TB that keeps what Errorf and Fatalf say,
// ends the check at Fatalf and drops what Logf says, for the tests of the
// checks themselves.
type checkRecorder struct {
	testing.TB
	failures []string
}

func (r *checkRecorder) Helper() {}

func (r *checkRecorder) Logf(string, ...any) {}

func (r *checkRecorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *checkRecorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(errFatal)
}

// run runs check and returns what it failed with, a "fatal: " before a
// failure that stopped it.
func (r *checkRecorder) run(check func(tb testing.TB)) (failures []string) {
	defer func() {
		if v := recover(); v != nil {
			if v != errFatal {
				panic(v)
			}
			r.failures[len(r.failures)-1] = "fatal: " + r.failures[len(r.failures)-1]
		}
		failures = r.failures
	}()
	check(r)
	return nil
}

// TestWatchChecks checks WantExpired and WantEvent against the pairs a
// watch may give.
func TestWatchChecks(t *testing.T) {
	event := unionstore.WatchEvent[Item]{Change: set("ns", "k", "a", "1", at(1)), Cursor: "c1"}
	expired := fmt.Errorf("watch: %w", unionstore.ErrCursorExpired)
	const (
		notExpired = "the watch: Watch = %s, want ErrCursorExpired"
		notA       = `fatal: the watch: Watch = %s, want the change of "a"`
	)
	for _, tc := range []struct {
		name        string
		ev          unionstore.WatchEvent[Item]
		err         error
		wantExpired string // WantExpired's failure, "" for none
		wantEvent   string // WantEvent's failure for identity a, "" for none
	}{
		{"the change of a", event, nil, notExpired, ""},
		{"the change of b", unionstore.WatchEvent[Item]{Change: set("ns", "k", "b", "1", at(1))}, nil, notExpired, notA},
		{"an expired cursor", unionstore.WatchEvent[Item]{}, expired, "", notA},
		{"another error", unionstore.WatchEvent[Item]{}, context.Canceled, notExpired, notA},
		{"the change of a with an error", event, errors.New("broken"), notExpired, notA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := func() (unionstore.WatchEvent[Item], error) { return tc.ev, tc.err }
			// The pair as the failures show it.
			pair := fmt.Sprintf("%v, %v", tc.ev.Change, tc.err)
			r := &checkRecorder{TB: t}
			got := r.run(func(tb testing.TB) { WantExpired(tb, "the watch", next) })
			if want := failure(tc.wantExpired, pair); !slices.Equal(got, want) {
				t.Errorf("WantExpired fails with %q, want %q", got, want)
			}
			r = &checkRecorder{TB: t}
			var ev unionstore.WatchEvent[Item]
			got = r.run(func(tb testing.TB) { ev = WantEvent(tb, "the watch", next, "a") })
			if want := failure(tc.wantEvent, pair); !slices.Equal(got, want) {
				t.Errorf("WantEvent fails with %q, want %q", got, want)
			}
			if tc.wantEvent == "" && ev != tc.ev {
				t.Errorf("WantEvent = %v, want %v", ev, tc.ev)
			}
		})
	}
}

// failure returns the failures of format with pair, none when format is
// "".
func failure(format, pair string) []string {
	if format == "" {
		return nil
	}
	return []string{fmt.Sprintf(format, pair)}
}
