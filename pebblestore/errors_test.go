package pebblestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// rawWrite opens dir with pebble itself and sets key to value (or deletes
// it when value is nil).
func rawWrite(t *testing.T, dir string, key, value []byte) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}, Merger: pebblestore.Merger})
	if err != nil {
		t.Fatalf("pebble.Open(%q): %v", dir, err)
	}
	if value == nil {
		err = db.Delete(key, pebble.Sync)
	} else {
		err = db.Set(key, value, pebble.Sync)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("raw write to %q: %v", dir, err)
	}
}

type quiet struct{}

func (quiet) Infof(string, ...any)              {}
func (quiet) Errorf(string, ...any)             {}
func (quiet) Fatalf(format string, args ...any) { panic(format) }

// newStoreDir makes a store in a fresh directory, saves one change and
// closes it.
func newStoreDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := pebblestore.Open[storetest.Item](dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(context.Background(), unionstore.Changes[storetest.Item]{item("ns", "k", "a", "v", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOpenRefuses(t *testing.T) {
	for _, tt := range []struct {
		name    string
		prepare func(t *testing.T) string
		opts    []pebblestore.Option
		want    error
		// untouched: Open must refuse before writing anything, such as
		// pebble's lock file.
		untouched bool
	}{
		{"a file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "notes.txt")
			return p
		}, nil, pebblestore.ErrNotStore, true},
		{"a directory of other files", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "photo.jpg"), []byte("jpeg"), 0o600); err != nil {
				t.Fatal(err)
			}
			return dir
		}, nil, pebblestore.ErrNotStore, true},
		{"a pebble database of another program", func(t *testing.T) string {
			dir := t.TempDir()
			rawWrite(t, dir, []byte("user/42"), []byte("someone else's"))
			return dir
		}, nil, pebblestore.ErrNotStore, false},
		{"a newer layout version", func(t *testing.T) string {
			dir := newStoreDir(t)
			rawWrite(t, dir, []byte("\x01format"), []byte("4"))
			return dir
		}, nil, pebblestore.ErrFormat, false},
		{"a layout version that is not a number", func(t *testing.T) string {
			dir := newStoreDir(t)
			rawWrite(t, dir, []byte("\x01format"), []byte("one"))
			return dir
		}, nil, pebblestore.ErrNotStore, false},
		{"a damaged manifest", func(t *testing.T) string {
			dir := newStoreDir(t)
			damage(t, dir, "MANIFEST-")
			return dir
		}, nil, pebblestore.ErrNotStore, false},
		{"a damaged manifest, read-only", func(t *testing.T) string {
			dir := newStoreDir(t)
			damage(t, dir, "MANIFEST-")
			return dir
		}, []pebblestore.Option{pebblestore.WithReadOnly()}, pebblestore.ErrNotStore, false},
		{"a missing directory, read-only", func(t *testing.T) string {
			return filepath.Join(t.TempDir(), "absent")
		}, []pebblestore.Option{pebblestore.WithReadOnly()}, os.ErrNotExist, true},
		{"an empty directory, read-only", func(t *testing.T) string {
			return t.TempDir()
		}, []pebblestore.Option{pebblestore.WithReadOnly()}, os.ErrNotExist, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.prepare(t)
			if tt.name == "a file" {
				if err := os.WriteFile(dir, []byte("hello"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := listDir(t, dir)
			s, err := pebblestore.Open[storetest.Item](dir, tt.opts...)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded, want %v", tt.name, tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open(%s) = %v, want %v", tt.name, err, tt.want)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("Open error %q does not name %q", err, dir)
			}
			if after := listDir(t, dir); tt.untouched && after != before {
				t.Errorf("refused Open changed the directory: %q, then %q", before, after)
			}
		})
	}
}

// TestReadOnlyCreatesNothing opens absent and empty places read-only.
func TestReadOnlyCreatesNothing(t *testing.T) {
	empty := t.TempDir()
	absent := filepath.Join(t.TempDir(), "absent")
	for _, dir := range []string{empty, absent} {
		if _, err := pebblestore.Open[storetest.Item](dir, pebblestore.WithReadOnly()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("read-only Open(%q) = %v, want os.ErrNotExist", dir, err)
		}
	}
	if got := listDir(t, empty); got != "" {
		t.Errorf("read-only Open wrote %s into an empty directory", got)
	}
	if _, err := os.Stat(absent); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open created %q", absent)
	}
}

// listDir returns the names in dir, or "" for a file or nothing.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, ",")
}

