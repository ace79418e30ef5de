package sqlitestore

import (
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Option configures [Open].
type Option func(*config) error

type config struct {
	codec       backend.Codec
	readOnly    bool
	sync        Sync
	busyTimeout time.Duration
	quickCheck  bool
	// pollInterval is how often Watch looks for changes of other stores
	// and processes.
	pollInterval time.Duration
}

// DefaultBusyTimeout is how long a statement waits for the lock that
// another connection or process holds on the file before it fails with
// SQLite's "database is locked" (SQLITE_BUSY).
const DefaultBusyTimeout = 5 * time.Second

// DefaultPollInterval is how often a [Store.Watch] looks for changes that
// other stores or processes committed to the file, unless
// [WithPollInterval] sets another. Changes saved through the watched
// store itself wake its watchers at once.
const DefaultPollInterval = 50 * time.Millisecond

// Sync is how SQLite syncs the file at a commit: its synchronous pragma.
type Sync int

// The levels of [WithSync]. In WAL mode, which the store always uses, a
// commit appends the transaction's pages to the write-ahead log, and a
// checkpoint later copies them into the database file.
const (
	// SyncFull, the default, syncs the log at each commit, before Save
	// returns: a saved batch survives a crash of the machine.
	SyncFull Sync = iota
	// SyncNormal syncs the log only at checkpoints. A crash of the process
	// loses nothing and leaves the file consistent, but a crash of the
	// machine or a power cut can roll back the batches saved since the
	// last checkpoint, though Save returned nil for them.
	SyncNormal
	// SyncOff never syncs: a crash of the machine can lose saved batches
	// and damage the file. For tests and bulk loads that can be redone.
	SyncOff
)

func (s Sync) pragma() string {
	switch s {
	case SyncNormal:
		return "NORMAL"
	case SyncOff:
		return "OFF"
	}
	return "FULL"
}

// WithCodec sets the codec of entity payloads. The default is
// [unionstore.JSONCodec]; an interface entity type needs a
// [unionstore.KindCodec]. Open returns an error if the codec is for
// another entity type than the store's, or is nil.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithReadOnly opens the file for reading only (SQLite's mode=ro). The
// file must exist and be a unionstore file; Save, Purge and
// PurgeTombstones return an error wrapping [unionstore.ErrReadOnly].
// Other processes may write to the file meanwhile: reads see their
// commits.
func WithReadOnly() Option {
	return func(c *config) error { c.readOnly = true; return nil }
}

// WithSync sets how commits are synced, [SyncFull] by default: see
// [Sync]. It applies to this store's connections only; other processes
// on the same file choose their own.
func WithSync(s Sync) Option {
	return func(c *config) error {
		if s < SyncFull || s > SyncOff {
			return fmt.Errorf("unknown sync level %d", s)
		}
		c.sync = s
		return nil
	}
}

// WithNoSync is WithSync([SyncOff]): no sync at all, as boltstore's
// option of the same name. A crash of the machine (not of the process)
// can then lose saved batches or damage the file.
func WithNoSync() Option { return WithSync(SyncOff) }

// WithBusyTimeout sets how long a statement waits for a lock held by
// another process, or another store on the same file, before it fails:
// [DefaultBusyTimeout] by default. It must be positive.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("busy timeout %v: want a positive duration", d)
		}
		c.busyTimeout = d
		return nil
	}
}

// WithQuickCheck makes Open run SQLite's PRAGMA quick_check on the file
// and refuse it, with an error wrapping [ErrCorrupt], when it finds a
// fault. The check reads the whole file (see the package doc for its
// cost); without it, damage is found by the reads and writes that meet it.
func WithQuickCheck() Option {
	return func(c *config) error { c.quickCheck = true; return nil }
}

// WithPollInterval sets how often [Store.Watch] looks for changes that
// other stores or processes committed to the file: [DefaultPollInterval]
// by default. Each look is one query on the rev index, which finds nothing
// when nothing changed. It must be positive.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("poll interval %v: want a positive duration", d)
		}
		c.pollInterval = d
		return nil
	}
}
