package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a [unionstore.Store] that keeps changes in a PostgreSQL table, one
// row per identity. It also implements [unionstore.Scanner],
// [unionstore.NamespaceLister], [unionstore.Getter],
// [unionstore.Checker] and [unionstore.Watcher] (see the package
// documentation, Change feed).
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a table: the database itself keeps the latest change.
type Store[E unionstore.Entity] struct {
	pool     *pgxpool.Pool
	ownsPool bool
	codec    unionstore.Codec[E]
	name     string // quoted, qualified table name
	ident    pgx.Identifier
	pageSize int
	life     unionstore.Lifecycle
	inserts  insertFirst

	// The change feed: whether the table has its columns (feedUnknown,
	// feedOff or feedOn), the listener that wakes watchers, and done,
	// closed by Close, which ends the watches.
	feed        atomic.Int32
	feedChecked atomic.Int64 // when feedOff was found, in Unix nanoseconds
	listen      listener
	done        chan struct{}

	// Quoted names of the feed's index (qualified) and the purges table,
	// and the statements that create the schema.
	feedIndex, purges, schemaSQL string

	insertSQL, saveSQL, mergeSQL, loadSQL, pageSQL, getSQL, getManySQL, namespacesSQL string
	// The statements of a table without the change feed's columns.
	legacyInsertSQL, legacySaveSQL, legacyMergeSQL string
	// The change feed's statements.
	notifySQL, headSQL, feedSQL, purgeSQL string
	// Purges of tombstones before a time, and up to the largest.
	purgeTombstonesSQL [2]string
}

