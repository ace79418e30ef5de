package pgstore

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// DefaultTable is the table a [Store] uses unless [WithTable] names another.
const DefaultTable = "unionstore_changes"

// DefaultPageSize is the number of rows [Store.Scan] reads per query unless
// [WithPageSize] sets another.
const DefaultPageSize = 1000

// maxIdentifier is the longest identifier PostgreSQL keeps: longer names are
// silently truncated by the server, so they are refused instead.
const maxIdentifier = 63

// Option configures a [Store] made by [New] or [OpenURL], or the SQL from
// [SchemaSQL]. Options are applied in order; an invalid option makes the
// constructor return an error naming it.
type Option func(*config) error

type config struct {
	schema, table string
	codec         backend.Codec
	create        create
	pageSize      int
	noFeed        bool // WithoutChangeFeed
}

// defaults returns the configuration that options change.
func defaults() config { return config{table: DefaultTable, pageSize: DefaultPageSize} }

// create says whether a constructor creates the table.
type create int

const (
	createDefault create = iota // OpenURL creates, New does not
	createAlways
	createNever
)

// WithTable names the table that holds the changes. The default is
// [DefaultTable]. The name is used as it is, case included, and always
// quoted: it must be 1 to 63 bytes of valid UTF-8 without NUL bytes, and
// not [PurgesTable].
func WithTable(name string) Option {
	return func(c *config) error {
		if err := checkIdentifier(name); err != nil {
			return fmt.Errorf("table name: %w", err)
		}
		if name == PurgesTable {
			return fmt.Errorf("table name %q: the stores' purges table has it", name)
		}
		c.table = name
		return nil
	}
}

// WithSchema names the PostgreSQL schema that holds the table, under the
// same rules as [WithTable]. By default the table name is unqualified and
// found through the connection's search_path. The schema itself must exist.
func WithSchema(name string) Option {
	return func(c *config) error {
		if err := checkIdentifier(name); err != nil {
			return fmt.Errorf("schema name: %w", err)
		}
		c.schema = name
		return nil
	}
}

// WithCodec sets the codec that turns entities into the payload column and
// back. The default is [unionstore.JSONCodec]. The codec's entity type must
// be the store's; the constructor returns an error otherwise.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithCreateSchema makes the constructor create the table if it does not
// exist, as [Store.CreateSchema] does. [OpenURL] does so by default; [New]
// does so only with this option.
func WithCreateSchema() Option {
	return func(c *config) error {
		c.create = createAlways
		return nil
	}
}

// WithoutCreateSchema makes the constructor leave the database as it is,
// even when the table is missing: [OpenURL] then creates nothing, as [New]
// by default. A store that only reads, or whose role may not create
// tables, uses it; its first Save or Load on a missing table returns an
// error that names the table. Of WithCreateSchema and WithoutCreateSchema,
// the option given last wins.
func WithoutCreateSchema() Option {
	return func(c *config) error {
		c.create = createNever
		return nil
	}
}

// WithoutChangeFeed makes the table without the change feed's columns
// and index (package doc, Change feed): [Store.CreateSchema], [OpenURL]
// and [New] with [WithCreateSchema] create a table of the layout of the
// releases before the feed, or leave an existing one so, instead of
// migrating it. Such a store keeps last-write-wins and tombstones; its
// [Store.Snapshot] and [Store.Watch] return an error wrapping
// [errors.ErrUnsupported], and so does [unionstore.Follow] over it.
//
// The feed's index holds each row's transaction id, which every write
// changes, so that with the feed no update can be made in place (a HOT
// update) and each adds entries to both of the table's indexes. Without
// it, Save of identities the table holds takes about half the server's
// time (package doc, Performance). A table that has the feed keeps it:
// the option neither drops its columns nor stops Save from maintaining
// them, since other stores may watch it.
func WithoutChangeFeed() Option {
	return func(c *config) error {
		c.noFeed = true
		return nil
	}
}

// WithPageSize sets how many rows [Store.Scan] reads per query, which bounds
// its memory. The default is [DefaultPageSize]; n must be positive.
func WithPageSize(n int) Option {
	return func(c *config) error { return backend.SetPositive(&c.pageSize, "page size", n) }
}

func checkIdentifier(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case len(name) > maxIdentifier:
		return fmt.Errorf("%q is %d bytes, longer than PostgreSQL's %d", name, len(name), maxIdentifier)
	case !utf8.ValidString(name):
		return fmt.Errorf("%q is not valid UTF-8", name)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return fmt.Errorf("%q holds a NUL byte", name)
		}
	}
	return nil
}
