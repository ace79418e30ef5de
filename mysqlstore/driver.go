package mysqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// driver is the engine code of a [Store]: the table's SQL on a pool.
type driver struct {
	db       *sql.DB
	ownsDB   bool
	name     string // what String returns
	limits   backend.Limits
	packet   int // the server's max_allowed_packet, read at open
	pageSize int

	insert, upsert                                       string // the head and tail of Put's statements
	loadSQL, firstPageSQL, pageSQL, getSQL, namespaceSQL string
	purgeSQL, purgeTombstonesSQL                         string

	// The change feed's (see feed.go).
	takeSQL, markSQL, lockSQL, newestTombstoneSQL, raiseFloorSQL string
	headSQL, changesAfterSQL                                     string
	feed                                                         *backend.Revisions
}

var (
	_ backend.Driver = (*driver)(nil)
	_ backend.Loader = (*driver)(nil)
	_ backend.Feeder = (*driver)(nil)
)

// newDriver returns the driver of table (unquoted) on db. where names the
// server and database, for String.
func newDriver(db *sql.DB, table, where string, packet, pageSize int) *driver {
	q := "`" + table + "`"
	f := "`" + table + feedSuffix + "`"
	const columns = "kind, id, change_type, ts, payload"
	return &driver{
		db:       db,
		name:     fmt.Sprintf("table %q of mysql %s", table, where),
		limits:   backend.Limits{MaxKey: MaxKey, MaxPayload: max(packet-payloadHeadroom, 1)},
		packet:   packet,
		pageSize: pageSize,
		insert:   "INSERT INTO " + q + " (namespace, kind, id, change_type, ts, payload, rev) VALUES ",
		upsert:   upsert,
		loadSQL:  "SELECT " + columns + " FROM " + q + " WHERE namespace = ? ORDER BY kind, id",
		// The next page begins after the last key read. The comparison is
		// spelt out: MariaDB reads (kind, id) > (?, ?) as a filter on every
		// row of the namespace, where this form is a range of the primary
		// key.
		firstPageSQL: "SELECT " + columns + " FROM " + q + " WHERE namespace = ? ORDER BY kind, id LIMIT ?",
		pageSQL: "SELECT " + columns + " FROM " + q +
			" WHERE namespace = ? AND (kind > ? OR kind = ? AND id > ?) ORDER BY kind, id LIMIT ?",
		getSQL: "SELECT " + columns + " FROM " + q + " WHERE namespace = ? AND kind = ? AND id = ?",
		namespaceSQL: "SELECT namespace, CAST(SUM(change_type = 'set') AS SIGNED), CAST(SUM(change_type = 'unset') AS SIGNED) FROM " +
			q + " GROUP BY namespace ORDER BY namespace",
		purgeSQL: "DELETE FROM " + q + " WHERE namespace = ? ORDER BY kind, id LIMIT ?",
		// The condition is evaluated on the row as it is when deleted, so
		// a tombstone replaced meanwhile by a newer change is kept.
		purgeTombstonesSQL: "DELETE FROM " + q +
			" WHERE namespace = ? AND change_type = 'unset' AND ts <= ? ORDER BY kind, id LIMIT ?",
		// take adds n to the namespace's revision, under the row's lock
		// until the transaction ends, and makes the sum the statement's
		// LAST_INSERT_ID, which the server returns with its result.
		takeSQL: "INSERT INTO " + f + " (namespace, rev, floor) VALUES (?, LAST_INSERT_ID(?), 0)" +
			" ON DUPLICATE KEY UPDATE rev = LAST_INSERT_ID(rev + VALUES(rev))",
		// mark takes one revision and makes it the floor; floor, assigned
		// after rev, sees its new value.
		markSQL: "INSERT INTO " + f + " (namespace, rev, floor) VALUES (?, 1, 1) ON DUPLICATE KEY UPDATE rev = rev + 1, floor = rev",
		lockSQL: "SELECT rev FROM " + f + " WHERE namespace = ? FOR UPDATE",
		headSQL: "SELECT rev FROM " + f + " WHERE namespace = ?",
		newestTombstoneSQL: "SELECT COALESCE(MAX(rev), 0) FROM (SELECT rev FROM " + q +
			" WHERE namespace = ? AND change_type = 'unset' AND ts <= ? ORDER BY kind, id LIMIT ?) AS chunk",
		raiseFloorSQL: "UPDATE " + f + " SET floor = GREATEST(floor, ?) WHERE namespace = ?",
		// One statement reads the namespace's revision and floor and the
		// page of changes after a position, all from one snapshot; the
		// page is read on the rev index, and sorted again once joined.
		changesAfterSQL: "SELECT f.rev, f.floor, c.kind, c.id, c.change_type, c.ts, c.payload, c.rev FROM " + f +
			" AS f LEFT JOIN (SELECT " + columns + ", rev FROM " + q + " WHERE namespace = ? AND rev > ? ORDER BY rev LIMIT ?) AS c" +
			" ON TRUE WHERE f.namespace = ? ORDER BY c.rev",
	}
}

func (d *driver) String() string         { return d.name }
func (d *driver) Limits() backend.Limits { return d.limits }

// Close closes the pool of a store made by OpenURL, and leaves the
// caller's pool open otherwise.
func (d *driver) Close() error {
	d.feed.Close()
	if d.ownsDB {
		return d.db.Close()
	}
	return nil
}

// Get reads one row by its primary key.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	rows, err := d.db.QueryContext(ctx, d.getSQL, []byte(namespace), []byte(kind), []byte(id))
	if err != nil {
		return backend.Record{}, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return backend.Record{}, false, rows.Err()
	}
	var r row
	if err := r.scan(rows); err != nil {
		return backend.Record{}, false, err
	}
	return r.record(namespace), true, rows.Close()
}

// Namespaces counts the rows of each namespace by change type.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	rows, err := d.db.QueryContext(ctx, d.namespaceSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []unionstore.NamespaceStat
	for rows.Next() {
		var st unionstore.NamespaceStat
		if err := rows.Scan(&st.Namespace, &st.Entities, &st.Tombstones); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
