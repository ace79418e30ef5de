package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a [unionstore.Store] that keeps changes in a MySQL or MariaDB
// table, one row per identity. Through the [backend.Store] it embeds it
// also implements [unionstore.Checker], [unionstore.Getter],
// [unionstore.Scanner], [unionstore.NamespaceLister], [unionstore.Purger],
// [unionstore.TombstonePurger] and [unionstore.Watcher] (see the package
// doc's Change feed).
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a table: the server itself keeps the latest change.
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	table string
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// New returns a store on db, a pool of connections to a MySQL or MariaDB
// database that stays the caller's: Close leaves it open. It creates the
// table if it is missing, unless [WithoutCreate] says not to, and checks
// the table's columns. It reads the server's max_allowed_packet, which
// bounds a payload (see the package doc), once.
//
// The pool's connections must have a default database (the DSN's /dbname).
// A pool whose DSN sets interpolateParams=true saves and reads in one
// round trip per statement instead of three; one whose maxAllowedPacket is
// set must set it to the server's value or 0.
//
// New also creates the feed table beside it (see the package doc's
// Layout) and upgrades a table made before the change feed.
//
// New returns an error for an invalid option, a nil db, a server that does
// not answer, or a table it cannot create or whose columns are not the
// store's.
func New[E unionstore.Entity](ctx context.Context, db *sql.DB, opts ...Option) (*Store[E], error) {
	if db == nil {
		return nil, errors.New("mysqlstore: nil db")
	}
	c, err := configure[E](opts)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: %w", err)
	}
	s, err := newStore[E](ctx, db, c, "", false)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: %w", err)
	}
	return s, nil
}

// OpenURL connects to the server at rawURL and returns a store that owns
// its pool, closed by Close. The URL has the form
//
//	mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME&create=false]
//
// where PORT defaults to 3306, table=NAME is [WithTable] and create=false
// is [WithoutCreate]; opts come after the URL's and override them. Other
// parameters are refused, the driver's own included: a connection that
// needs TLS or other driver settings is made by the caller and given to
// [New]. The table is created as [New] says.
//
// OpenURL returns an error, naming the server and database but never the
// password, for a malformed URL, an invalid option, a server that does not
// answer, or a table it cannot create or whose columns are not the store's.
func OpenURL[E unionstore.Entity](ctx context.Context, rawURL string, opts ...Option) (*Store[E], error) {
	cfg, urlOpts, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: open: %w", err)
	}
	where := cfg.Addr + "/" + cfg.DBName
	c, err := configure[E](append(urlOpts, opts...))
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: open %s: %w", where, err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: open %s: %w", where, err)
	}
	db := sql.OpenDB(connector)
	// Keep enough idle connections for concurrent saves, which would
	// otherwise connect again each time.
	db.SetMaxIdleConns(8)
	s, err := newStore[E](ctx, db, c, where, true)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("mysqlstore: open %s: %w", where, err)
	}
	return s, nil
}

// newStore reads the server's settings, creates and checks the table, and
// returns the store. where names the server and database; when empty, it
// is asked of the server. ownsDB says whether the store closes db.
func newStore[E unionstore.Entity](ctx context.Context, db *sql.DB, c config, where string, ownsDB bool) (*Store[E], error) {
	var (
		packet   int
		server   string
		database sql.NullString
	)
	err := db.QueryRowContext(ctx, "SELECT @@max_allowed_packet, CONCAT(@@hostname, ':', @@port), DATABASE()").
		Scan(&packet, &server, &database)
	if err != nil {
		return nil, fmt.Errorf("read the server's settings: %w", err)
	}
	if !database.Valid {
		return nil, errors.New("the connection has no default database: name one in the DSN")
	}
	if where == "" {
		where = server + "/" + database.String
	}
	if packet <= payloadHeadroom {
		return nil, fmt.Errorf("the server's max_allowed_packet is %d bytes, too small for a row", packet)
	}
	if !c.noCreate {
		if _, err := db.ExecContext(ctx, createSQL("`"+c.table+"`")); err != nil {
			return nil, fmt.Errorf("create table %q: %w", c.table, err)
		}
	}
	if err := prepareTables(ctx, db, c); err != nil {
		return nil, err
	}
	d := newDriver(db, c.table, where, packet, c.pageSize)
	d.ownsDB = ownsDB
	if d.feed, err = newFeed(ctx, db, "`"+c.table+feedSuffix+"`", c.poll); err != nil {
		return nil, err
	}
	s, err := backend.NewStore[E]("mysqlstore", d, c.codec)
	if err != nil {
		return nil, err
	}
	return &Store[E]{Store: s, table: c.table}, nil
}

// prepareTables checks the table's columns and creates the feed table,
// unless told not to create anything. A table of the layout before the
// change feed is upgraded, or refused under WithoutCreate.
func prepareTables(ctx context.Context, db *sql.DB, c config) error {
	q, f := "`"+c.table+"`", "`"+c.table+feedSuffix+"`"
	err := checkLayout(ctx, db, c.table)
	if errors.Is(err, errNoRev) && !c.noCreate {
		// Another store may be upgrading the table at the same time: its
		// ALTER or this one fails, and the layout is checked again.
		if _, aerr := db.ExecContext(ctx, addRevSQL(q)); aerr != nil && !isDuplicate(aerr) {
			return fmt.Errorf("add the column rev to table %q: %w", c.table, aerr)
		}
		err = checkLayout(ctx, db, c.table)
	}
	if errors.Is(err, errNoRev) {
		return fmt.Errorf("%w; open the store once without WithoutCreate (or create=false) to add it, which %s does", err, addRevSQL(q))
	}
	if err != nil {
		return err
	}
	if !c.noCreate {
		if _, err := db.ExecContext(ctx, createFeedSQL(f)); err != nil {
			return fmt.Errorf("create table %q: %w", c.table+feedSuffix, err)
		}
		if _, err := db.ExecContext(ctx, identitySQL(f)); err != nil {
			return fmt.Errorf("give table %q its identity: %w", c.table+feedSuffix, err)
		}
	}
	return nil
}

// isDuplicate reports whether err says that a column or an index exists
// already (ER_DUP_FIELDNAME, ER_DUP_KEYNAME).
func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1060 || me.Number == 1061)
}

// Table returns the name of the store's table, unquoted.
func (s *Store[E]) Table() string { return s.table }
