package pgstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// explainTime runs stmt with args under EXPLAIN ANALYZE in tx and returns
// the server's execution time in milliseconds.
func explainTime(ctx context.Context, tx pgx.Tx, stmt string, args ...any) (float64, error) {
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, COSTS off) "+stmt, args...)
	if err != nil {
		return 0, err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "Execution Time: "); ok {
			return strconv.ParseFloat(strings.TrimSuffix(v, " ms"), 64)
		}
	}
	return 0, fmt.Errorf("no execution time in the plan of %q", stmt)
}

// BenchmarkSaveDesignsOnServer times, on the server, the statement of each
// of [designs] on a batch of 10,000 changes, of new identities ("new") or
// of identities the table holds ("existing"), into a table of 300,000
// rows, as EXPLAIN ANALYZE reports it: the statement alone, without the
// round trips, the transfer of the batch or the client's work. Each runs
// in a transaction rolled back, so every iteration starts from the same
// table. Against it, a plain INSERT of the same rows from the same arrays
// into an unlogged table of the same layout (what COPY does on the server)
// and into the logged table (no conflict handling at all). It reports the
// mean milliseconds of each, <name>-server-ms, and the ratio of its time
// to the unlogged insert's, <name>/insert-unlogged.
func BenchmarkSaveDesignsOnServer(b *testing.B) {
	const n, rows = 10000, 300000
	ctx := context.Background()
	pool := adminPool(b)
	s := newStore(b)
	for i := range rows / n {
		if err := s.Save(ctx, benchBatch(i, n, true)); err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
	unlogged := newTable(b)
	createUnlogged(b, pool, unlogged)
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE "+s.Table()); err != nil {
		b.Fatalf("vacuum: %v", err)
	}
	for _, w := range []struct {
		name  string
		batch int // the iteration of benchBatch, whose ids are iter*n to iter*n+n-1
	}{{"new", rows / n}, {"existing", rows / n / 2}} {
		b.Run(w.name, func(b *testing.B) {
			cols := columnsOf(b, benchBatch(w.batch, n, true))
			type timed struct {
				name string
				run  func(tx pgx.Tx) (float64, error)
				ms   float64
			}
			all := []*timed{
				{name: "insert-unlogged", run: func(tx pgx.Tx) (float64, error) {
					return explainTime(ctx, tx, fmt.Sprintf(insertDesignSQL, pgx.Identifier{unlogged}.Sanitize(), arraysSource), cols.args()...)
				}},
			}
			if w.name == "new" {
				all = append(all, &timed{name: "insert", run: func(tx pgx.Tx) (float64, error) {
					return explainTime(ctx, tx, fmt.Sprintf(insertDesignSQL, s.Table(), arraysSource), cols.args()...)
				}})
			}
			for _, d := range designs {
				if d.insertFirst {
					continue // its insert is the insert above
				}
				all = append(all, &timed{name: d.name, run: func(tx pgx.Tx) (float64, error) {
					return d.explain(ctx, tx, s.Table(), cols)
				}})
			}
			iter := 0
			for b.Loop() {
				iter++
				for j := range all {
					t := all[(iter+j)%len(all)]
					ms, err := inRolledBack(ctx, pool, t.run)
					if err != nil {
						b.Fatalf("%s: %v", t.name, err)
					}
					t.ms += ms
				}
			}
			for _, t := range all {
				b.ReportMetric(t.ms/float64(iter), t.name+"-server-ms")
				if t != all[0] {
					b.ReportMetric(t.ms/all[0].ms, t.name+"/insert-unlogged")
				}
			}
		})
	}
}

// inRolledBack runs f in a transaction that it then rolls back.
func inRolledBack(ctx context.Context, pool *pgxpool.Pool, f func(tx pgx.Tx) (float64, error)) (float64, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	return f(tx)
}
