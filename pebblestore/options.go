package pebblestore

import (
	"cmp"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Option configures [Open]. Options are applied in order; an invalid
// option makes Open return an error naming it, before the file is touched.
type Option func(*config) error

type config struct {
	codec       backend.Codec
	lockTimeout time.Duration
	readOnly    bool
	noSync      bool
	largeTables bool
}

// DefaultLockTimeout is how long [Open] waits for another process to
// release the directory before it returns [ErrLocked].
const DefaultLockTimeout = time.Second

// WithCodec sets the codec of entity payloads. The default is
// [unionstore.JSONCodec]; an interface entity type needs a
// [unionstore.KindCodec]. Open returns an error if the codec is for another
// entity type than the store's.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithLockTimeout sets how long Open retries the directory lock held by
// another process: zero means the default, [DefaultLockTimeout]; a
// negative duration is refused.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) error {
		return backend.SetNotNegative(&c.lockTimeout, "lock timeout", cmp.Or(d, DefaultLockTimeout))
	}
}

// WithReadOnly opens the directory for reading only. The store must exist;
// nothing is created or written, and Save returns an error wrapping
// [unionstore.ErrReadOnly]. Pebble locks the directory for readers too, so
// a read-only Store cannot share it with a writer or another reader.
func WithReadOnly() Option {
	return func(c *config) error { c.readOnly = true; return nil }
}

// WithLargeMemTables opens pebble with memory tables of 32 MiB instead of
// its default 4 MiB, and lets level 0 grow to 8 sublevels before it is
// compacted (default 4), for a store written in batches of thousands of
// changes that grows to millions of entities: filling 1M entities in
// batches of 10,000 then takes about half as long, and the fill's time
// grows about linearly with the store, where the defaults make it grow
// about twice as fast (the pebblestore README has the figures). The cost
// is memory, up to three memory tables of 32 MiB under heavy writes
// instead of 12 MiB, and disk: pebble preallocates each write-ahead log
// to 110% of a memory table and keeps used logs for reuse: after a fill
// and an update of 100k entities of 270 bytes the directory took 167 MiB
// on disk against 28 MiB without; and up to 64 MiB of saves wait in the
// logs for a flush.
func WithLargeMemTables() Option {
	return func(c *config) error { c.largeTables = true; return nil }
}

// WithNoSync turns off the fsync of the write-ahead log at the end of each
// Save. A crash of the machine (not just of the process) can then lose
// acknowledged saves, though never leave a batch half-written. It is meant
// for tests and bulk loads that can be redone.
func WithNoSync() Option {
	return func(c *config) error { c.noSync = true; return nil }
}
