package boltstore

import (
	"cmp"
	"fmt"
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
	compression compression
	pageSize    int // 0: bbolt's default, the OS page size
}

// DefaultLockTimeout is how long [Open] waits for another process to
// release the file before it returns [ErrLocked].
const DefaultLockTimeout = time.Second

// WithCodec sets the codec of entity payloads. The default is
// [unionstore.JSONCodec]; an interface entity type needs a
// [unionstore.KindCodec]. Open returns an error if the codec is for another
// entity type than the store's.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithLockTimeout sets how long Open waits for the file lock held by
// another process: zero means the default, [DefaultLockTimeout]; a
// negative duration is refused.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) error {
		return backend.SetNotNegative(&c.lockTimeout, "lock timeout", cmp.Or(d, DefaultLockTimeout))
	}
}

// WithReadOnly opens the file for reading only, under a shared lock, so
// that several readers may hold it at once. The file must exist; Save
// returns an error wrapping [unionstore.ErrReadOnly].
func WithReadOnly() Option {
	return func(c *config) error { c.readOnly = true; return nil }
}

// WithNoSync turns off the fsync at the end of each Save. A crash of the
// machine (not just of the process) can then lose acknowledged saves or
// damage the file. It is meant for tests and bulk loads that can be redone.
func WithNoSync() Option {
	return func(c *config) error { c.noSync = true; return nil }
}

// WithCompression stores each payload of 64 bytes to 1 MiB compressed
// with zstd when that makes it smaller. It needs file format version 2 or
// later (see the package doc); every writable open raises a file to
// version 4, the change feed's, with or without compression, and
// compressed records are read either way. Of WithCompression and
// [WithFastCompression], the last given wins.
//
// On payloads of about 270 bytes of JSON, zstd stores 70% of the bytes and
// saves a fifth of the file, but costs 7 to 10 µs per payload, a third of
// the write throughput or more: each payload is its own frame, and
// building its Huffman and FSE tables is most of the time (see the
// README's figures).
func WithCompression() Option {
	return func(c *config) error { c.compression = recordCompressed; return nil }
}

// WithFastCompression stores each payload of 64 bytes to 1 MiB as an S2
// block (LZ77, no entropy coding) when that makes it smaller. It needs file
// format version 3 or later; every writable open raises a file to version
// 4, which releases before the change feed refuse. Of it and
// [WithCompression], the last given wins.
//
// On payloads of about 270 bytes of JSON, S2 stores 83% of the bytes at
// under a microsecond per payload: it saves about a tenth of the file for
// a few percent of the write throughput (see the README's figures).
func WithFastCompression() Option {
	return func(c *config) error { c.compression = recordS2; return nil }
}

// WithPageSize sets the page size of a file that Open creates, a power of
// two from 1024 to 65536 bytes; Open refuses another value.
// The default is the operating system's page size (4096 bytes on most
// machines). An existing file keeps the page size it was created with.
//
// bbolt copies on write every page a transaction changes, so a batch of
// changes at random keys rewrites most pages of a namespace and leaves as
// many free behind it; smaller pages rewrite fewer bytes per change. On
// 100k records of about 300 bytes at random keys, 2048-byte pages make the
// file 13% smaller and 1024-byte pages 22% smaller (see the README); with
// records of more than a quarter of a page, each takes pages of its own
// (bbolt's overflow pages), and smaller pages waste more.
func WithPageSize(n int) Option {
	return func(c *config) error {
		if err := checkPageSize(n); err != nil {
			return err
		}
		c.pageSize = n
		return nil
	}
}

// checkPageSize refuses a page size that WithPageSize does not allow.
func checkPageSize(n int) error {
	if n != 0 && (n < 1024 || n > 65536 || n&(n-1) != 0) {
		return fmt.Errorf("page size %d: want a power of two from 1024 to 65536", n)
	}
	return nil
}
