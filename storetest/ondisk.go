package storetest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/unionstore/unionstore"
)

// OnDisk opens, for tests, the stores of a backend that keeps each store in
// a file or a directory of its own: S is the backend's store of [Item]s
// and O its option. It gives the helpers every such backend's tests start
// from: a store at a path, one at a fresh path, and the factory and reopen
// of [Run]. Its methods are safe for concurrent use.
type OnDisk[S unionstore.Store[Item], O any] struct {
	// Name is the name of the file or directory of a fresh store, in a
	// temporary directory of its own.
	Name string
	// Open opens the store at path with opts, creating it if needed.
	Open func(path string, opts ...O) (S, error)
	// Path returns the path of a store that Open returned.
	Path func(S) string
}

// At returns the store at path opened with opts, closed when tb and its
// subtests end. It fails tb and stops, naming the path, when Open fails.
func (d OnDisk[S, O]) At(tb testing.TB, path string, opts ...O) S {
	tb.Helper()
	s, err := d.Open(path, opts...)
	return Closing(tb, fmt.Sprintf("Open(%q)", path), s, err)
}

// Fresh returns a new store, opened with opts at Name in a new temporary
// directory of tb, as [OnDisk.At] does.
func (d OnDisk[S, O]) Fresh(tb testing.TB, opts ...O) S {
	tb.Helper()
	return d.At(tb, filepath.Join(tb.TempDir(), d.Name), opts...)
}

// Factory returns the [Factory] of fresh stores opened with opts.
func (d OnDisk[S, O]) Factory(opts ...O) Factory {
	return func(t *testing.T) unionstore.Store[Item] {
		t.Helper()
		return d.Fresh(t, opts...)
	}
}

// Reopen returns the reopen of [WithReopen] and [WithReadOnlyReopen]: the
// path of the closed store, which must be an S, opened again with opts.
func (d OnDisk[S, O]) Reopen(opts ...O) func(t *testing.T, closed unionstore.Store[Item]) unionstore.Store[Item] {
	return func(t *testing.T, closed unionstore.Store[Item]) unionstore.Store[Item] {
		t.Helper()
		return d.At(t, d.Path(closed.(S)), opts...)
	}
}
