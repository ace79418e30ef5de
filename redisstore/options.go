package redisstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// DefaultPrefix is the prefix of a store's keys unless [WithPrefix] or
// the URL's prefix parameter names another.
const DefaultPrefix = "unionstore"

// DefaultPageSize is the number of records [Store.Scan] reads per call
// unless [WithPageSize] sets another.
const DefaultPageSize = 1000

// MaxPageSize is the largest page [WithPageSize] accepts: a page's members
// are passed at once to a command inside a script, and Lua bounds how many
// values it unpacks.
const MaxPageSize = 5000

// DefaultHistory is the number of changes per namespace that a store
// keeps for its watchers, at least, unless [WithHistory] sets another.
const DefaultHistory = 10_000

// maxPrefix is the longest prefix [WithPrefix] accepts, in bytes.
const maxPrefix = 1024

// Option configures a [Store] made by [New] or [OpenURL]. Options are
// applied in order; an invalid option makes the constructor return an
// error naming it, before it connects.
type Option func(*config) error

type config struct {
	prefix   string
	pageSize int
	history  int
	codec    backend.Codec
}

// configure applies opts to the defaults and checks the codec they set
// against E.
func configure[E unionstore.Entity](opts []Option) (config, error) {
	c := config{prefix: DefaultPrefix, pageSize: DefaultPageSize, history: DefaultHistory}
	err := backend.Configure[E](&c, opts, &c.codec)
	return c, err
}

// WithPrefix sets the prefix of the store's keys; the default is
// [DefaultPrefix]. Stores with the same prefix on one database share their
// data; stores with different prefixes never do. A prefix is 1 to 1024
// bytes without '{' or '}', which would break the keys' hash tags.
func WithPrefix(prefix string) Option {
	return func(c *config) error {
		switch {
		case prefix == "":
			return errors.New("prefix: empty")
		case len(prefix) > maxPrefix:
			return fmt.Errorf("prefix of %d bytes: more than %d", len(prefix), maxPrefix)
		case strings.ContainsAny(prefix, "{}"):
			return fmt.Errorf("prefix %q: holds '{' or '}'", prefix)
		}
		c.prefix = prefix
		return nil
	}
}

// WithPageSize sets how many records [Store.Scan] and [Store.PurgeTombstones]
// read per call to the server, which bounds the client's memory and how
// long each call holds the server. The default is [DefaultPageSize]; n
// must be 1 to [MaxPageSize].
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxPageSize {
			return fmt.Errorf("page size %d: want 1 to %d", n, MaxPageSize)
		}
		c.pageSize = n
		return nil
	}
}

// WithHistory sets how many of the latest changes of each namespace the
// store keeps in the namespace's log for its watchers: at least n, and up
// to about 100 more, since the server trims the log by whole nodes
// (stream-node-max-entries). A watch from a cursor older than that
// history gives an error wrapping [unionstore.ErrCursorExpired]. The
// default is [DefaultHistory]; n must be at least 1. Each change kept
// costs the server about the size of its stored value again. Stores that
// share a prefix should use the same history: each save trims to its own.
func WithHistory(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("history %d: want at least 1", n)
		}
		c.history = n
		return nil
	}
}

// WithCodec sets the codec that turns entities into stored payloads and
// back. The default is [unionstore.JSONCodec]. The codec's entity type
// must be the store's; the constructor returns an error otherwise.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}
