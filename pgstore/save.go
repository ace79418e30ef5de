package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore/backend"
)

// columns holds a batch as one array per column, the shape the save
// statement unnests and the rows the copy sends.
type columns struct {
	namespace, kind, id, changeType []string
	ts                              []int64
	payload                         [][]byte
	bytes                           int      // of all payloads
	namespaces                      []string // distinct, for the watchers
}

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
	fed, err := d.fed(ctx)
	if err != nil {
		return err
	}
	arrays := len(records) < copyThreshold && cols.bytes < copyBytes
	if d.inserts.try() {
		err = d.insert(ctx, &cols, arrays, fed)
		if !isUniqueViolation(err) {
			if err != nil {
				return d.explain(err)
			}
			d.inserts.succeeded()
			return nil
		}
		// The table holds one of the identities: nothing of the insert is
		// left, and the upsert writes the batch.
		d.inserts.failed()
	}
	switch {
	case arrays && fed:
		// One statement is a transaction of its own: no BEGIN and COMMIT,
		// two more round trips.
		_, err = d.pool.Exec(ctx, d.saveSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload, cols.namespaces)
	case arrays:
		_, err = d.pool.Exec(ctx, d.legacySaveSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload)
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
func (d *driver) insert(ctx context.Context, cols *columns, arrays, fed bool) error {
	switch {
	case arrays && fed:
		_, err := d.pool.Exec(ctx, d.insertSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload, cols.namespaces)
		return err
	case arrays:
		_, err := d.pool.Exec(ctx, d.legacyInsertSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload)
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
	return r.next <= len(r.cols.id)
}

func (r *copySource) Values() ([]any, error) {
	i, c := r.next-1, r.cols
	r.row = [6]any{c.namespace[i], c.kind[i], c.id[i], c.changeType[i], c.ts[i], c.payload[i]}
	return r.row[:], nil
}

func (r *copySource) Err() error { return nil }

// newColumns turns records, sorted by key, into columns.
func newColumns(records []backend.Record) columns {
	n := len(records)
	cols := columns{
		namespace:  make([]string, n),
		kind:       make([]string, n),
		id:         make([]string, n),
		changeType: make([]string, n),
		ts:         make([]int64, n),
		payload:    make([][]byte, n),
	}
	for i := range records {
		r := &records[i]
		cols.namespace[i], cols.kind[i], cols.id[i] = r.Namespace, r.Kind, r.ID
		// The records are sorted by key, so a namespace's are together.
		if i == 0 || r.Namespace != records[i-1].Namespace {
			cols.namespaces = append(cols.namespaces, r.Namespace)
		}
		cols.changeType[i] = string(r.Type)
		cols.ts[i] = r.Timestamp
		p := r.Payload
		if p == nil {
			p = []byte{} // the column is NOT NULL
		}
		cols.payload[i] = p
		cols.bytes += len(p)
	}
	return cols
}