var (
	_ unionstore.Store[unionstore.Entity]   = (*Store[unionstore.Entity])(nil)
	_ unionstore.Scanner[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
	_ unionstore.NamespaceLister            = (*Store[unionstore.Entity])(nil)
	_ unionstore.Getter[unionstore.Entity]  = (*Store[unionstore.Entity])(nil)
	_ unionstore.Checker[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
)

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
	c, codec, err := configure[E](opts)
	if err != nil {
		return nil, err
	}
	name := c.qualifiedName()
	s := &Store[E]{
		pool:     pool,
		codec:    codec,
		name:     name,
		ident:    c.identifier(),
		pageSize: c.pageSize,
		done:     make(chan struct{}),

		feedIndex: c.feedIndexQualified().Sanitize(),
		purges:    c.purgesTable().Sanitize(),
		schemaSQL: c.schemaSQL(),

		// A plain insert of a batch none of whose identities the table
		// holds; see insertFirst. Each statement that writes also
		// notifies the watchers of the batch's namespaces ($7), at commit.
		insertSQL: fmt.Sprintf(`WITH w AS (INSERT INTO %s (namespace, kind, id, change_type, ts, payload)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[]))
%s`, name, notifySQL(name, "$7")),
		// The batch is sorted by (namespace, kind, id), and unnest keeps the
		// arrays' order, so concurrent saves lock rows in one order and do
		// not deadlock. The WHERE clause is the last-write-wins rule: a row
		// is replaced by a change at least as new, so on equal timestamps
		// the save that commits later wins.
		saveSQL: fmt.Sprintf(`WITH w AS (INSERT INTO %s AS t (namespace, kind, id, change_type, ts, payload)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])
%s)
%s`, name, feedUpsertSQL, notifySQL(name, "$7")),
		// The same for a large batch copied into the temporary table, whose
		// rows are sorted here rather than trusted to come back in the
		// order they were copied in.
		mergeSQL: fmt.Sprintf(`WITH w AS (INSERT INTO %s AS t (namespace, kind, id, change_type, ts, payload)
SELECT namespace, kind, id, change_type, ts, payload FROM %s ORDER BY namespace, kind, id
%s)
%s`, name, batchTable.Sanitize(), feedUpsertSQL, notifySQL(name, "$1")),
		legacyInsertSQL: fmt.Sprintf(`INSERT INTO %s (namespace, kind, id, change_type, ts, payload)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])`, name),
		legacySaveSQL: fmt.Sprintf(`INSERT INTO %s AS t (namespace, kind, id, change_type, ts, payload)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])
%s`, name, upsertSQL),
		legacyMergeSQL: fmt.Sprintf(`INSERT INTO %s AS t (namespace, kind, id, change_type, ts, payload)
SELECT namespace, kind, id, change_type, ts, payload FROM %s ORDER BY namespace, kind, id
%s`, name, batchTable.Sanitize(), upsertSQL),
		loadSQL: fmt.Sprintf(`SELECT kind, id, change_type, ts, payload FROM %s
WHERE namespace = $1 ORDER BY kind, id`, name),
		pageSQL: fmt.Sprintf(`SELECT kind, id, change_type, ts, payload FROM %s
WHERE namespace = $1 AND (kind, id) > ($2, $3) ORDER BY kind, id LIMIT $4`, name),
		getSQL: fmt.Sprintf(`SELECT kind, id, change_type, ts, payload FROM %s
WHERE namespace = $1 AND kind = $2 AND id = $3`, name),
		// The keys are distinct, so the join yields each row once.
		getManySQL: fmt.Sprintf(`SELECT t.kind, t.id, t.change_type, t.ts, t.payload
FROM unnest($2::text[], $3::text[]) AS k(kind, id)
JOIN %s AS t ON t.namespace = $1 AND t.kind = k.kind COLLATE "C" AND t.id = k.id COLLATE "C"
ORDER BY t.kind, t.id`, name),
		namespacesSQL: fmt.Sprintf(`SELECT namespace,
	count(*) FILTER (WHERE change_type = 'set'),
	count(*) FILTER (WHERE change_type = 'unset')
FROM %s GROUP BY namespace ORDER BY namespace`, name),
	}
	s.feedStatements()
	if c.create == createAlways || c.create == createDefault && byDefault == createAlways {
		if err := s.createSchema(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// upsertSQL ends the statements that save a batch.
const upsertSQL = `ON CONFLICT (namespace, kind, id) DO UPDATE
SET change_type = excluded.change_type, ts = excluded.ts, payload = excluded.payload
WHERE t.ts <= excluded.ts`

// feedUpsertSQL is upsertSQL for a table with the change feed: a replaced
// row takes the transaction and number of its new version, so that
// watchers see it.
const feedUpsertSQL = `ON CONFLICT (namespace, kind, id) DO UPDATE
SET change_type = excluded.change_type, ts = excluded.ts, payload = excluded.payload,
	xid = excluded.xid, rev = excluded.rev
WHERE t.ts <= excluded.ts`

// notifySQL returns the statement that follows a write, in the same
// statement, to notify the watchers of the namespaces in the array param.
func notifySQL(table, param string) string {
	return fmt.Sprintf(`SELECT pg_notify('unionstore_' || %s::regclass::oid, n) FROM unnest(%s::text[]) AS n`, literal(table), param)
}

// literal quotes s as an SQL string.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// configure applies opts and returns the codec they set, or the default.
func configure[E unionstore.Entity](opts []Option) (config, unionstore.Codec[E], error) {
	c, err := newConfig(opts)
	if err != nil {
		return config{}, nil, err
	}
	codec, err := backend.CodecOf[E](c.codec)
	if err != nil {
		return config{}, nil, err
	}
	return c, codec, nil
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
// The URL may carry three parameters of its own, removed before
// connecting: table, as [WithTable]; schema, as [WithSchema]; and create,
// true or false, as [WithCreateSchema] or [WithoutCreateSchema]. Options
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
	var urlOpts []Option
	if v := q.Get("table"); q.Has("table") {
		urlOpts = append(urlOpts, WithTable(v))
	}
	if v := q.Get("schema"); q.Has("schema") {
		urlOpts = append(urlOpts, WithSchema(v))
	}
	if v := q.Get("create"); q.Has("create") {
		create, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("pgstore: open: URL parameter create=%q: want true or false", v)
		}
		if create {
			urlOpts = append(urlOpts, WithCreateSchema())
		} else {
			urlOpts = append(urlOpts, WithoutCreateSchema())
		}
	}
	q.Del("table")
	q.Del("schema")
	q.Del("create")
	u.RawQuery = q.Encode()
	opts = append(urlOpts, opts...)
	// Check the options before connecting.
	if _, _, err := configure[E](opts); err != nil {
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
	s.ownsPool = true
	return s, nil
}

// redacted returns u's host and database, without user or password.
func redacted(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// Close marks the store closed; Save, Load, Scan, Namespaces and
// CreateSchema then return [unionstore.ErrClosed]. A store made by
// [OpenURL] also closes its pool, waiting for connections in use to be
// returned; a store made by [New] leaves the caller's pool open. Close is
// safe to call more than once and always returns nil.
func (s *Store[E]) Close() error {
	if s.life.Close() {
		close(s.done)
		if s.ownsPool {
			s.pool.Close()
		}
	}
	return nil
}

// Table returns the quoted, qualified name of the store's table, as it
// appears in the store's SQL.
func (s *Store[E]) Table() string { return s.name }

// wrapCtx makes sure that an error caused by ctx being done wraps ctx.Err(),
// whatever the driver returned, and that an error after Close wraps
// [unionstore.ErrClosed]. It says how to create a missing table.
func (s *Store[E]) wrapCtx(ctx context.Context, err error) error {
	if w := s.life.Wrap(ctx, err); w != err {
		return w
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return fmt.Errorf("table %s does not exist; create it with Store.CreateSchema or by opening the store with WithCreateSchema: %w", s.name, err)
	}
	return err
}
