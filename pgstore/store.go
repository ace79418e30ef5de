package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a [unionstore.Store] that keeps changes in a PostgreSQL table, one
// row per identity. Through the [backend.Store] it embeds it also
// implements [unionstore.Checker], [unionstore.Getter],
// [unionstore.Scanner], [unionstore.NamespaceLister], [unionstore.Purger],
// [unionstore.TombstonePurger] and [unionstore.Watcher] (see the package
// documentation, Change feed).
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a table: the database itself keeps the latest change.
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	d     *driver
	codec unionstore.Codec[E] // for GetMany
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// New returns a store on pool, which stays the caller's: [Store.Close] marks
// the store closed but leaves the pool open. With [WithCreateSchema] it
// creates the table if it is missing; otherwise it does not touch the
// database. It returns an error for an invalid option, a nil pool, or a
// failed table creation.
func New[E unionstore.Entity](ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store[E], error) {
	s, err := newStore[E](ctx, pool, opts, createNever)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	return s, nil
}

// newStore is [New] with errors that do not name the package, for the
// constructors to prefix once. byDefault says whether to create the table
// when no option says.
func newStore[E unionstore.Entity](ctx context.Context, pool *pgxpool.Pool, opts []Option, byDefault create) (*Store[E], error) {
	if pool == nil {
		return nil, errors.New("nil pool")
	}
	c, err := configure[E](opts)
	if err != nil {
		return nil, err
	}
	codec, err := backend.CodecOf[E](c.codec)
	if err != nil {
		return nil, err
	}
	d := newDriver(pool, c)
	if c.create == createAlways || c.create == createDefault && byDefault == createAlways {
		if err := d.createSchema(ctx); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, d.life.Wrap(ctx, err))
		}
	}
	bs, err := backend.NewStore[E]("pgstore", d, c.codec)
	if err != nil {
		return nil, err
	}
	return &Store[E]{Store: bs, d: d, codec: codec}, nil
}

// Check reports, without writing or reaching the server, whether Save
// would accept the batch: nil, or an error wrapping
// [unionstore.ErrInvalidChange] that names the first change at fault and
// the limit it exceeds. It refuses what [unionstore.Changes.Validate]
// refuses; a change whose primary-key index entry ([KeySize]) is larger
// than [MaxKeySize] bytes; a payload larger than [MaxPayload]; and an
// entity the codec cannot encode. It does not check that the table exists
// or that the connection works.
//
// Check encodes every change, as Save does, so it costs about what the
// codec does, a fraction of Save's cost. It does not modify or keep the
// batch, and is safe for concurrent use.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("pgstore: check for %s: %w", s.d, err)
	}
	return s.Store.Check(changes)
}

// notifySQL returns the statement that follows a write, in the same
// statement, to notify the watchers of the namespaces in the array param.
func notifySQL(table, param string) string {
	return fmt.Sprintf(`SELECT pg_notify('unionstore_' || %s::regclass::oid, n) FROM unnest(%s::text[]) AS n`, literal(table), param)
}

// literal quotes s as an SQL string.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// configure applies opts to the defaults, and checks the codec's entity
// type.
func configure[E unionstore.Entity](opts []Option) (config, error) {
	c := defaults()
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return config{}, err
	}
	return c, nil
}

// OpenURL connects to the PostgreSQL server at rawURL, a postgres:// or
// postgresql:// URL as pgxpool.ParseConfig reads it, and returns a store
// that owns its pool: [Store.Close] closes it.
//
// OpenURL pings the server, so that an unreachable server or a refused
// login is reported here, and then creates the table if it is missing, as
// [Store.CreateSchema] does: a store opened on an empty database is ready
// for its first Save. When the table exists it only reads the catalog, so
// a role that may not create tables can open it. [WithoutCreateSchema], or
// the URL parameter create=false, makes OpenURL create nothing, for a
// store that only reads: a missing table is then reported by the first
// Load or Save.
//
// The URL may carry four parameters of its own, removed before
// connecting: table, as [WithTable]; schema, as [WithSchema]; create,
// true or false, as [WithCreateSchema] or [WithoutCreateSchema]; and
// changefeed=false, as [WithoutChangeFeed] (true is the default). Options
// given as arguments are applied after them and win.
//
// Its errors wrap the cause, and never show the URL's password.
func OpenURL[E unionstore.Entity](ctx context.Context, rawURL string, opts ...Option) (*Store[E], error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included.
		return nil, errors.New("pgstore: open: malformed URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("pgstore: open: scheme %q: want postgres or postgresql", u.Scheme)
	}
	q := u.Query()
	urlOpts, err := takeURLOptions(q)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	u.RawQuery = q.Encode()
	opts = append(urlOpts, opts...)
	// Check the options before connecting.
	if _, err := configure[E](opts); err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	pcfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: open %s: %w", redacted(u), err)
	}
	s, err := newStore[E](ctx, pool, opts, createAlways)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	s.d.ownsPool = true
	return s, nil
}

// takeURLOptions returns the options that the URL parameters of
// OpenURL's own in q give, and removes those parameters from q.
func takeURLOptions(q url.Values) ([]Option, error) {
	var opts []Option
	if v := q.Get("table"); q.Has("table") {
		opts = append(opts, WithTable(v))
	}
	if v := q.Get("schema"); q.Has("schema") {
		opts = append(opts, WithSchema(v))
	}
	q.Del("table")
	q.Del("schema")
	for _, p := range []struct {
		name          string
		ifTrue, ifNot Option
	}{{"create", WithCreateSchema(), WithoutCreateSchema()}, {"changefeed", nil, WithoutChangeFeed()}} {
		if !q.Has(p.name) {
			continue
		}
		on, err := backend.ParseURLBool(p.name, q.Get(p.name))
		if err != nil {
			return nil, err
		}
		o := p.ifNot
		if on {
			o = p.ifTrue
		}
		if o != nil {
			opts = append(opts, o)
		}
		q.Del(p.name)
	}
	return opts, nil
}

// redacted returns u's host and database, without user or password.
func redacted(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// Table returns the quoted, qualified name of the store's table, as it
// appears in the store's SQL.
func (s *Store[E]) Table() string { return s.d.name }
