package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/unionstore/unionstore"
)

// The file's marks: SQLite's application id in the database header, which
// tools such as `file` show, and the layout version in its user version.
// Version 2 added the change feed: the rev column, its index and the feed
// table. A file of version 1 is upgraded when opened for writing.
const (
	applicationID = 0x554e5354 // "UNST"
	formatVersion = 2
)

// createTable is the records table of version 1. SQLite keeps this text
// in its schema; Open compares it to tell a damaged or altered schema.
const createTable = `CREATE TABLE records (
	namespace TEXT NOT NULL,
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	type INTEGER NOT NULL,
	ts INTEGER NOT NULL,
	payload BLOB NOT NULL,
	PRIMARY KEY (namespace, kind, id)
) WITHOUT ROWID`

// upgrade makes a records table of version 1 one of version 2. A new file
// is made the same way, so that every file of version 2 holds the same
// schema text, the one SQLite writes for ALTER TABLE: recordsV2.
var upgrade = []string{
	"ALTER TABLE records ADD COLUMN rev INTEGER NOT NULL DEFAULT 0",
	"CREATE INDEX records_rev ON records (namespace, rev)",
	createFeed,
	// The row of the empty namespace, which no change can have, holds the
	// file's identity, which every position carries.
	"INSERT INTO feed (namespace, rev, floor) VALUES ('', abs(random() % 4611686018427387904) + 1, 0)",
}

// recordsV2 is the records table of version 2 as SQLite keeps it after
// upgrade: rev is the namespace's revision of the row's last change.
const recordsV2 = `CREATE TABLE records (
	namespace TEXT NOT NULL,
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	type INTEGER NOT NULL,
	ts INTEGER NOT NULL,
	payload BLOB NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (namespace, kind, id)
) WITHOUT ROWID`

// createFeed is the table of each namespace's last revision (rev) and
// floor: the positions before the floor have expired.
const createFeed = `CREATE TABLE feed (
	namespace TEXT NOT NULL PRIMARY KEY,
	rev INTEGER NOT NULL,
	floor INTEGER NOT NULL
) WITHOUT ROWID`

// The values of the type column.
const (
	typeSet   = 1
	typeUnset = 2
)

func typeCode(t unionstore.ChangeType) int64 {
	if t == unionstore.ChangeTypeUnset {
		return typeUnset
	}
	return typeSet
}

// dsn returns the data source name of path for the modernc driver: a
// SQLite URI, so that mode=ro applies, with the pragmas every connection
// of the pool runs when it opens.
func dsn(path string, c config) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	q := []string{"mode=rwc", "_txlock=immediate"}
	if c.readOnly {
		q = []string{"mode=ro"}
	}
	q = append(q,
		"_pragma=busy_timeout("+strconv.FormatInt(c.busyTimeout.Milliseconds(), 10)+")",
		"_pragma=synchronous("+c.sync.pragma()+")",
		// Check each cell's size as a page is read, so that a damaged
		// page is refused before its cells are used.
		"_pragma=cell_size_check(ON)",
	)
	return "file://" + escapeURIPath(filepath.ToSlash(abs)) + "?" + strings.Join(q, "&"), nil
}

// escapeURIPath escapes what would end or change the path of a SQLite URI.
func escapeURIPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '%' || c == '?' || c == '#' || c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// initLayout checks that the file is a unionstore file of a version this
// release reads, makes an empty database one and upgrades a file of
// version 1 (unless readOnly), and returns the file's layout version. It
// writes nothing into a file of another program.
func initLayout(ctx context.Context, db *sql.DB, readOnly bool) (int64, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	version, err := inspect(ctx, conn)
	if err != nil {
		return 0, err
	}
	switch {
	case readOnly && version > 0:
		return version, nil
	case readOnly:
		return 0, fmt.Errorf("%w: an empty database", ErrNotStore)
	}
	// A journal mode is changed outside a transaction; WAL lets readers
	// run beside the writer and is kept in the file. A store file put
	// back into another mode by a tool is set to WAL again.
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return 0, fmt.Errorf("set WAL mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return 0, fmt.Errorf("set WAL mode: SQLite kept mode %q", mode)
	}
	if version == formatVersion {
		return version, nil
	}
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Another process may have made or upgraded the layout while this one
	// waited.
	if version, err = inspect(ctx, tx); err != nil || version == formatVersion {
		return version, err
	}
	var stmts []string
	if version == 0 {
		stmts = append(stmts, createTable, "PRAGMA application_id="+strconv.Itoa(applicationID))
	}
	stmts = append(stmts, upgrade...)
	stmts = append(stmts, "PRAGMA user_version="+strconv.Itoa(formatVersion))
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return 0, fmt.Errorf("create the layout of version %d: %w", formatVersion, err)
		}
	}
	return formatVersion, tx.Commit()
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inspect reads the file's marks and schema, and returns the layout
// version of a unionstore file, 0 for an empty database, or an error.
func inspect(ctx context.Context, q querier) (int64, error) {
	var app, version, tables int64
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version),
		(SELECT count(*) FROM sqlite_schema)`).Scan(&app, &version, &tables)
	if err != nil {
		return 0, err
	}
	switch {
	case app == 0 && tables == 0:
		return 0, nil
	case app == 0:
		return 0, fmt.Errorf("%w: a SQLite database of another program (no application id, %d schema objects)", ErrNotStore, tables)
	case app != applicationID:
		return 0, fmt.Errorf("%w: a SQLite database of another program (application id %#x)", ErrNotStore, app)
	case version < 1 || version > formatVersion:
		return 0, fmt.Errorf("%w %d (this release reads versions 1 to %d); upgrade unionstore", ErrFormat, version, formatVersion)
	}
	want := map[string]string{"records": createTable}
	if version >= 2 {
		want = map[string]string{"records": recordsV2, "feed": createFeed}
	}
	for _, table := range []string{"records", "feed"} {
		if want[table] == "" {
			continue
		}
		var def string
		err = q.QueryRowContext(ctx, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&def)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return 0, fmt.Errorf("%w: the %s table is missing", ErrCorrupt, table)
		case err != nil:
			return 0, classify(err)
		case def != want[table]:
			return 0, fmt.Errorf("%w: the %s table's definition is not that of layout version %d: %q", ErrCorrupt, table, version, def)
		}
	}
	return version, nil
}
