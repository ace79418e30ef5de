package mysqlstore

import (
	"context"
	"database/sql"
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
	PRIMARY KEY (namespace, kind, id)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC`, table, MaxKey)
}

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
}

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
	for _, column := range []string{"namespace", "kind", "id", "change_type", "ts", "payload"} {
		switch typ, ok := found[column]; {
		case !ok:
			return fmt.Errorf("table %q has no column %s", name, column)
		case typ != layout[column]:
			return fmt.Errorf("table %q: column %s is %s, want %s", name, column, typ, layout[column])
		}
	}
	return nil
}
