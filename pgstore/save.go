package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/unionstore/unionstore/backend"
)

// Put writes the records, sorted by key and each identity once, in one
// transaction, whatever their number, so that no row is replaced by an
// older change. On equal timestamps the save that commits later wins.
//
// Put first inserts the records as they are, by one statement that fails,
// writing nothing, on the first identity the table holds; it then upserts
// them, by one statement that replaces a row only with a change at least
// as new. The insert costs about half the upsert when the batch adds
// identities; when it fails it costs a round trip and the rows inserted
// before the conflict, and leaves a duplicate key error in the server's
// log, so after a failure Put upserts the next 1, then 2, 4 up to 64
// batches directly (see the package documentation, Writing).
//
// A batch of fewer than 5,000 identities whose payloads take less than
// 64 MB travels as one array per column, parameters of the statements. A
// larger batch is streamed with COPY, into the table for the insert, and
// into a temporary table, dropped at commit, which the upsert then reads:
// there is no limit on the size of a batch then, but the upsert needs the
// TEMPORARY privilege, which PostgreSQL grants to every role by default.
//
// If the connection fails or ctx ends during the save, the transaction is
// not committed, unless the commit itself was under way: either way the
// batch is wholly present or wholly absent.
func (d *driver) Put(ctx context.Context, records []backend.Record) error {
	cols := newColumns(records)
	args := cols.args()
	fed, err := d.fed(ctx)
	if err != nil {
		return err
	}
	arrays := len(records) < copyThreshold && cols.bytes < copyBytes
	if d.inserts.Try() {
		err = d.insert(ctx, &cols, args, arrays, fed)
		if !isUniqueViolation(err) {
			if err != nil {
				return d.explain(err)
			}
			d.inserts.Succeeded()
			return nil
		}
		// The table holds one of the identities: nothing of the insert is
		// left, and the upsert writes the batch.
		d.inserts.Failed()
	}
	switch {
	case arrays && fed:
		// One statement is a transaction of its own: no BEGIN and COMMIT,
		// two more round trips.
		_, err = d.pool.Exec(ctx, d.saveSQL, args[:]...)
	case arrays:
		_, err = d.pool.Exec(ctx, d.legacySaveSQL, args[:6]...)
	default:
		err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return d.copyAndMerge(ctx, tx, &cols, fed) })
	}
	return d.explain(err)
}

// insert writes cols into the table by a plain insert, one statement and
// so one transaction: from the arrays, or by COPY into the table. It fails
// with a unique violation, writing nothing, if the table holds one of the
// identities, or comes to hold it from a save committed meanwhile: it never
// replaces a row, so it keeps the latest change as the upsert does.
//
// With the change feed (fed), the watchers are notified in the same
// transaction; the copy then takes a transaction of its own.
func (d *driver) insert(ctx context.Context, cols *columns, args [7]any, arrays, fed bool) error {
	switch {
	case arrays && fed:
		_, err := d.pool.Exec(ctx, d.insertSQL, args[:]...)
		return err
	case arrays:
		_, err := d.pool.Exec(ctx, d.legacyInsertSQL, args[:6]...)
		return err
	case fed:
		return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
			if _, err := tx.CopyFrom(ctx, d.ident, batchColumns, &copySource{cols: cols}); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, d.notifySQL, cols.namespaces)
			return err
		})
	}
	_, err := d.pool.CopyFrom(ctx, d.ident, batchColumns, &copySource{cols: cols})
	return err
}

// copyAndMerge copies cols into the temporary table and merges it into the
// store's table, in tx.
func (d *driver) copyAndMerge(ctx context.Context, tx pgx.Tx, cols *columns, fed bool) error {
	if _, err := tx.Exec(ctx, createBatchSQL); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, batchTable, batchColumns, &copySource{cols: cols}); err != nil {
		return err
	}
	if fed {
		_, err := tx.Exec(ctx, d.mergeSQL, cols.namespaces)
		return err
	}
	_, err := tx.Exec(ctx, d.legacyMergeSQL)
	return err
}

