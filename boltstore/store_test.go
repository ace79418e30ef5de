package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

var _ unionstore.Store[storetest.Item] = (*boltstore.Store[storetest.Item])(nil)

// open opens a store of storetest items in a fresh file.
func open(t testing.TB, opts ...boltstore.Option) *boltstore.Store[storetest.Item] {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "store.db"), opts...)
}

func openAt(t testing.TB, path string, opts ...boltstore.Option) *boltstore.Store[storetest.Item] {
	t.Helper()
	s, err := boltstore.Open[storetest.Item](path, opts...)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t)
	}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
		return openAt(t, closed.(*boltstore.Store[storetest.Item]).Path())
	}))
}

func boltstoreNoSync() []boltstore.Option { return []boltstore.Option{boltstore.WithNoSync()} }