// damage overwrites the middle of the first file of dir whose name starts
// with prefix.
func damage(t *testing.T, dir, prefix string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(data) / 4; i < len(data)*3/4; i++ {
			data[i] ^= 0x5a
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no file %s* in %q", prefix, dir)
}

func TestReadOnly(t *testing.T) {
	dir := newStoreDir(t)
	s := openAt(t, dir, pebblestore.WithReadOnly())
	ctx := context.Background()
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "b", "v", 2)}); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Fatalf("Save on a read-only store = %v, want ErrReadOnly", err)
	}
	if err := s.Purge(ctx, "ns"); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Fatalf("Purge on a read-only store = %v, want ErrReadOnly", err)
	}
	if _, err := s.PurgeTombstones(ctx, "ns", t0.Add(time.Hour)); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Fatalf("PurgeTombstones on a read-only store = %v, want ErrReadOnly", err)
	}
	got, err := s.Load(ctx, "ns")
	if err != nil || len(got) != 1 || got[0].Entity.ID != "a" {
		t.Fatalf("Load = %v, %v; want the one saved change", describe(got), err)
	}
}

// TestLockedInProcess opens one directory twice in one process, under
// other spellings of its path: the second Open must fail with ErrLocked
// after its lock timeout, and succeed once the first store is closed.
func TestLockedInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	first, err := pebblestore.Open[storetest.Item](dir)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	for _, spelling := range []string{dir, dir + "/.", link} {
		start := time.Now()
		_, err := pebblestore.Open[storetest.Item](spelling, pebblestore.WithLockTimeout(100*time.Millisecond), pebblestore.WithReadOnly())
		if !errors.Is(err, pebblestore.ErrLocked) {
			t.Fatalf("second Open(%q) = %v, want ErrLocked", spelling, err)
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("second Open(%q) gave up after %v, before its lock timeout", spelling, d)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openAt(t, link)
}

// TestDamagedRecord stores undecodable records beside good ones: Load and
// Scan return the good ones and a DecodeError naming each bad one; Get
// reports the bad one.
func TestDamagedRecord(t *testing.T) {
	dir := newStoreDir(t) // holds ns/k/a
	rawWrite(t, dir, pebblestore.RecordKey("ns", "k", "b"), []byte{1, 1, 0, 0})
	rawWrite(t, dir, pebblestore.RecordKey("ns", "k", "c"), append([]byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 1}, `{"kind":"k","id":"other"}`...))
	rawWrite(t, dir, []byte("\x02ns\x00no end of kind"), []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 1})
	s := openAt(t, dir)
	ctx := context.Background()
	got, err := s.Load(ctx, "ns")
	var de *unionstore.DecodeError
	if !errors.Is(err, unionstore.ErrDecode) || !errors.As(err, &de) || !errors.Is(err, pebblestore.ErrCorrupt) {
		t.Fatalf("Load error = %v, want DecodeErrors wrapping ErrCorrupt", err)
	}
	if len(got) != 1 || got[0].Entity.ID != "a" {
		t.Fatalf("Load = %v, want the one good record", describe(got))
	}
	for _, id := range []string{`"b"`, `"c"`, `no end of kind`} {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("Load error %q does not name %s", err, id)
		}
	}
	// The records that do not follow the layout, b's value and the key,
	// wrap ErrCorrupt; c, whose payload names another id, does not.
	for _, de := range storetest.DecodeErrors(err) {
		if want := de.ID != "c"; errors.Is(de, pebblestore.ErrCorrupt) != want {
			t.Errorf("Load's error for %q = %v, want ErrCorrupt %v", de.ID, de, want)
		}
	}
	var last error
	n := 0
	for _, err := range s.Scan(ctx, "ns") {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	if n != 1 || !errors.Is(last, unionstore.ErrDecode) || !errors.Is(last, pebblestore.ErrCorrupt) {
		t.Fatalf("Scan yielded %d changes and %v, want 1 and a decode error wrapping ErrCorrupt", n, last)
	}
	if _, _, err := s.Get(ctx, "ns", "k", "b"); !errors.Is(err, pebblestore.ErrCorrupt) {
		t.Fatalf("Get of a damaged record = %v, want ErrCorrupt", err)
	}
	// A damaged record is replaced by a newer save.
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "b", "fixed", 1)}); err != nil {
		t.Fatal(err)
	}
	if c, ok, err := s.Get(ctx, "ns", "k", "b"); err != nil || !ok || c.Entity.Value != "fixed" {
		t.Fatalf("Get after the repair = %+v, %v, %v", c, ok, err)
	}
}

func TestWrongCodec(t *testing.T) {
	_, err := pebblestore.Open[storetest.Item](t.TempDir(), pebblestore.WithCodec(unionstore.JSONCodec[*storetest.Item]()))
	if err == nil || !strings.Contains(err.Error(), "cannot encode entities") {
		t.Fatalf("Open with a codec of another type = %v", err)
	}
}
