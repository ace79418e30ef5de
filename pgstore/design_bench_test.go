package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// batchColumns is a batch compacted and encoded as Save sends it: one
// slice per column of the table.
type batchColumns struct {
	namespace, kind, id, changeType []string
	ts                              []int64
	payload                         [][]byte
}

// columnsOf compacts and encodes changes as Save does.
func columnsOf(b testing.TB, changes unionstore.Changes[storetest.Item]) batchColumns {
	var c batchColumns
	err := eachRow(changes, func(args ...any) error {
		c.namespace = append(c.namespace, args[0].(string))
		c.kind = append(c.kind, args[1].(string))
		c.id = append(c.id, args[2].(string))
		c.changeType = append(c.changeType, args[3].(string))
		c.ts = append(c.ts, args[4].(int64))
		c.payload = append(c.payload, args[5].([]byte))
		return nil
	})
	if err != nil {
		b.Fatalf("encode: %v", err)
	}
	return c
}

func (c batchColumns) args() []any {
	return []any{c.namespace, c.kind, c.id, c.changeType, c.ts, c.payload}
}

// rows returns the batch as the rows COPY sends.
func (c batchColumns) rows() [][]any {
	rows := make([][]any, len(c.id))
	for i := range rows {
		rows[i] = []any{c.namespace[i], c.kind[i], c.id[i], c.changeType[i], c.ts[i], c.payload[i]}
	}
	return rows
}

// The parts of the statements the save designs run. %[1]s is the store's
// table, %[2]s the source of the rows, %[3]s the condition under which a
// stored row is replaced.
const (
	arraysSource = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])
	AS s(namespace, kind, id, change_type, ts, payload)`
	tempSource = `(SELECT * FROM pg_temp.unionstore_design ORDER BY namespace, kind, id) AS s`

	upsertDesignSQL = `INSERT INTO %[1]s AS t (namespace, kind, id, change_type, ts, payload)
SELECT s.namespace, s.kind, s.id, s.change_type, s.ts, s.payload FROM %[2]s
ON CONFLICT (namespace, kind, id) DO UPDATE
SET change_type = excluded.change_type, ts = excluded.ts, payload = excluded.payload
WHERE %[3]s`
	mergeDesignSQL = `MERGE INTO %[1]s AS t USING %[2]s
ON t.namespace = s.namespace AND t.kind = s.kind AND t.id = s.id
WHEN MATCHED AND %[3]s THEN
	UPDATE SET change_type = s.change_type, ts = s.ts, payload = s.payload
WHEN NOT MATCHED THEN
	INSERT (namespace, kind, id, change_type, ts, payload)
	VALUES (s.namespace, s.kind, s.id, s.change_type, s.ts, s.payload)`

	insertDesignSQL = `INSERT INTO %[1]s (namespace, kind, id, change_type, ts, payload)
