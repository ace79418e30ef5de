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
const (
	applicationID = 0x554e5354 // "UNST"
	formatVersion = 1
)

// createTable is the one table of the layout. SQLite keeps this text in
// its schema; Open compares it to tell a damaged or altered schema.
const createTable = `CREATE TABLE records (
	namespace TEXT NOT NULL,
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	type INTEGER NOT NULL,
	ts INTEGER NOT NULL,
	payload BLOB NOT NULL,
	PRIMARY KEY (namespace, kind, id)
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
// release reads, and makes an empty database one (unless readOnly). It
// writes nothing into a file of another program.
func initLayout(ctx context.Context, db *sql.DB, readOnly bool) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	state, err := inspect(ctx, conn)
	if err != nil {
		return err
	}
	switch {
	case readOnly && state == layoutReady:
		return nil
	case readOnly:
		return fmt.Errorf("%w: an empty database", ErrNotStore)
	}
	// A journal mode is changed outside a transaction; WAL lets readers
	// run beside the writer and is kept in the file. A store file put
	// back into another mode by a tool is set to WAL again.
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("set WAL mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("set WAL mode: SQLite kept mode %q", mode)
	}
	if state == layoutReady {
		return nil
	}
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have made the layout while this one waited.
	if state, err = inspect(ctx, tx); err != nil || state == layoutReady {
		return err
	}
	for _, stmt := range []string{
		createTable,
		"PRAGMA application_id=" + strconv.Itoa(applicationID),
		"PRAGMA user_version=" + strconv.Itoa(formatVersion),
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create the layout: %w", err)
		}
	}
	return tx.Commit()
}

type layoutState int

const (
	layoutEmpty layoutState = iota
	layoutReady
)

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inspect reads the file's marks and schema: a unionstore file, an empty
// database, or an error.
func inspect(ctx context.Context, q querier) (layoutState, error) {
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
		return layoutEmpty, nil
	case app == 0:
		return 0, fmt.Errorf("%w: a SQLite database of another program (no application id, %d schema objects)", ErrNotStore, tables)
	case app != applicationID:
		return 0, fmt.Errorf("%w: a SQLite database of another program (application id %#x)", ErrNotStore, app)
	case version < 1 || version > formatVersion:
		return 0, fmt.Errorf("%w %d (this release reads version %d); upgrade unionstore", ErrFormat, version, formatVersion)
	}
	var def string
	err = q.QueryRowContext(ctx, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'records'").Scan(&def)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("%w: the records table is missing", ErrCorrupt)
	case err != nil:
		return 0, classify(err)
	case def != createTable:
		return 0, fmt.Errorf("%w: the records table's definition is not this layout's: %q", ErrCorrupt, def)
	}
	return layoutReady, nil
}
