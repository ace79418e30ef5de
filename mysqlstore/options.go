package mysqlstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// DefaultTable is the table a [Store] uses unless [WithTable] names another.
const DefaultTable = "unionstore_changes"

// DefaultPageSize is the number of rows [Store.Scan] reads per query unless
// [WithPageSize] sets another.
const DefaultPageSize = 1000

// maxIdentifier is the longest table name a store takes: MySQL's and
// MariaDB's limit of 64 bytes, less the suffix of the feed table's name.
const maxIdentifier = 64 - len(feedSuffix)

// DefaultPollInterval is how often a [Store.Watch] asks the server for
// new changes, unless [WithPollInterval] sets another. Changes saved
// through the watched store itself wake its watchers at once.
const DefaultPollInterval = 100 * time.Millisecond

// Option configures a [Store] made by [New] or [OpenURL]. Options are
// applied in order; an invalid option makes the constructor return an
// error naming it, before it connects to anything.
type Option func(*config) error

type config struct {
	table    string
	codec    backend.Codec
	noCreate bool
	pageSize int
	poll     time.Duration
}

// configure applies opts to the defaults and checks the codec they set
// against E.
func configure[E unionstore.Entity](opts []Option) (config, error) {
	c := config{table: DefaultTable, pageSize: DefaultPageSize, poll: DefaultPollInterval}
	err := backend.Configure[E](&c, opts, &c.codec)
	return c, err
}

// WithTable names the table that holds the changes; the table NAME_feed
// beside it holds the change feed's revisions. The default is
// [DefaultTable]. A name is 1 to 59 ASCII letters, digits, '_' or '$', not
// all digits; it is used as it is and always quoted with backticks. Whether
// names differing in case are different tables depends on the server's
// lower_case_table_names.
func WithTable(name string) Option {
	return func(c *config) error {
		if err := checkIdentifier(name); err != nil {
			return fmt.Errorf("table name: %w", err)
		}
		c.table = name
		return nil
	}
}

// WithCodec sets the codec that turns entities into the payload column and
// back. The default is [unionstore.JSONCodec]. The codec's entity type must
// be the store's; the constructor returns an error otherwise.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithoutCreate makes the constructor leave the database as it is: it
// creates no table, and returns an error wrapping [ErrNoTable] when the
// table is missing. A store
// whose user may not create tables uses it; the URL parameter create=false
// says the same to [OpenURL].
func WithoutCreate() Option {
	return func(c *config) error {
		c.noCreate = true
		return nil
	}
}

// WithPageSize sets how many rows [Store.Scan] reads per query, which
// bounds its memory. The default is [DefaultPageSize]; n must be positive.
func WithPageSize(n int) Option {
	return func(c *config) error { return backend.SetPositive(&c.pageSize, "page size", n) }
}

// WithPollInterval sets how often [Store.Watch] asks the server for new
// changes: [DefaultPollInterval] by default. Each poll is one query on the
// rev index, which finds nothing when nothing changed. It must be
// positive.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("poll interval %v: want a positive duration", d)
		}
		c.poll = d
		return nil
	}
}

// checkIdentifier returns why name cannot be a table name, or nil. It
// accepts a subset of what MySQL allows unquoted, so that a name never
// needs escaping inside its backticks nor holds the '?' of a placeholder.
func checkIdentifier(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case len(name) > maxIdentifier:
		return fmt.Errorf("%q is %d bytes, longer than %d (MySQL's 64, less the %q of the feed table's name)", name, len(name), maxIdentifier, feedSuffix)
	}
	digits := true
	for i := 0; i < len(name); i++ {
		b := name[i]
		switch {
		case b >= '0' && b <= '9':
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b == '_', b == '$':
			digits = false
		default:
			return fmt.Errorf("%q holds %q: want ASCII letters, digits, '_' or '$'", name, b)
		}
	}
	if digits {
		return fmt.Errorf("%q is all digits", name)
	}
	return nil
}
