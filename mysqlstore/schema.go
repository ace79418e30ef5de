package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// MaxKey is the most bytes of a namespace, a kind or an id, each: the
// three columns of the primary key share InnoDB's limit of 3,072 bytes on
// an index key, a third each.
const MaxKey = 1024

// payloadHeadroom is what a row read or written takes besides its payload,
// within the server's max_allowed_packet: three keys of at most [MaxKey]
// bytes, the change type, the timestamp and the packet's framing, with
// room to spare.
const payloadHeadroom = 16 << 10

// createSQL returns the statement that creates table, quoted, if missing.
// The keys are VARBINARY, so that they compare and sort by their bytes as
// Go strings do: ids "A" and "a" are two entities, whatever the server's
// collation.
func createSQL(table string) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
	namespace   VARBINARY(%d) NOT NULL,
	kind        VARBINARY(%[2]d) NOT NULL,
	id          VARBINARY(%[2]d) NOT NULL,
	change_type ENUM('set', 'unset') CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	ts          BIGINT NOT NULL,
	payload     LONGBLOB NOT NULL,
	rev         BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (namespace, kind, id),
	INDEX by_rev (namespace, rev)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC`, table, MaxKey)
}

// addRevSQL upgrades a table of version 1 of the layout, made before the
// change feed, to version 2: its rows take revision 0, older than any
// position.
func addRevSQL(table string) string {
	return "ALTER TABLE " + table + " ADD COLUMN rev BIGINT NOT NULL DEFAULT 0, ADD INDEX by_rev (namespace, rev)"
}

// createFeedSQL returns the statement that creates the feed table, quoted,
// if missing: each namespace's last revision and floor, below which
// positions have expired. The row of the empty namespace, which no change
// can have, holds the table's identity instead, which positions carry.
func createFeedSQL(feed string) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
	namespace VARBINARY(%d) NOT NULL PRIMARY KEY,
	rev       BIGINT NOT NULL,
	floor     BIGINT NOT NULL
) ENGINE = InnoDB`, feed, MaxKey)
}

// identitySQL gives the feed table its identity, a random positive
// number, unless it has one.
func identitySQL(feed string) string {
	return "INSERT IGNORE INTO " + feed + " (namespace, rev, floor) VALUES ('', FLOOR(1 + RAND() * 4611686018427387903), 0)"
}

// feedSuffix ends the name of the feed table of a table.
const feedSuffix = "_feed"

// layout is the type of each column of the table, as information_schema
// names it: a table made by hand with a text type for a key would compare
// its keys by a collation, and merge ids that differ in case only.
var layout = map[string]string{
	"namespace":   "varbinary",
	"kind":        "varbinary",
	"id":          "varbinary",
	"change_type": "enum",
	"ts":          "bigint",
	"payload":     "longblob",
	"rev":         "bigint",
}

// errNoRev is returned by checkLayout for a table of version 1 of the
// layout, without the rev column.
var errNoRev = errors.New("no column rev")

// checkLayout returns an error unless the table named name exists in the
// connection's database with the columns of [layout].
func checkLayout(ctx context.Context, db *sql.DB, name string) error {
	rows, err := db.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = DATABASE() AND table_name = ?`, name)
	if err != nil {
		return fmt.Errorf("read the table's columns: %w", err)
	}
	defer rows.Close()
	found := map[string]string{}
	for rows.Next() {
		var column, typ string
		if err := rows.Scan(&column, &typ); err != nil {
			return fmt.Errorf("read the table's columns: %w", err)
		}
		found[strings.ToLower(column)] = strings.ToLower(typ)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the table's columns: %w", err)
	}
	if len(found) == 0 {
		return fmt.Errorf("table %q: %w; open the store without WithoutCreate (or create=false) to create it", name, ErrNoTable)
	}
	for _, column := range []string{"namespace", "kind", "id", "change_type", "ts", "payload", "rev"} {
		switch typ, ok := found[column]; {
		case !ok && column == "rev":
			return fmt.Errorf("table %q has %w: it is of the layout before the change feed", name, errNoRev)
		case !ok:
			return fmt.Errorf("table %q has no column %s", name, column)
		case typ != layout[column]:
			return fmt.Errorf("table %q: column %s is %s, want %s", name, column, typ, layout[column])
		}
	}
	return nil
}