SELECT s.namespace, s.kind, s.id, s.change_type, s.ts, s.payload FROM %[2]s`

	createDesignTempSQL = `CREATE TEMPORARY TABLE pg_temp.unionstore_design (
	namespace text COLLATE "C", kind text COLLATE "C", id text COLLATE "C",
	change_type text, ts bigint, payload bytea
) ON COMMIT DROP`
)

var batchColumnNames = []string{"namespace", "kind", "id", "change_type", "ts", "payload"}

// saveDesign is one way to write a batch into a table of pgstore's layout
// in one transaction.
type saveDesign struct {
	name string
	// copied says whether the batch is copied into a temporary table first
	// rather than sent as arrays.
	copied bool
	// merge says whether the statement is MERGE rather than INSERT ... ON
	// CONFLICT.
	merge bool
	// latest says whether the statement keeps the stored row when it is
	// newer, pgstore's rule; without it the design is a floor that lets the
	// later save win whatever its timestamps.
	latest bool
	// insertFirst says whether the batch is first inserted as it is, by a
	// plain INSERT from the arrays or a COPY into the table, which fails
	// on the first identity the table holds, and only then upserted.
	insertFirst bool
}

// designs are the designs BenchmarkSaveVersusCopy measures.
var designs = func() []saveDesign {
	var out []saveDesign
	for _, latest := range []bool{true, false} {
		for _, merge := range []bool{false, true} {
			for _, copied := range []bool{false, true} {
				d := saveDesign{copied: copied, merge: merge, latest: latest}
				d.name = map[bool]string{false: "upsert", true: "merge"}[merge]
				if copied {
					d.name = "copy-" + d.name
				}
				if !latest {
					d.name += "-floor"
				}
				out = append(out, d)
			}
		}
	}
	for _, copied := range []bool{false, true} {
		d := saveDesign{copied: copied, latest: true, insertFirst: true, name: "insert-first"}
		if copied {
			d.name = "copy-first"
		}
		out = append(out, d)
	}
	return out
}()

// sql returns the statement d runs on table.
func (d saveDesign) sql(table string) string {
	source, stmt, cond := arraysSource, upsertDesignSQL, "t.ts <= excluded.ts"
	if d.copied {
		source = tempSource
	}
	if d.merge {
		stmt, cond = mergeDesignSQL, "t.ts <= s.ts"
	}
	if !d.latest {
		cond = "true"
	}
	return fmt.Sprintf(stmt, table, source, cond)
}

// save writes c into table. A MERGE that meets a concurrently inserted key
// fails, so the merge designs then write the batch again with the upsert,
// as the insert-first designs do when the insert meets a stored identity.
func (d saveDesign) save(ctx context.Context, pool *pgxpool.Pool, table string, c batchColumns) error {
	var err error
	if d.insertFirst {
		err = d.insert(ctx, pool, table, c)
	} else {
		err = d.saveOnce(ctx, pool, table, c)
	}
	var pgErr *pgconn.PgError
	if (d.merge || d.insertFirst) && errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		upsert := d
		upsert.merge, upsert.insertFirst = false, false
		return upsert.saveOnce(ctx, pool, table, c)
	}
	return err
}

// insert writes c into table by a plain insert, each a transaction of its
// own.
func (d saveDesign) insert(ctx context.Context, pool *pgxpool.Pool, table string, c batchColumns) error {
	if d.copied {
		_, err := pool.CopyFrom(ctx, pgx.Identifier{strings.Trim(table, `"`)}, batchColumnNames, &copyRows{rows: c.rows()})
		return err
	}
	_, err := pool.Exec(ctx, fmt.Sprintf(insertDesignSQL, table, arraysSource), c.args()...)
	return err
}

// probeByIndexSQL makes the planner of the transaction join the batch
// with the table by one index probe per change. Left to itself it plans
// MERGE as a hash join over a sequential scan of the whole table, whose
// cost grows with the table rather than the batch (EXPLAIN ANALYZE of a
// batch of 10,000 against 300,000 rows).
const probeByIndexSQL = `SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`

func (d saveDesign) saveOnce(ctx context.Context, pool *pgxpool.Pool, table string, c batchColumns) error {
	if !d.copied && !d.merge {
		// One statement needs no BEGIN and COMMIT.
		_, err := pool.Exec(ctx, d.sql(table), c.args()...)
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		args, err := d.setup(ctx, tx, c)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, d.sql(table), args...)
		return err
	})
}

// explain runs d's statement as saveOnce does, under EXPLAIN ANALYZE, and
// returns the server's execution time in milliseconds.
func (d saveDesign) explain(ctx context.Context, tx pgx.Tx, table string, c batchColumns) (float64, error) {
	args, err := d.setup(ctx, tx, c)
	if err != nil {
		return 0, err
	}
	return explainTime(ctx, tx, d.sql(table), args...)
}

// setup prepares tx for d's statement and returns the statement's
// arguments: for a copied design, it creates the temporary table and
// copies c into it; for MERGE, it sets the planner as probeByIndexSQL
// says.
func (d saveDesign) setup(ctx context.Context, tx pgx.Tx, c batchColumns) ([]any, error) {
	// Sent without arguments, so in one round trip.
	var setup []string
	if d.merge {
		setup = append(setup, probeByIndexSQL)
	}
	if d.copied {
		setup = append(setup, createDesignTempSQL)
	}
	if len(setup) > 0 {
		if _, err := tx.Exec(ctx, strings.Join(setup, "; ")); err != nil {
			return nil, err
		}
	}
	if !d.copied {
		return c.args(), nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", "unionstore_design"}, batchColumnNames, &copyRows{rows: c.rows()})
	return nil, err
}

// createUnlogged creates table with pgstore's layout, unlogged.
func createUnlogged(b *testing.B, pool *pgxpool.Pool, table string) {
	b.Helper()
	schema, err := pgstore.SchemaSQL(pgstore.WithTable(table))
	if err != nil {
		b.Fatalf("SchemaSQL: %v", err)
	}
	if _, err := pool.Exec(context.Background(), strings.Replace(schema, "CREATE TABLE", "CREATE UNLOGGED TABLE", 1)); err != nil {
		b.Fatalf("create the unlogged table: %v", err)
	}
}
