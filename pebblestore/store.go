package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// Store is a durable [unionstore.Store] in one pebble directory.
//
// Store is safe for concurrent use. Saves decide last-write-wins under a
// short lock of the store, and wait for the write-ahead log's sync after
// releasing it, so that concurrent saves share syncs; loads, scans and gets
// run beside them and beside each other.
type Store[E unionstore.Entity] struct {
	db       *pebble.DB
	dir      string
	codec    unionstore.Codec[E]
	readOnly bool
	noSync   bool
	lock     *dirLock

	// writeMu serialises the read-decide-apply step of Save, so that each
	// save compares against every change applied before it. It is never
	// held while a save waits for its sync.
	writeMu sync.Mutex

	// mu guards closed. Operations hold it for reading while they use db,
	// so that Close waits for them instead of pulling the database away
	// (pebble panics on use after close).
	mu     sync.RWMutex
	closed bool
}

var (
	_ unionstore.Store[unionstore.Entity]   = (*Store[unionstore.Entity])(nil)
	_ unionstore.Scanner[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
	_ unionstore.Getter[unionstore.Entity]  = (*Store[unionstore.Entity])(nil)
	_ unionstore.Checker[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
	_ unionstore.NamespaceLister            = (*Store[unionstore.Entity])(nil)
)

// Open opens the store in the pebble directory dir, creating the directory
// and the database if they do not exist (unless [WithReadOnly] is given).
//
// Open returns an error wrapping [ErrLocked] if another process, or another
// open Store of this process, holds the directory for longer than the lock
// timeout; [ErrNotStore] if dir is a file, a non-empty directory without a
// pebble database, a pebble database of another program, or a damaged one;
// [ErrFormat] if a newer release wrote it; and, with WithReadOnly, an error
// wrapping [os.ErrNotExist] if there is no store at dir. The error names
// the directory.
func Open[E unionstore.Entity](dir string, opts ...Option) (*Store[E], error) {
	c := newConfig(opts)
	codec, err := codecFor[E](c)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	if dir == "" {
		return nil, errors.New("pebblestore: open: empty directory name")
	}
	if err := checkDir(dir, c.readOnly); err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	lock, err := lockDir(dir, c.lockTimeout)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	db, err := openPebble(dir, lock, c)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	if err := initLayout(db, c); err != nil {
		_ = db.Close()
		_ = lock.Close()
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	return &Store[E]{db: db, dir: dir, codec: codec, readOnly: c.readOnly, noSync: c.noSync, lock: lock}, nil
}

// initLayout checks the layout version, and writes it into a new database.
func initLayout(db *pebble.DB, c config) error {
	v, closer, err := db.Get(formatKey)
	switch {
	case err == nil:
		defer closer.Close()
		n, perr := strconv.Atoi(string(v))
		if perr != nil {
			return fmt.Errorf("%w: layout version %q", ErrNotStore, v)
		}
		if n != formatVersion {
			return fmt.Errorf("%w %d (this release reads version %d); upgrade unionstore", ErrFormat, n, formatVersion)
		}
		return nil
	case !errors.Is(err, pebble.ErrNotFound):
		return fmt.Errorf("read layout version: %w", err)
	}
	empty, err := isEmpty(db)
	switch {
	case err != nil:
		return err
	case !empty:
		return fmt.Errorf("%w: a pebble database without unionstore metadata", ErrNotStore)
	case c.readOnly:
		return nil // a database with no keys reads as an empty store
	}
	if err := db.Set(formatKey, []byte(strconv.Itoa(formatVersion)), pebble.Sync); err != nil {
		return fmt.Errorf("write layout version: %w", err)
	}
	return nil
}

// isEmpty reports whether db holds no key at all.
func isEmpty(db *pebble.DB) (bool, error) {
	it, err := db.NewIter(nil)
	if err != nil {
		return false, err
	}
	empty := !it.First()
	if err := it.Close(); err != nil {
		return false, fmt.Errorf("read the database: %w", err)
	}
	return empty, nil
}

// Dir returns the directory the store was opened on.
func (s *Store[E]) Dir() string { return s.dir }

// Close closes the database and releases the directory; every
// acknowledged save is already in the synced write-ahead log. It waits for running operations, is safe to call more
// than once, and afterwards every method returns [unionstore.ErrClosed].
func (s *Store[E]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.db.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("pebblestore: close %q: %w", s.dir, err)
	}
	return nil
}

// use locks the store for one operation, or returns why it cannot run.
func (s *Store[E]) use(ctx context.Context) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, unionstore.ErrClosed
	}
	return s.mu.RUnlock, nil
}

// checkDir refuses what Open must not hand to pebble: a file, a directory
// of other files (pebble would write its own among them), and for a
// read-only open, a place without a store.
func checkDir(dir string, readOnly bool) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist) && readOnly:
		return fmt.Errorf("no store there: %w", err)
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%w: it is a file, not a directory", ErrNotStore)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	exists := false
	for _, e := range entries {
		if !isPebbleFile(e.Name()) {
			return fmt.Errorf("%w: the directory holds %q, which pebble did not write", ErrNotStore, e.Name())
		}
		if isManifest(e.Name()) {
			exists = true
		}
	}
	if readOnly && !exists {
		return fmt.Errorf("no store there: %w", os.ErrNotExist)
	}
	return nil
}
