package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
)

// execSQL runs statements on the file at path through a connection of
// its own, as another program would.
func execSQL(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// storeFile returns the path of a closed store file holding one change.
func storeFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s := openAt(t, path)
	if err := s.Save(context.Background(), unionstore.Changes[item]{set("n", "a", "v", at(1))}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return path
}

// TestOpenRefuses opens files that are not unionstore files, or not of
// this release, and requires the error and, for another program's file,
// that not a byte of it changed.
func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T, path string)
		opts []sqlitestore.Option
		want []error
	}{
		{"another program's database", func(t *testing.T, path string) {
			execSQL(t, path, "CREATE TABLE users (name TEXT)", "INSERT INTO users VALUES ('ann')")
		}, nil, []error{sqlitestore.ErrNotStore}},
		{"another program's database with an application id", func(t *testing.T, path string) {
			execSQL(t, path, "PRAGMA application_id = 42")
		}, nil, []error{sqlitestore.ErrNotStore}},
		{"a text file", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("not a database\n"), 300), 0o600)
		}, nil, []error{sqlitestore.ErrNotStore, sqlitestore.ErrCorrupt}},
		{"a newer layout", func(t *testing.T, path string) {
			execSQL(t, storeFile(t), "PRAGMA user_version = 3", "VACUUM INTO '"+path+"'")
		}, nil, []error{sqlitestore.ErrFormat}},
		{"a records table of another definition", func(t *testing.T, path string) {
			execSQL(t, path, "CREATE TABLE records (x)", "PRAGMA application_id = 1431196500", "PRAGMA user_version = 1")
		}, nil, []error{sqlitestore.ErrCorrupt}},
		{"a directory", func(t *testing.T, path string) { os.Mkdir(path, 0o700) }, nil, []error{sqlitestore.ErrNotStore}},
		{"a missing file, read-only", func(t *testing.T, path string) {}, []sqlitestore.Option{sqlitestore.WithReadOnly()}, []error{os.ErrNotExist}},
		{"an empty file, read-only", func(t *testing.T, path string) { os.WriteFile(path, nil, 0o600) },
			[]sqlitestore.Option{sqlitestore.WithReadOnly()}, []error{sqlitestore.ErrNotStore}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "file.db")
			tc.make(t, path)
			before, _ := os.ReadFile(path)
			s, err := sqlitestore.Open[item](path, tc.opts...)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("Open = %v, want %v", err, want)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Errorf("Open changed the file it refused")
			}
		})
	}
}

func TestOpenRefusesOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "never.db")
	for _, opt := range []sqlitestore.Option{sqlitestore.WithBusyTimeout(0), sqlitestore.WithSync(7), sqlitestore.WithCodec[item](nil)} {
		if s, err := sqlitestore.Open[item](path, opt); err == nil {
			s.Close()
			t.Error("Open with an invalid option succeeded")
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open with an invalid option touched the file: %v", err)
	}
}

// TestReadOnly reads a store file read-only while a writer saves to it,
// and requires every write of the read-only store to fail with
// ErrReadOnly.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := storeFile(t)
	w := openAt(t, path)
	r := openAt(t, path, sqlitestore.WithReadOnly())
	if err := w.Save(ctx, unionstore.Changes[item]{set("n", "b", "v", at(2))}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Load(ctx, "n")
	if err != nil || len(got) != 2 {
		t.Fatalf("read-only Load = %v, %v; want the 2 changes saved", got, err)
	}
	if err := r.Save(ctx, unionstore.Changes[item]{set("n", "c", "v", at(3))}); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Errorf("read-only Save = %v, want ErrReadOnly", err)
	}
	if err := r.Purge(ctx, "n"); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Errorf("read-only Purge = %v, want ErrReadOnly", err)
	}
	if _, err := r.PurgeTombstones(ctx, "n", at(10)); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Errorf("read-only PurgeTombstones = %v, want ErrReadOnly", err)
	}
}

// TestErrorsNameTheFile checks the error's form on a store whose file is
// damaged under it.
func TestErrorsNameTheFile(t *testing.T) {
	path := storeFile(t)
	s := openAt(t, path)
	_, _, err := s.Get(context.Background(), "n", "k", "a")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = s.Load(context.Background(), "n")
	want := `sqlitestore: load "n" from sqlite file "` + path + `": `
	if !errors.Is(err, unionstore.ErrClosed) || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("Load after Close = %v, want it to begin %q and wrap ErrClosed", err, want)
	}
}

// TestLimits saves the longest keys the store takes and refuses one byte
// more, before writing anything.
func TestLimits(t *testing.T) {
	ctx := context.Background()
	s := open(t, sqlitestore.WithNoSync())
	long := strings.Repeat("é", 1<<19) // 1 MiB
	c := set(long, long, "v", at(1))
	c.Entity.Kind = long
	if err := s.Save(ctx, unionstore.Changes[item]{c}); err != nil {
		t.Fatalf("Save of 1 MiB keys: %v", err)
	}
	got, ok, err := s.Get(ctx, long, long, long)
	if err != nil || !ok || got.Entity != c.Entity {
		t.Fatalf("Get of 1 MiB keys = %v, %v; want the change saved", ok, err)
	}
	for _, tc := range []struct {
		name string
		edit func(c *unionstore.Change[item])
	}{
		{"namespace", func(c *unionstore.Change[item]) { c.Namespace += "x" }},
		{"kind", func(c *unionstore.Change[item]) { c.Entity.Kind += "x" }},
		{"id", func(c *unionstore.Change[item]) { c.Entity.ID += "x" }},
	} {
		over := c
		tc.edit(&over)
		batch := unionstore.Changes[item]{set("n", "first", "v", at(1)), over}
		if err := s.Save(ctx, batch); !errors.Is(err, sqlitestore.ErrKeyTooLong) || !errors.Is(err, unionstore.ErrInvalidChange) {
			t.Errorf("Save of a %s over 1 MiB = %v, want ErrKeyTooLong and ErrInvalidChange", tc.name, err)
		}
	}
	if got, _ := s.Load(ctx, "n"); len(got) != 0 {
		t.Errorf("a refused batch left %d changes", len(got))
	}
}

// TestOpenSetsWAL opens a store file that a tool put back into rollback
// journal mode, and requires WAL mode again.
func TestOpenSetsWAL(t *testing.T) {
	path := storeFile(t)
	execSQL(t, path, "PRAGMA journal_mode=DELETE")
	openAt(t, path).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode after Open = %q, %v; want wal", mode, err)
	}
}
