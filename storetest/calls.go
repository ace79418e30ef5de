package storetest

import (
	"context"
	"io"
	"testing"

	"github.com/unionstore/unionstore"
)

// Save saves changes to s as one batch and fails tb when Save returns an
// error.
func Save(tb testing.TB, s unionstore.Store[Item], changes ...unionstore.Change[Item]) {
	tb.Helper()
	if err := s.Save(context.Background(), changes); err != nil {
		tb.Fatalf("Save: %v", err)
	}
}

// Snapshot returns the changes of namespace ns and the cursor of its feed
// after them, from w, and fails tb when Snapshot returns an error.
func Snapshot(tb testing.TB, w unionstore.Watcher[Item], ns string) (unionstore.Changes[Item], unionstore.Cursor) {
	tb.Helper()
	changes, cursor, err := w.Snapshot(context.Background(), ns)
	if err != nil {
		tb.Fatalf("Snapshot(%q): %v", ns, err)
	}
	return changes, cursor
}

// Closing returns c, what an opener returned with err, and closes it when
// tb and its subtests end. It fails tb, naming the opener by what, when err
// is not nil.
func Closing[C io.Closer](tb testing.TB, what string, c C, err error) C {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// ScanCount walks the Scan of namespace ns and fails tb on the first
// error or when it yields other than want changes. Benchmarks of Scan call
// it in their loop.
func ScanCount(tb testing.TB, s unionstore.Scanner[Item], ns string, want int) {
	tb.Helper()
	n := 0
	for _, err := range s.Scan(context.Background(), ns) {
		if err != nil {
			tb.Fatalf("Scan(%q): %v", ns, err)
		}
		n++
	}
	if n != want {
		tb.Fatalf("Scan(%q) yielded %d changes, want %d", ns, n, want)
	}
}

// closeStore closes s and fails tb and stops on an error.
func closeStore(tb testing.TB, s unionstore.Store[Item]) {
	tb.Helper()
	if err := s.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
}
