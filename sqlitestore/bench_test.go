package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkReportBatchSize is the suite's benchmark of Save by batch
// size, for the benchmark report.
func BenchmarkReportBatchSize(b *testing.B) {
	storetest.BenchmarkBatchSize(b, func(b *testing.B) unionstore.Store[item] { return open(b) })
}

// BenchmarkReportLoad is the suite's benchmark of Load, for the
// benchmark report.
func BenchmarkReportLoad(b *testing.B) {
	storetest.BenchmarkLoad(b, func(b *testing.B) unionstore.Store[item] { return open(b) })
}

// rawRows is the most rows of one statement of the raw insert: 6
// parameters a row stay below SQLite's limit of 32766.
const rawRows = 1000

// rawInsert is SQLite's own bulk path for a batch: a plain multi-row
// INSERT of rows already encoded into an empty table with the store's
// columns and key, in one transaction, with no conflict clause.
type rawInsert struct {
	db *sql.DB
}

func openRaw(b *testing.B) *rawInsert {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=synchronous(FULL)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, s := range []string{"PRAGMA journal_mode=WAL", `CREATE TABLE raw (
	namespace TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
	type INTEGER NOT NULL, ts INTEGER NOT NULL, payload BLOB NOT NULL,
	PRIMARY KEY (namespace, kind, id)) WITHOUT ROWID`} {
		if _, err := db.Exec(s); err != nil {
			b.Fatal(err)
		}
	}
	return &rawInsert{db: db}
}

// insert writes args, 6 a row, in statements of up to rawRows rows.
func (r *rawInsert) insert(ctx context.Context, args []any) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for len(args) > 0 {
		n := min(len(args)/6, rawRows)
		q := "INSERT INTO raw VALUES " + strings.Repeat("(?,?,?,?,?,?),", n-1) + "(?,?,?,?,?,?)"
		if _, err := tx.ExecContext(ctx, q, args[:6*n]...); err != nil {
			return err
		}
		args = args[6*n:]
	}
	return tx.Commit()
}

// BenchmarkSaveVersusRaw measures, in one run, Save of n new changes
// into an empty namespace against rawInsert of the same rows, already
// encoded, into an empty table, for n of 100, 1,000 and 10,000. Both
// files are in WAL mode and synced at each commit (synchronous=FULL).
// Each iteration empties the namespace and the raw table, untimed, then
// writes the batch both ways, in an order that alternates. It reports
// save-changes/s, raw-changes/s and x-of-raw, Save's rate as a fraction
// of the raw insert's.
func BenchmarkSaveVersusRaw(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := open(b)
			raw := openRaw(b)
			codec := unionstore.JSONCodec[item]()
			var saveTook, rawTook time.Duration
			iter := 0
			for b.Loop() {
				b.StopTimer()
				changes := storetest.Customers("bench", iter*n, n)
				args := make([]any, 0, 6*n)
				for _, c := range changes {
					p, err := codec.Encode(c.Entity)
					if err != nil {
						b.Fatal(err)
					}
					args = append(args, c.Namespace, c.Entity.Kind, c.Entity.ID, int64(1), c.Timestamp.UnixNano(), p)
				}
				if err := s.Purge(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
				if _, err := raw.db.ExecContext(ctx, "DELETE FROM raw"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for j := range 2 {
					start := time.Now()
					if (iter+j)%2 == 0 {
						if err := s.Save(ctx, changes); err != nil {
							b.Fatal(err)
						}
						saveTook += time.Since(start)
					} else {
						if err := raw.insert(ctx, args); err != nil {
							b.Fatal(err)
						}
						rawTook += time.Since(start)
					}
				}
				iter++
			}
			save := float64(iter*n) / saveTook.Seconds()
			rawRate := float64(iter*n) / rawTook.Seconds()
			b.ReportMetric(save, "save-changes/s")
			b.ReportMetric(rawRate, "raw-changes/s")
			b.ReportMetric(save/rawRate, "x-of-raw")
		})
	}
}

// BenchmarkOpenQuickCheck opens a file of 100,000 entities with and
// without WithQuickCheck: the check's cost is the difference.
func BenchmarkOpenQuickCheck(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "big.db")
	s, err := sqlitestore.Open[item](path, sqlitestore.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 10_000 {
		if err := s.Save(context.Background(), storetest.Customers("bench", i, 10_000)); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	for _, tc := range []struct {
		name string
		opts []sqlitestore.Option
	}{{"plain", nil}, {"quick_check", []sqlitestore.Option{sqlitestore.WithQuickCheck()}}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				s, err := sqlitestore.Open[item](path, tc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] at 10k, 100k and
// 1M entities, for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) {
	storetest.BenchmarkGrowth(b, func(b *testing.B) unionstore.Store[item] { return open(b) })
}
