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

// driver is the engine code: the backend.Driver of a pebble directory.
type driver struct {
	db       *pebble.DB
	dir      string
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

// openDriver locks dir, opens pebble in it and checks the layout and the
// seal.
func openDriver(dir string, c config) (*driver, error) {
	if err := checkDir(dir, c.readOnly); err != nil {
		return nil, err
	}
	stamps, err := newStamper()
	if err != nil {
		return nil, err
	}
	lock, err := lockDir(dir, c.lockTimeout)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	f := &fault{dir: dir}
	var ss *session
	if !c.readOnly {
		ss = &session{dir: dir, counter: sl.counter}
	}
	db, err := openPebble(dir, lock, c, f, ss)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	d := &driver{db: db, dir: dir, readOnly: c.readOnly, noSync: c.noSync, lock: lock, fault: f, session: ss, stamps: stamps, feed: newFeed()}
	if err := d.guard("open", func() error { return d.check(c, sl) }); err != nil {
		// The database may be in no state to close; the directory must
		// be released all the same.
		_ = d.guard("close", db.Close)
		_ = lock.Close()
		if !errors.Is(err, ErrNotStore) && !errors.Is(err, ErrFormat) && !errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w: %w", ErrNotStore, err)
		}
		return nil, err
	}
	if !d.readOnly {
		d.startTrimmer()
	}
	return d, nil
}

// check checks the layout version, writing it into a new database, and
// the seal.
func (d *driver) check(c config, sl seal) error {
	id, wrote, err := initLayout(d.db, c)
	if err != nil {
		return err
	}
	d.feed.id = id
	if wrote {
		d.wrote.Store(true)
	}
	if d.sealed, err = checkSeal(d.db, sl); err != nil {
		return err
	}
	if d.session != nil {
		d.session.setCounter(d.sealed)
	}
	return d.fault.get()
}

// String names the directory, for errors.
func (d *driver) String() string { return "pebble directory " + strconv.Quote(d.dir) }

// Close closes the database and releases the directory. Every
// acknowledged save is already in the synced write-ahead log; a store that
// was written to also flushes it into tables, and Close then records in
// the seal file that the session ended (see the package doc), so that a
// later Open notices data lost from the directory. It waits for running
// operations. On a damaged store it does not seal, releases the directory
// all the same and returns the damage, wrapping [ErrCorrupt].
func (d *driver) Close() error {
	// The watches end, and the trimmer stops, before Close waits for the
	// operations: the trimmer's next step would wait for Close.
	d.feed.close()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var err error
	if !d.readOnly && d.fault.get() == nil {
		err = d.guard("seal", d.closeSession)
	}
	if cerr := d.guard("close", d.db.Close); err == nil {
		err = cerr
	}
	if lerr := d.lock.Close(); err == nil {
		err = lerr
	}
	if err == nil {
		err = d.fault.get()
	}
	return err
}

// use locks the store for one operation, or returns why it cannot run.
func (d *driver) use(ctx context.Context) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.mu.RLock()
	if d.closed {
		d.mu.RUnlock()
		return nil, unionstore.ErrClosed
	}
	if err := d.fault.get(); err != nil {
		d.mu.RUnlock()
		return nil, err
	}
	return d.mu.RUnlock, nil
}

// useForWrite locks the store for one write, or returns why it cannot
// run: the reasons of use, or the store's being read-only.
func (d *driver) useForWrite(ctx context.Context) (unlock func(), err error) {
	unlock, err = d.use(ctx)
	if err == nil && d.readOnly {
		unlock()
		return nil, d.writable()
	}
	return unlock, err
}

// writable returns the error of a write to a store opened read-only, or
// nil.
func (d *driver) writable() error {
	if d.readOnly {
		return fmt.Errorf("%w: opened read-only", unionstore.ErrReadOnly)
	}
	return nil
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
