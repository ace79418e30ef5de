package pgstore

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// driver is the engine code of a [Store]: the table's SQL on a pool.
type driver struct {
	pool     *pgxpool.Pool
	ownsPool bool
	name     string // quoted, qualified table name
	ident    pgx.Identifier
	pageSize int
	inserts  backend.FastPath // a plain insert first: see Put
	// life is closed by Close, which ends the watches and the scans.
	life unionstore.Lifecycle

	// The change feed: whether the table has its columns (feedUnknown,
	// feedOff or feedOn), and the listener that wakes watchers.
	feed        atomic.Int32
	feedChecked atomic.Int64 // when feedOff was found, in Unix nanoseconds
	noFeed      bool         // WithoutChangeFeed: CreateSchema leaves the feed out
	listen      listener

	// Quoted names of the feed's index (qualified) and the purges table,
	// and the statements that create the schema.
	feedIndex, purges, schemaSQL string

	insertSQL, saveSQL, mergeSQL, loadSQL, pageSQL, getSQL, getManySQL, namespacesSQL string
	// The statements of a table without the change feed's columns.
	legacyInsertSQL, legacySaveSQL, legacyMergeSQL, legacyPurgeSQL, legacyPurgeTombstonesSQL string
	// The change feed's statements.
	notifySQL, headSQL, feedSQL, purgeSQL, purgeTombstonesSQL string
}

var (
	_ backend.Driver        = (*driver)(nil)
	_ backend.LoadVisitor   = (*driver)(nil)
	_ backend.Feeder        = (*driver)(nil)
	_ backend.RecordChecker = (*driver)(nil)
)

// newDriver returns the driver of the table c names, on pool.
func newDriver(pool *pgxpool.Pool, c config) *driver {
	name := c.qualifiedName()
	const columns = "kind, id, change_type, ts, payload"
	d := &driver{
		pool:     pool,
		name:     name,
		ident:    c.identifier(),
		pageSize: c.pageSize,
		noFeed:   c.noFeed,

		feedIndex: c.feedIndexQualified().Sanitize(),
		purges:    c.purgesTable().Sanitize(),
		schemaSQL: c.schemaSQL(),

		// A plain insert of a batch none of whose identities the table
		// holds; see Put. Each statement that writes also notifies the
		// watchers of the batch's namespaces ($7), at commit.
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
		legacyPurgeSQL:           fmt.Sprintf(`DELETE FROM %s WHERE namespace = $1`, name),
		legacyPurgeTombstonesSQL: fmt.Sprintf(`DELETE FROM %s WHERE namespace = $1 AND change_type = 'unset' AND ts <= $2`, name),
		loadSQL: fmt.Sprintf(`SELECT %s FROM %s
WHERE namespace = $1 ORDER BY kind, id`, columns, name),
		pageSQL: fmt.Sprintf(`SELECT %s FROM %s
WHERE namespace = $1 AND (kind, id) > ($2, $3) ORDER BY kind, id LIMIT $4`, columns, name),
		getSQL: fmt.Sprintf(`SELECT %s FROM %s
WHERE namespace = $1 AND kind = $2 AND id = $3`, columns, name),
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
	d.feedStatements()
	return d
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

// String names the table, for the store's errors.
func (d *driver) String() string { return "table " + d.name }

// Limits returns no limit: the key's limit depends on the namespace, kind
// and id together, and tests lower the payload's; CheckRecord checks both.
func (d *driver) Limits() backend.Limits { return backend.Limits{} }

// Close ends the watches and scans, and closes the pool of a store made
// by OpenURL, waiting for connections in use to be returned; it leaves
// the caller's pool open otherwise.
func (d *driver) Close() error {
	d.life.Close()
	if d.ownsPool {
		d.pool.Close()
	}
	return nil
}

// explain says how to create a missing table in an error that reports
// one, and returns other errors as they are.
func (d *driver) explain(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return fmt.Errorf("table %s does not exist; create it with Store.CreateSchema or by opening the store with WithCreateSchema: %w", d.name, err)
	}
	return err
}
