package storetest

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
)

// diskStore is a memory store that stands for one kept at a path, opened
// with some options.
type diskStore struct {
	*unionstore.Memory[Item]
	path   string
	opts   []string
	closed bool
}

func (s *diskStore) Close() error {
	s.closed = true
	return nil
}

// disk opens diskStores; it refuses the option "refused".
var disk = OnDisk[*diskStore, string]{
	Name: "store.file",
	Open: func(path string, opts ...string) (*diskStore, error) {
		if slices.Contains(opts, "refused") {
			return nil, errors.New("option refused")
		}
		return &diskStore{Memory: unionstore.NewMemory[Item](), path: path, opts: opts}, nil
	},
	Path: func(s *diskStore) string { return s.path },
}

// TestOnDisk checks where the stores of OnDisk are opened, with what
// options, that they are closed at the end of the test that opened them,
// and how it fails.
func TestOnDisk(t *testing.T) {
	given := filepath.Join(t.TempDir(), "given")
	for _, tc := range []struct {
		name     string
		open     func(t *testing.T) unionstore.Store[Item]
		wantPath func(t *testing.T, path string) bool
		wantOpts []string
	}{
		{"At", func(t *testing.T) unionstore.Store[Item] { return disk.At(t, given, "a") },
			func(_ *testing.T, path string) bool { return path == given }, []string{"a"}},
		{"Fresh", func(t *testing.T) unionstore.Store[Item] { return disk.Fresh(t, "a", "b") },
			freshPath, []string{"a", "b"}},
		{"Factory", func(t *testing.T) unionstore.Store[Item] { return disk.Factory("c")(t) },
			freshPath, []string{"c"}},
		{"Reopen", func(t *testing.T) unionstore.Store[Item] {
			return disk.Reopen("d")(t, &diskStore{path: given, opts: []string{"a"}})
		}, func(_ *testing.T, path string) bool { return path == given }, []string{"d"}},
	} {
		var s *diskStore
		t.Run(tc.name, func(t *testing.T) {
			s = tc.open(t).(*diskStore)
			if !tc.wantPath(t, s.path) || !slices.Equal(s.opts, tc.wantOpts) {
				t.Errorf("%s opened a store at %q with %q, want options %q", tc.name, s.path, s.opts, tc.wantOpts)
			}
			if s.closed {
				t.Errorf("%s returned a closed store", tc.name)
			}
		})
		if s != nil && !s.closed {
			t.Errorf("the store of %s is open after its test", tc.name)
		}
	}
	for _, tc := range []struct {
		name string
		open func(tb testing.TB)
		want string
	}{
		{"a refused open", func(tb testing.TB) { disk.At(tb, given, "refused") }, `fatal: Open("` + given + `"): option refused`},
	} {
		var r checkRecorder
		if failures := r.run(tc.open); len(failures) != 1 || failures[0] != tc.want {
			t.Errorf("%s failed %q, want %q", tc.name, failures, tc.want)
		}
	}
}

// freshPath reports whether path is Name in a temporary directory of the
// test's.
func freshPath(t *testing.T, path string) bool {
	return filepath.Base(path) == disk.Name && filepath.Dir(filepath.Dir(path)) == filepath.Dir(t.TempDir())
}
