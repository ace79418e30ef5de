package boltstore

import (
	"fmt"
	"reflect"
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
	compress    bool
}

// DefaultLockTimeout is how long [Open] waits for another process to
// release the file before it returns [ErrLocked].
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

// WithLockTimeout sets how long Open waits for the file lock held by
// another process: zero or less means the default, [DefaultLockTimeout].
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			d = DefaultLockTimeout
		}
		c.lockTimeout = d
	}
}

// WithReadOnly opens the file for reading only, under a shared lock, so
// that several readers may hold it at once. The file must exist; Save
// returns an error wrapping [unionstore.ErrReadOnly].
func WithReadOnly() Option {
	return func(c *config) { c.readOnly = true }
}

// WithNoSync turns off the fsync at the end of each Save. A crash of the
// machine (not just of the process) can then lose acknowledged saves or
// damage the file. It is meant for tests and bulk loads that can be redone.
func WithNoSync() Option {
	return func(c *config) { c.noSync = true }
}

// WithCompression stores each payload of 64 bytes to 1 MiB compressed
// (zstd) when that makes it smaller. It needs file format version 2 (see
// the package doc): a version-1 file opened for writing with it is raised
// to version 2, which older releases refuse. Without it, new files are
// version 1 and version-1 files stay so; compressed records are read
// either way.
//
// On payloads of about 270 bytes of JSON it saves a fifth of the file and
// costs a third of the write throughput (see the README's figures).
func WithCompression() Option {
	return func(c *config) { c.compress = true }
}

func codecFor[E unionstore.Entity](c config) (unionstore.Codec[E], error) {
	if c.codec == nil {
		return unionstore.JSONCodec[E](), nil
	}
	codec, ok := c.codec.(unionstore.Codec[E])
	if !ok {
		return nil, fmt.Errorf("codec %T cannot encode entities of type %v", c.codec, reflect.TypeFor[E]())
	}
	return codec, nil
}
