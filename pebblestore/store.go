package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// Store is a durable [unionstore.Store] in one pebble directory.
//
// Store is safe for concurrent use. Saves write without reading, apply one
// at a time (a short step), and share the write-ahead log's syncs;
// loads, scans and gets run beside them and beside each other.
type Store[E unionstore.Entity] struct {
	db       *pebble.DB
	dir      string
	codec    unionstore.Codec[E]
	readOnly bool
	noSync   bool
	lock     *dirLock

	// fault is the damage pebble met, if any; see fault.go.
	fault *fault
	// session keeps the seal file of a writable store; nil if read-only.
	session *session
	// sealed is the seal counter that Open found, or that Close wrote;
	// wrote is set by every write, so that Close bumps the counter and
	// flushes only on a store that changed (see seal.go).
	sealed uint64
	wrote  atomic.Bool

	// gate is held for reading by each save while it applies its batch,
	// and for writing by what must check the store and write with no save
	// in between: Namespaces' write-back of counts and the purges. It is
	// never held while a save waits for its sync.
	gate sync.RWMutex
	// countMu runs Namespaces' recounts one at a time (see counts.go).
	countMu sync.Mutex
	// stamps marks counts stale; nsHint sizes Namespaces' list.
	stamps *stamper
	nsHint atomic.Int64
	// marks counts the writes that set a stale-counts marker, each bumped
	// after it applies; unmarkedAt is marks+1 at a moment when the store
	// held no marker, 0 if unknown (see noteUnmarked).
	marks, unmarkedAt atomic.Uint64

	// feed is the state of the change feed (see feed.go).
	feed *feed

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
	_ unionstore.Watcher[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
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
	c, err := newConfig(opts)
	var codec unionstore.Codec[E]
	if err == nil {
		codec, err = codecFor[E](c)
	}
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	if dir == "" {
		return nil, errors.New("pebblestore: open: empty directory name")
	}
	if err := checkDir(dir, c.readOnly); err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	stamps, err := newStamper()
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	lock, err := lockDir(dir, c.lockTimeout)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	sl, _, err := readSeal(dir)
	if err == nil {
		err = checkSessionLog(dir, sl)
	}
	if err == nil && !c.readOnly {
		// Before pebble may flush or compact anything: see formatFile.
		err = writeFormatFile(dir)
	}
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	f := &fault{dir: dir}
	var ss *session
	if !c.readOnly {
		ss = &session{dir: dir, counter: sl.counter}
	}
	db, err := openPebble(dir, lock, c, f, ss)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	s := &Store[E]{db: db, dir: dir, codec: codec, readOnly: c.readOnly, noSync: c.noSync, lock: lock, fault: f, session: ss, stamps: stamps, feed: newFeed()}
	if err := s.guard("open", func() error { return s.check(c, sl) }); err != nil {
		// The database may be in no state to close; the directory must
		// be released all the same.
		_ = s.guard("close", db.Close)
		_ = lock.Close()
		if !errors.Is(err, ErrNotStore) && !errors.Is(err, ErrFormat) && !errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w: %w", ErrNotStore, err)
		}
		return nil, fmt.Errorf("pebblestore: open %q: %w", dir, err)
	}
	if !s.readOnly {
		s.startTrimmer()
	}
	return s, nil
}

// check checks the layout version, writing it into a new database, and
// the seal.
func (s *Store[E]) check(c config, sl seal) error {
	id, wrote, err := initLayout(s.db, c)
	if err != nil {
		return err
	}
	s.feed.id = id
	if wrote {
		s.wrote.Store(true)
	}
	if s.sealed, err = checkSeal(s.db, sl); err != nil {
		return err
	}
	if s.session != nil {
		s.session.setCounter(s.sealed)
	}
	return s.fault.get()
}

