package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestConformanceFastCompression(t *testing.T) {
	storetest.Run(t, factory(boltstore.WithFastCompression()), storetest.WithReopen(reopen(boltstore.WithFastCompression())))
}

// fileFormat returns the format version recorded in the closed file.
func fileFormat(t *testing.T, path string) string {
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

// TestFormatUpgradeToS2 writes a record plain, one with zstd and one with
// S2 into one file, one writable open after the other, and requires the
// format version after each open (4, the change feed's, whatever the
// compression) and every record back from every kind of open.
func TestFormatUpgradeToS2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "up.db")
	long := strings.Repeat("compressible ", 30)
	steps := []struct {
		opts []boltstore.Option
		id   string
		want string // the format version after the save
	}{
		{nil, "plain", "4"},
		{[]boltstore.Option{boltstore.WithCompression()}, "zstd", "4"},
		{[]boltstore.Option{boltstore.WithFastCompression()}, "s2", "4"},
		{[]boltstore.Option{boltstore.WithCompression()}, "zstd-again", "4"},
		{nil, "plain-again", "4"},
		{[]boltstore.Option{boltstore.WithFastCompression(), boltstore.WithCompression()}, "last-wins", "4"},
	}
	for i, step := range steps {
		s := openAt(t, path, step.opts...)
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", step.id, long, i)}); err != nil {
			t.Fatalf("step %s: Save: %v", step.id, err)
		}
		s.Close()
		if got := fileFormat(t, path); got != step.want {
			t.Fatalf("after step %s, format %q, want %q", step.id, got, step.want)
		}
	}
	for _, opts := range [][]boltstore.Option{nil, {boltstore.WithReadOnly()}, {boltstore.WithCompression()}, {boltstore.WithFastCompression()}} {
		s := openAt(t, path, opts...)
		got, err := s.Load(ctx, "ns")
		if err != nil || len(got) != len(steps) {
			t.Fatalf("Load of a file with every record version = %d changes, %v; want %d", len(got), err, len(steps))
		}
		for _, c := range got {
			if c.Entity.Value != long {
				t.Fatalf("Load: %s has value %q, want %q", c.Entity.ID, c.Entity.Value, long)
			}
		}
		s.Close()
	}
}

// TestFastCompressionShrinks requires S2 records to be smaller than plain
// ones on compressible payloads: the file of the same saves is smaller.
func TestFastCompressionShrinks(t *testing.T) {
	ctx := context.Background()
	size := func(opts ...boltstore.Option) int64 {
		s := open(t, opts...)
		batch := make(unionstore.Changes[storetest.Item], 2000)
		for i := range batch {
			batch[i] = item("ns", "k", fmt.Sprintf("%06d", i), strings.Repeat(fmt.Sprint("value ", i, " "), 20), i)
		}
		if err := s.Save(ctx, batch); err != nil {
			t.Fatal(err)
		}
		s.Close()
		return int64(readPages(t, s.Path()).leafInuse)
	}
	plain, fast := size(), size(boltstore.WithFastCompression())
	if fast >= plain*3/4 {
		t.Fatalf("leaf bytes in use: %d with S2, %d plain; want S2 under three quarters", fast, plain)
	}
}

// TestPageSize creates files with each allowed page size, saves to them
// and reopens them with another, which keeps the page size the file was
// created with; a page size out of range is refused before a file exists.
func TestPageSize(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1024, 2048, 4096, 65536} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.db")
			s := openAt(t, path, boltstore.WithPageSize(n))
			// Many small commits, so that both metas are used and pages
			// are freed and reused.
			for i := range 40 {
				if err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", fmt.Sprint(i%7), strings.Repeat("v", 100*i), i)}); err != nil {
					t.Fatalf("Save %d: %v", i, err)
				}
			}
			s.Close()
			s = openAt(t, path, boltstore.WithPageSize(4096))
			got, err := s.Load(ctx, "ns")
			if err != nil || len(got) != 7 {
				t.Fatalf("Load after reopen = %d changes, %v; want 7", len(got), err)
			}
			s.Close()
			if got := readPages(t, path).pageSize; got != n {
				t.Fatalf("page size of a file created with WithPageSize(%d) and reopened with 4096 = %d", n, got)
			}
		})
	}
	for _, n := range []int{-1, 512, 1000, 3072, 1 << 17} {
		path := filepath.Join(t.TempDir(), "bad.db")
		if s, err := boltstore.Open[storetest.Item](path, boltstore.WithPageSize(n)); err == nil {
			s.Close()
			t.Errorf("Open with WithPageSize(%d) = nil error, want one", n)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open with WithPageSize(%d) left a file: %v", n, err)
		}
	}
}

// TestSmallPagesCutShort cuts a file of 1024-byte pages short: Open must
// read its metadata at its own page size and say it is corrupt.
func TestSmallPagesCutShort(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "small.db")
	s := openAt(t, path, boltstore.WithPageSize(1024))
	batch := make(unionstore.Changes[storetest.Item], 500)
	for i := range batch {
		batch[i] = item("ns", "k", fmt.Sprint(i), strings.Repeat("v", 200), i)
	}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatal(err)
	}
	s.Close()
	f := readPages(t, path)
	if err := os.Truncate(path, int64(f.pages*f.pageSize/2)); err != nil {
		t.Fatal(err)
	}
	if s, err := boltstore.Open[storetest.Item](path); !errors.Is(err, boltstore.ErrCorrupt) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open of a file of 1024-byte pages cut to half = %v, want ErrCorrupt", err)
	}
}
