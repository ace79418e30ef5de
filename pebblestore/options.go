package pebblestore

import (
	"time"

	"github.com/unionstore/unionstore"
)

// Option configures [Open].
type Option func(*config)

type config struct {
	codec       any // a unionstore.Codec[E], checked by Open
	lockTimeout time.Duration
	readOnly    bool
	noSync      bool
}

// DefaultLockTimeout is how long [Open] waits for another process to
// release the directory before it returns [ErrLocked].
const DefaultLockTimeout = time.Second

func newConfig(opts []Option) config {
	c := config{lockTimeout: DefaultLockTimeout}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithCodec sets the codec of entity payloads. The default is
// [unionstore.JSONCodec]; an interface entity type needs a
// [unionstore.KindCodec]. Open returns an error if the codec is for another
// entity type than the store's.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) { c.codec = codec }
}

// WithLockTimeout sets how long Open retries the directory lock held by
// another process: zero or less means the default, [DefaultLockTimeout].
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			d = DefaultLockTimeout
		}
		c.lockTimeout = d
	}
}

// WithReadOnly opens the directory for reading only. The store must exist;
// nothing is created or written, and Save returns an error wrapping
// [unionstore.ErrReadOnly]. Pebble locks the directory for readers too, so
// a read-only Store cannot share it with a writer or another reader.
func WithReadOnly() Option {
	return func(c *config) { c.readOnly = true }
}

// WithNoSync turns off the fsync of the write-ahead log at the end of each
// Save. A crash of the machine (not just of the process) can then lose
// acknowledged saves, though never leave a batch half-written. It is meant
// for tests and bulk loads that can be redone.
func WithNoSync() Option {
	return func(c *config) { c.noSync = true }
}

func codecFor[E unionstore.Entity](c config) (unionstore.Codec[E], error) {
	return unionstore.CodecFor[E](c.codec)
}
