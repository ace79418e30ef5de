package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"

	_ "modernc.org/sqlite" // the "sqlite" driver of database/sql

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a durable [unionstore.Store] in one SQLite file. Its methods
// come from [backend.Store]: Save, Load, Scan, Get, Check, Namespaces,
// Purge, PurgeTombstones, Snapshot, Watch and Close.
//
// Store is safe for concurrent use. Other stores and other processes may
// open the same file at the same time: see the package doc.
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	path string
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

var _ backend.Feeder = (*driver)(nil)

// Open opens the store in the SQLite file at path, creating the file and
// its table if it does not exist (unless [WithReadOnly] is given), and
// setting it to WAL mode.
//
// Open returns an error wrapping [ErrNotStore] for a file that is not a
// unionstore SQLite file (a database of another program, which it leaves
// untouched), [ErrCorrupt] for a damaged one, [ErrFormat] for one written
// by a newer release, and SQLite's "database is locked" when another
// process holds the file's write lock for longer than the busy timeout
// while Open creates the table. An invalid option gives an error before
// the file is touched. Errors name the file.
func Open[E unionstore.Entity](path string, opts ...Option) (*Store[E], error) {
	c := config{busyTimeout: DefaultBusyTimeout, pollInterval: DefaultPollInterval}
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return nil, fmt.Errorf("sqlitestore: open %q: %w", path, err)
	}
	d, err := openDriver(path, c)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %q: %w", path, err)
	}
	s, err := backend.NewStore[E]("sqlitestore", d, c.codec)
	if err != nil {
		d.Close()
		return nil, err
	}
	return &Store[E]{Store: s, path: path}, nil
}

// Path returns the file the store was opened on, as given to [Open].
func (s *Store[E]) Path() string { return s.path }

// driver is the engine code: the backend.Driver of a SQLite file.
type driver struct {
	db       *sql.DB
	path     string
	readOnly bool
	// write is held by the one Put or purge of this store that writes at
	// a time. SQLite lets one connection write at a time anyway; queueing
	// here instead of in SQLite's busy handler, which polls with sleeps of
	// up to 100ms, keeps this store's writers from waiting longer than
	// the writer before them. Other stores and processes wait in SQLite.
	write chan struct{}
	stmts statements
	feed  *backend.Revisions // nil for a read-only file of layout 1
}

// openDriver opens the pool on the file and checks or makes its layout.
func openDriver(path string, c config) (*driver, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%w: it is a directory", ErrNotStore)
	} else if c.readOnly && err != nil {
		return nil, err // mode=ro would say only "unable to open"
	}
	name, err := dsn(path, c)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, err
	}
	// Keep a few connections open: a new one parses the schema again.
	db.SetMaxIdleConns(4)
	ctx := context.Background()
	version, err := initLayout(ctx, db, c.readOnly)
	if err != nil {
		db.Close()
		return nil, notADatabase(classify(err))
	}
	if c.quickCheck {
		if err := quickCheck(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	d := &driver{db: db, path: path, readOnly: c.readOnly, write: make(chan struct{}, 1)}
	if err := d.stmts.prepare(ctx, db, c.readOnly, version); err != nil {
		db.Close()
		return nil, classify(err)
	}
	if d.feed, err = newFeed(ctx, db, version, c.pollInterval); err != nil {
		d.stmts.close()
		db.Close()
		return nil, classify(err)
	}
	return d, nil
}

// quickCheck runs PRAGMA quick_check and returns an error wrapping
// ErrCorrupt with its first findings, if any.
func quickCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(10)")
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	var faults []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return classify(err)
		}
		if line != "ok" {
			faults = append(faults, line)
		}
	}
	if err := rows.Err(); err != nil {
		return classify(err)
	}
	if len(faults) > 0 {
		return fmt.Errorf("%w: quick_check found %d faults: %q", ErrCorrupt, len(faults), faults)
	}
	return nil
}

// String names the file, for errors.
func (d *driver) String() string { return "sqlite file " + strconv.Quote(d.path) }

// maxLength is SQLite's default limit on the bytes of a row (and of a
// string or blob): SQLITE_MAX_LENGTH, which the modernc build keeps.
const maxLength = 1_000_000_000

// Limits bounds keys to 1 MiB each, so that a row's keys and payload stay
// within SQLite's row limit of maxLength bytes, and the payload to the
// rest of that limit, less room for the row's header.
func (d *driver) Limits() backend.Limits {
	const maxKey = 1 << 20
	return backend.Limits{MaxKey: maxKey, MaxPayload: maxLength - 3*maxKey - 64}
}

// Close closes the pool, which checkpoints the write-ahead log into the
// file when this is the last connection to it.
func (d *driver) Close() error {
	if d.feed != nil {
		d.feed.Close()
	}
	d.stmts.close()
	return d.db.Close()
}

// lock takes the store's write slot, or returns ctx's error.
func (d *driver) lock(ctx context.Context) error {
	select {
	case d.write <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *driver) unlock() { <-d.write }

// writable returns the error of a write to a read-only store, or nil.
func (d *driver) writable() error {
	if d.readOnly {
		return fmt.Errorf("%w: opened read-only", unionstore.ErrReadOnly)
	}
	return nil
}