// copyThreshold is the size of a compacted batch from which Save copies it
// into a temporary table and merges that, instead of sending it as arrays
// to one statement. The copy costs more round trips and the creation of the
// table, about a millisecond in all, and saves about half a microsecond per
// change on the server: measured, it was slower than the arrays up to a few
// thousand changes and 10 to 15% faster at 10,000. Tests change it to run
// both paths.
var copyThreshold = 5000

// copyBytes is the size of the payloads of a batch from which Save copies
// it, whatever the number of changes: the arrays travel in one protocol
// message, which PostgreSQL limits to 1 GB, while the copy streams rows.
const copyBytes = 64 << 20

// batchTable is the temporary table a large batch is copied into. It lives
// in the session's own schema and is dropped when the transaction ends, so
// no state is left on the connection.
var batchTable = pgx.Identifier{"pg_temp", "unionstore_batch"}

var batchColumns = []string{"namespace", "kind", "id", "change_type", "ts", "payload"}

// createBatchSQL creates batchTable. Its key columns sort as the table's.
const createBatchSQL = `CREATE TEMPORARY TABLE pg_temp.unionstore_batch (
	namespace   text COLLATE "C",
	kind        text COLLATE "C",
	id          text COLLATE "C",
	change_type text,
	ts          bigint,
	payload     bytea
) ON COMMIT DROP`

// copySource hands the rows of cols to CopyFrom, which encodes each row's
// values before it asks for the next, so that one slice serves every row.
type copySource struct {
	cols *columns
	next int
	row  [6]any
}

func (r *copySource) Next() bool {
	r.next++
	return r.next <= len(r.cols.records)
}

func (r *copySource) Values() ([]any, error) {
	rec := &r.cols.records[r.next-1]
	r.row = [6]any{rec.Namespace, rec.Kind, rec.ID, string(rec.Type), rec.Timestamp, payload(rec)}
	return r.row[:], nil
}

func (r *copySource) Err() error { return nil }

// columns is a batch of records, sorted by key, and what Put needs to know
// of it. Its column method gives the arrays of the save statements
// straight from the records, without a copy.
type columns struct {
	records    []backend.Record
	bytes      int      // of all payloads
	namespaces []string // distinct, for the watchers
}

// newColumns returns the columns of records, sorted by key.
func newColumns(records []backend.Record) columns {
	cols := columns{records: records}
	for i := range records {
		r := &records[i]
		// The records are sorted by key, so a namespace's are together.
		if i == 0 || r.Namespace != records[i-1].Namespace {
			cols.namespaces = append(cols.namespaces, r.Namespace)
		}
		cols.bytes += len(r.Payload)
	}
	return cols
}

// args returns the parameters of the save statements: the arrays of the
// namespace, kind, id, change_type, ts and payload columns, and the
// namespaces to notify.
func (c *columns) args() [7]any {
	var a [7]any
	for i := range 6 {
		a[i] = column{records: c.records, col: i}
	}
	a[6] = c.namespaces
	return a
}

// column is one column of a batch as a PostgreSQL array: the i-th value
// of the column, in the order of the table's columns (namespace, kind,
// id, change_type, ts, payload), read from the records as pgx encodes it.
type column struct {
	records []backend.Record
	col     int
}

var _ pgtype.ArrayGetter = column{}

// Dimensions returns the array's one dimension.
func (c column) Dimensions() []pgtype.ArrayDimension {
	return []pgtype.ArrayDimension{{Length: int32(len(c.records)), LowerBound: 1}}
}

// Index returns the value of record i.
func (c column) Index(i int) any {
	r := &c.records[i]
	switch c.col {
	case 0:
		return r.Namespace
	case 1:
		return r.Kind
	case 2:
		return r.ID
	case 3:
		return string(r.Type)
	case 4:
		return r.Timestamp
	}
	return payload(r)
}

// IndexType returns a value of the type of the column's values.
func (c column) IndexType() any {
	switch c.col {
	case 4:
		return int64(0)
	case 5:
		return []byte(nil)
	}
	return ""
}

// payload returns r's payload, never nil: the column is NOT NULL.
func payload(r *backend.Record) []byte {
	if r.Payload == nil {
		return []byte{}
	}
	return r.Payload
}
