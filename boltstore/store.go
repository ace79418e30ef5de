package boltstore

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a durable [unionstore.Store] in one bbolt file. Through the
// [backend.Store] it embeds it also implements [unionstore.Checker],
// [unionstore.Getter], [unionstore.Scanner], [unionstore.NamespaceLister],
// [unionstore.Purger], [unionstore.TombstonePurger] and
// [unionstore.Watcher] (see the package doc's Change feed).
//
// Save applies each batch in one bbolt transaction, all of it or none,
// synced to disk before it returns; Saves that run at the same time share
// a transaction and its sync (see the package doc's Group commit). When
// ctx ends while a batch waits for its turn, the batch is withdrawn and
// Save returns an error wrapping ctx.Err(); once its transaction has
// begun, Save waits for the commit, so an error always means the batch
// was not applied. A store opened with [WithReadOnly] refuses Save, Purge
// and PurgeTombstones with an error wrapping [unionstore.ErrReadOnly].
//
// Load reads a namespace in one read transaction, a consistent snapshot;
// Scan reads it in pages of a few hundred records, each page in a read
// transaction that is never held while the loop body runs, so the body
// may Save to the same store; a change saved during the walk is seen if
// its key is still ahead of it. Get is one key lookup. Namespaces reads
// counts that Save keeps. PurgeTombstones works in transactions of up to
// 10,000 tombstones: when it fails midway, those removed stay removed.
//
// Store is safe for concurrent use. Close waits for running saves and
// reads, and afterwards every method returns [unionstore.ErrClosed].
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	path string
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// Open opens the store in the bolt file at path, creating the file if it
// does not exist (unless [WithReadOnly] is given).
//
// Open returns an error wrapping [ErrLocked] if another process holds the
// file for longer than the lock timeout, [ErrNotStore] if the file is not a
// bolt database or belongs to another program, [ErrCorrupt] if it is
// shorter than its metadata says or its first pages are damaged, and
// [ErrFormat] if a newer release wrote it. The error names the file. A
// page size that [WithPageSize] does not allow gives an error before the
// file is touched.
func Open[E unionstore.Entity](path string, opts ...Option) (*Store[E], error) {
	c := config{lockTimeout: DefaultLockTimeout}
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return nil, fmt.Errorf("boltstore: open %q: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("boltstore: open %q: %w: it is a directory", path, ErrNotStore)
	}
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("boltstore: open %q: %w", path, err)
	}
	db, err := openBolt(path, c)
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %q: %w", path, err)
	}
	var id string
	err = contain(path, "open", func() (err error) { id, err = initLayout(db, c.readOnly); return err })
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %q: %w", path, err)
	}
	d := newDriver(db, path, id, c)
	s, err := backend.NewStore[E]("boltstore", d, c.codec)
	if err != nil {
		_ = d.Close()
		return nil, err
	}
	return &Store[E]{Store: s, path: path}, nil
}

// Path returns the file the store was opened on.
func (s *Store[E]) Path() string { return s.path }

// openBolt opens the bbolt file and turns its errors, and any panic on a
// damaged file, into errors that say what to do.
func openBolt(path string, c config) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: %w: bbolt failed reading it: %v; %s", ErrNotStore, ErrCorrupt, r, repairAdvice)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  c.lockTimeout,
		ReadOnly: c.readOnly,
		NoSync:   c.noSync,
		PageSize: c.pageSize,
	})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w (waited %v); close the program using it, or pass a longer lock timeout", ErrLocked, c.lockTimeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, fmt.Errorf("%w: not a bolt database, or a damaged one: %w", ErrNotStore, err)
	}
	return nil, err
}

// initLayout checks the format version, writes the layout into a new
// file, and raises an older file opened for writing to formatFeed: its
// feed buckets and its id, which initLayout returns.
func initLayout(db *bolt.DB, readOnly bool) (id string, err error) {
	var version int
	check := func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			return errNoMeta
		}
		v := meta.Get(formatKey)
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return fmt.Errorf("%w: format version %q", ErrNotStore, v)
		}
		if n < formatPlain || n > formatFeed {
			return fmt.Errorf("%w %d (this release reads versions %d to %d); upgrade unionstore", ErrFormat, n, formatPlain, formatFeed)
		}
		version, id = n, string(meta.Get(idKey))
		return nil
	}
	err = db.View(check)
	switch {
	case err == nil && (readOnly || version == formatFeed && id != ""):
		return id, nil
	case err == nil:
		return upgradeLayout(db)
	case !errors.Is(err, errNoMeta):
		return "", err
	}
	empty := true
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
	}); err != nil {
		return "", err
	}
	switch {
	case !empty:
		return "", fmt.Errorf("%w: a bolt database without unionstore metadata", ErrNotStore)
	case readOnly:
		return "", nil // an empty file read as an empty store
	}
	return upgradeLayout(db)
}

// upgradeLayout makes every bucket of formatFeed that the file lacks,
// draws the file's id if it has none, and sets the format version, in one
// transaction. It returns the id.
func upgradeLayout(db *bolt.DB) (id string, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		for _, name := range [][]byte{recordsBucket, countsBucket, revisionsBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if id = string(meta.Get(idKey)); id == "" {
			id = newID()
			if err := meta.Put(idKey, []byte(id)); err != nil {
				return err
			}
		}
		return meta.Put(formatKey, []byte(strconv.Itoa(formatFeed)))
	})
	return id, err
}

var errNoMeta = errors.New("no meta bucket")
