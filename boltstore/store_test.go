package boltstore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

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

func TestConformanceCompressed(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t, boltstore.WithCompression())
	}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
		return openAt(t, closed.(*boltstore.Store[storetest.Item]).Path(), boltstore.WithCompression())
	}))
}

// TestFormatUpgrade writes a version-1 file, opens it with compression,
// which raises it to version 2, and reads both kinds of records back with
// and without compression.
func TestFormatUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	format := func() string {
		t.Helper()
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v string
		err = db.View(func(tx *bolt.Tx) error { v = string(tx.Bucket([]byte("meta")).Get([]byte("format"))); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	long := strings.Repeat("compressible ", 30)
	s := openAt(t, path)
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "old", long, 1)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := format(); got != "1" {
		t.Fatalf("a file written without compression has format %q, want 1", got)
	}
	for _, opts := range [][]boltstore.Option{{boltstore.WithReadOnly(), boltstore.WithCompression()}, {boltstore.WithCompression()}} {
		s = openAt(t, path, opts...)
		s.Close()
	}
	if got := format(); got != "2" {
		t.Fatalf("after a writable open with compression, format %q, want 2", got)
	}
	s = openAt(t, path, boltstore.WithCompression())
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "new", long, 2)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, opts := range [][]boltstore.Option{nil, {boltstore.WithReadOnly()}, {boltstore.WithCompression()}} {
		s = openAt(t, path, opts...)
		got, err := s.Load(ctx, "ns")
		if err != nil || len(got) != 2 || got[0].Entity.Value != long || got[1].Entity.Value != long {
			t.Fatalf("Load of a file with both record versions = %v, %v", got, err)
		}
		s.Close()
	}
	if got := format(); got != "2" {
		t.Fatalf("a version-2 file opened without compression has format %q, want it left at 2", got)
	}
}
