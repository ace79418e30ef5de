package pebblestore

import (
	"errors"
	"fmt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a durable [unionstore.Store] in one pebble directory. Its
// methods come from [backend.Store]: Save, Load, Scan, Get, Check,
// Namespaces, Purge, PurgeTombstones, Snapshot, Watch and Close; the
// package doc says what each does on pebble.
//
// Store is safe for concurrent use. Saves write without reading, apply one
// at a time (a short step), and share the write-ahead log's syncs;
// loads, scans and gets run beside them and beside each other. Close
// waits for running operations, and on a damaged store releases the
// directory all the same and returns the damage, wrapping [ErrCorrupt].
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	d *driver
}

var (
	_ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
	_ backend.LoadVisitor                 = (*driver)(nil)
	_ backend.LoadSizer                   = (*driver)(nil)
	_ backend.Feeder                      = (*driver)(nil)
	_ backend.RecordChecker               = (*driver)(nil)
	_ backend.BatchChecker                = (*driver)(nil)
)

// Open opens the store in the pebble directory dir, creating the directory
// and the database if they do not exist (unless [WithReadOnly] is given).
//
// Open returns an error wrapping [ErrLocked] if another process, or another
// open Store of this process, holds the directory for longer than the lock
// timeout; [ErrNotStore] if dir is a file, a non-empty directory without a
// pebble database, a pebble database of another program, or a damaged one
// (wrapping [ErrCorrupt] too where the damage is certain; the package doc
// says what Open notices); [ErrFormat] if a newer release wrote it; and,
// with WithReadOnly, an error wrapping [os.ErrNotExist] if there is no
// store at dir. The error names the directory.
func Open[E unionstore.Entity](dir string, opts ...Option) (*Store[E], error) {
	c := config{lockTimeout: DefaultLockTimeout}
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	if dir == "" {
		return nil, errors.New("pebblestore: open: empty directory name")
	}
	d, err := openDriver(dir, c)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	s, err := backend.NewStore[E]("pebblestore", d, c.codec)
	if err != nil {
		_ = d.Close()
		return nil, err
	}
	return &Store[E]{Store: s, d: d}, nil
}

// Dir returns the directory the store was opened on.
func (s *Store[E]) Dir() string { return s.d.dir }