// initLayout checks the layout version, and writes the layout into a new
// database, or over version 1 or 2 in a database opened for writing, which
// it reports. It returns the store's id, "" for an older database opened
// read-only.
func initLayout(db *pebble.DB, c config) (id string, wrote bool, err error) {
	v, closer, err := db.Get(formatKey)
	switch {
	case err == nil:
		n, perr := strconv.Atoi(string(v))
		_ = closer.Close()
		switch {
		case perr != nil:
			return "", false, fmt.Errorf("%w: layout version %q", ErrNotStore, v)
		case n < minFormat || n > formatVersion:
			return "", false, fmt.Errorf("%w %d (this release reads versions %d to %d); upgrade unionstore", ErrFormat, n, minFormat, formatVersion)
		}
		id, err := readID(db)
		switch {
		case err != nil:
			return "", false, err
		case c.readOnly || n == formatVersion && id != "":
			return id, false, nil
		}
		// Versions 1 and 2 are version 3 with an empty feed: the
		// number changes, and the store gets its id.
		id, err = writeLayout(db, id)
		if err != nil {
			return "", false, fmt.Errorf("upgrade the layout version from %d: %w", n, err)
		}
		return id, true, nil
	case !errors.Is(err, pebble.ErrNotFound):
		return "", false, fmt.Errorf("read layout version: %w", err)
	}
	empty, err := isEmpty(db)
	switch {
	case err != nil:
		return "", false, err
	case !empty:
		return "", false, fmt.Errorf("%w: a pebble database without unionstore metadata", ErrNotStore)
	case c.readOnly:
		return "", false, nil // a database with no keys reads as an empty store
	}
	id, err = writeLayout(db, "")
	if err != nil {
		return "", false, fmt.Errorf("write layout version: %w", err)
	}
	return id, true, nil
}

// readID returns the store's id, "" if it has none.
func readID(db *pebble.DB) (string, error) {
	v, closer, err := db.Get(idKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the store's id: %w", err)
	}
	defer closer.Close()
	return string(v), nil
}

// writeLayout writes the layout version and the id, drawn if id is "",
// in one synced batch, and returns the id.
func writeLayout(db *pebble.DB, id string) (string, error) {
	if id == "" {
		id = newID()
	}
	b := db.NewBatch()
	defer b.Close()
	if err := b.Set(formatKey, []byte(strconv.Itoa(formatVersion)), nil); err != nil {
		return "", err
	}
	if err := b.Set(idKey, []byte(id), nil); err != nil {
		return "", err
	}
	return id, b.Commit(pebble.Sync)
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

// Close closes the database and releases the directory. Every
// acknowledged save is already in the synced write-ahead log; a store that
// was written to also flushes it into tables, and Close then records in
// the seal file that the session ended (see the package doc), so that a
// later Open notices data lost from the directory. Close waits for
// running operations, is safe to call more than once, and afterwards every
// method returns [unionstore.ErrClosed]. On a damaged store it does not
// seal, releases the directory all the same and returns the damage,
// wrapping [ErrCorrupt].
func (s *Store[E]) Close() error {
	// The watches end, and the trimmer stops, before Close waits for the
	// operations: the trimmer's next step would wait for Close.
	s.feed.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if !s.readOnly && s.fault.get() == nil {
		err = s.guard("seal", s.closeSession)
	}
	if cerr := s.guard("close", s.db.Close); err == nil {
		err = cerr
	}
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err == nil {
		err = s.fault.get()
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
	if err := s.fault.get(); err != nil {
		s.mu.RUnlock()
		return nil, err
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
	exists, data := false, ""
	for _, e := range entries {
		if !isStoreFile(e.Name()) {
			return fmt.Errorf("%w: the directory holds %q, which pebble did not write", ErrNotStore, e.Name())
		}
		if isManifest(e.Name()) {
			exists = true
		}
		if holdsData(e.Name()) {
			data = e.Name()
		}
	}
	if !exists && data != "" {
		// Pebble would take the directory for a new database, and drop
		// the files of the old one as obsolete.
		return fmt.Errorf("%w: %w: the directory holds %q but no manifest marker; %s", ErrNotStore, ErrCorrupt, data, repairAdvice)
	}
	if readOnly && !exists {
		return fmt.Errorf("no store there: %w", os.ErrNotExist)
	}
	return nil
}
