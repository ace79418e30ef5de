package pgstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// upsertSQL returns the statement the row-by-row baselines run once per
// change: the rule of Save, one row at a time.
func upsertSQL(s *pgstore.Store[storetest.Item]) string {
	return `INSERT INTO ` + s.Table() + ` AS t (namespace, kind, id, change_type, ts, payload)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (namespace, kind, id) DO UPDATE
SET change_type = excluded.change_type, ts = excluded.ts, payload = excluded.payload
WHERE t.ts <= excluded.ts`
}

// eachRow compacts changes as Save does, encodes each with the JSON codec
// and passes it to exec with the arguments of upsertSQL.
func eachRow(changes unionstore.Changes[storetest.Item], exec func(args ...any) error) error {
	codec := unionstore.JSONCodec[storetest.Item]()
	for _, c := range unionstore.Compact(changes) {
		p, err := codec.Encode(c.Entity)
		if err != nil {
			return err
		}
		ns, kind, id := c.Key()
		if err := exec(ns, kind, id, string(c.ChangeType), c.Timestamp.UnixNano(), p); err != nil {
			return err
		}
	}
	return nil
}

// rowByRowInTx is the stricter baseline: one upsert statement, and one
// round trip, per change, all in one transaction, so that the server
// commits once per batch as Save does.
func rowByRowInTx(ctx context.Context, pool *pgxpool.Pool, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
	upsert := upsertSQL(s)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return eachRow(changes, func(args ...any) error {
			_, err := tx.Exec(ctx, upsert, args...)
			return err
		})
	})
}

// rowByRowAutocommit is the plain per-row INSERT loop: each upsert is its
// own statement and its own transaction, committed before the next is sent.
func rowByRowAutocommit(ctx context.Context, pool *pgxpool.Pool, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
	upsert := upsertSQL(s)
	return eachRow(changes, func(args ...any) error {
		_, err := pool.Exec(ctx, upsert, args...)
		return err
	})
}

// benchBatch returns n changes to namespace "bench", sorted by id. With
// fresh, the ids are new at each iter; otherwise every iter overwrites the
// ids 0 to n-1 with later timestamps.
func benchBatch(iter, n int, fresh bool) unionstore.Changes[storetest.Item] {
	out := make(unionstore.Changes[storetest.Item], n)
	for i := range out {
		id := i
		if fresh {
			id += iter * n
		}
		out[i] = set("bench", "k", fmt.Sprintf("%09d", id), "some value", at(iter*n+i))
		out[i].Entity.N = i
	}
	return out
}

// workloads are the two kinds of batch the benchmarks save: "new" batches
// add identities the table does not hold; "existing" batches overwrite
// identities the table holds, with later timestamps.
var workloads = []struct {
	name  string
	fresh bool
}{{"new", true}, {"existing", false}}

// BenchmarkSave saves batches of 1,000 and 10,000 changes through Save and
// reports changes per second.
func BenchmarkSave(b *testing.B) {
	for _, w := range workloads {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/%d", w.name, n), func(b *testing.B) {
				ctx := context.Background()
				s := newStore(b)
				if !w.fresh {
					if err := s.Save(ctx, benchBatch(0, n, false)); err != nil {
						b.Fatalf("fill: %v", err)
					}
				}
				// B/op and allocs/op leave out the making of the batches,
				// done with the timer stopped; divided by n they are per
				// change.
				b.ReportAllocs()
				iter := 1
				for b.Loop() {
					b.StopTimer()
					changes := benchBatch(iter, n, w.fresh)
					iter++
					b.StartTimer()
					if err := s.Save(ctx, changes); err != nil {
						b.Fatalf("save: %v", err)
					}
				}
				b.ReportMetric(float64((iter-1)*n)/b.Elapsed().Seconds(), "changes/s")
			})
		}
	}
}

// BenchmarkSaveVersusRowByRow measures, in one run, the throughput of Save
// against two row-by-row baselines, each on a table of its own. Each
// iteration saves, in an order that rotates between iterations:
//
//   - a batch of 10,000 changes through Save;
//   - 10,000 changes through rowByRowInTx, one statement per change inside
//     one transaction (the stricter baseline: one commit, as for Save);
//   - 1,000 changes through rowByRowAutocommit, one statement and one commit
//     per change (the usual per-row INSERT loop). It runs on fewer changes
//     because each costs a commit; what is compared is changes per second.
//
// It reports changes per second for each, over all iterations, and the
// ratios of Save's throughput to each baseline's: x-vs-tx-loop and
// x-vs-autocommit-loop.
func BenchmarkSaveVersusRowByRow(b *testing.B) {
	const n, autocommitN = 10000, 1000
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			ctx := context.Background()
			pool := adminPool(b)
			type saver struct {
				s     *pgstore.Store[storetest.Item]
				n     int
				save  func(changes unionstore.Changes[storetest.Item]) error
				took  time.Duration
				saved int
			}
			savers := []*saver{{n: n}, {n: n}, {n: autocommitN}}
			batch, inTx, autocommit := savers[0], savers[1], savers[2]
			for _, sv := range savers {
				sv.s = newStore(b)
			}
			batch.save = func(c unionstore.Changes[storetest.Item]) error { return batch.s.Save(ctx, c) }
			inTx.save = func(c unionstore.Changes[storetest.Item]) error { return rowByRowInTx(ctx, pool, inTx.s, c) }
			autocommit.save = func(c unionstore.Changes[storetest.Item]) error {
				return rowByRowAutocommit(ctx, pool, autocommit.s, c)
			}
			if !w.fresh {
				for _, sv := range savers {
					if err := sv.s.Save(ctx, benchBatch(0, sv.n, false)); err != nil {
						b.Fatalf("fill: %v", err)
					}
				}
			}
			iter := 1
			for b.Loop() {
				for j := range savers {
					sv := savers[(iter+j)%len(savers)]
					changes := benchBatch(iter, sv.n, w.fresh)
					start := time.Now()
					if err := sv.save(changes); err != nil {
						b.Fatalf("save: %v", err)
					}
					sv.took += time.Since(start)
					sv.saved += sv.n
				}
				iter++
			}
			rate := func(sv *saver) float64 { return float64(sv.saved) / sv.took.Seconds() }
			b.ReportMetric(rate(batch), "batch-changes/s")
			b.ReportMetric(rate(inTx), "tx-loop-changes/s")
			b.ReportMetric(rate(autocommit), "autocommit-loop-changes/s")
			b.ReportMetric(rate(batch)/rate(inTx), "x-vs-tx-loop")
			b.ReportMetric(rate(batch)/rate(autocommit), "x-vs-autocommit-loop")
		})
	}
}

// perChange runs f, which returns the number of changes it handled, and
// reports the memory allocated per change meanwhile, from the runtime's
// counters, as B/change and allocs/change.
func perChange(b *testing.B, f func() (changes int)) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	changes := f()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(changes), "B/change")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(changes), "allocs/change")
}

// copyRows is a CopyFromSource over rows already encoded.
type copyRows struct {
	rows [][]any
	next int
}

func (r *copyRows) Next() bool             { r.next++; return r.next <= len(r.rows) }
func (r *copyRows) Values() ([]any, error) { return r.rows[r.next-1], nil }
func (r *copyRows) Err() error             { return nil }

// encodedRows returns the rows Save stores for changes, encoded with the
// JSON codec, in the order of the table's columns.
func encodedRows(b *testing.B, changes unionstore.Changes[storetest.Item]) [][]any {
	var rows [][]any
	err := eachRow(changes, func(args ...any) error {
		rows = append(rows, args)
		return nil
	})
	if err != nil {
		b.Fatalf("encode: %v", err)
	}
	return rows
}

// BenchmarkSaveVersusCopy measures, in one run, Save against what
// PostgreSQL itself ingests: COPY of the same rows, already encoded, into
// an unlogged table with the same columns and primary key, which writes no
// write-ahead log and checks nothing but the key. Each iteration saves a
// batch of 10,000 changes of new identities with Save, and copies the same
// rows, in an order that alternates between iterations, each into a table
// of its own. It reports changes per second for each and the ratio of
// Save's rate to the copy's, x-of-copy, over the same iterations; and the
// memory Save allocates per change.
func BenchmarkSaveVersusCopy(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	pool := adminPool(b)
	s := newStore(b)
	copyTable := newTable(b)
	schema, err := pgstore.SchemaSQL(pgstore.WithTable(copyTable))
	if err != nil {
		b.Fatalf("SchemaSQL: %v", err)
	}
	if _, err := pool.Exec(ctx, strings.Replace(schema, "CREATE TABLE", "CREATE UNLOGGED TABLE", 1)); err != nil {
		b.Fatalf("create the unlogged table: %v", err)
	}
	columns := []string{"namespace", "kind", "id", "change_type", "ts", "payload"}
	var saveTook, copyTook time.Duration
	var saveMem, saveAllocs uint64
	iter := 0
	for b.Loop() {
		iter++
		changes := benchBatch(iter, n, true)
		rows := encodedRows(b, changes)
		save := func() {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			if err := s.Save(ctx, changes); err != nil {
				b.Fatalf("save: %v", err)
			}
			saveTook += time.Since(start)
			runtime.ReadMemStats(&after)
			saveMem += after.TotalAlloc - before.TotalAlloc
			saveAllocs += after.Mallocs - before.Mallocs
		}
		copyIn := func() {
			start := time.Now()
			if _, err := pool.CopyFrom(ctx, pgx.Identifier{copyTable}, columns, &copyRows{rows: rows}); err != nil {
				b.Fatalf("copy: %v", err)
			}
			copyTook += time.Since(start)
		}
		if iter%2 == 0 {
			save()
			copyIn()
		} else {
			copyIn()
			save()
		}
	}
	saved := float64(iter * n)
	b.ReportMetric(saved/saveTook.Seconds(), "save-changes/s")
	b.ReportMetric(saved/copyTook.Seconds(), "copy-changes/s")
	b.ReportMetric(copyTook.Seconds()/saveTook.Seconds(), "x-of-copy")
	b.ReportMetric(float64(saveMem)/saved, "save-B/change")
	b.ReportMetric(float64(saveAllocs)/saved, "save-allocs/change")
}

// BenchmarkRead reads a namespace of 100,000 entities, in one run: one
// entity with Get, 100 with GetMany and with 100 calls to Get, and the
// whole namespace with Load and with Scan. Memory per change is reported
// for the reads of the whole namespace.
func BenchmarkRead(b *testing.B) {
	const entities, many = 100000, 100
	ctx := context.Background()
	s := newStore(b)
	for i := 0; i < entities; i += 10000 {
		batch := make(unionstore.Changes[storetest.Item], 10000)
		for j := range batch {
			batch[j] = set("bench", "k", fmt.Sprintf("%09d", i+j), "some value", at(i+j))
		}
		if err := s.Save(ctx, batch); err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
	if _, err := adminPool(b).Exec(ctx, "VACUUM ANALYZE "+s.Table()); err != nil {
		b.Fatalf("vacuum: %v", err)
	}
	keys := make([]pgstore.Key, many)
	for i := range keys {
		keys[i] = pgstore.Key{Kind: "k", ID: fmt.Sprintf("%09d", i*(entities/many)+7)}
	}
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, ok, err := s.Get(ctx, "bench", "k", fmt.Sprintf("%09d", i*7919%entities)); err != nil || !ok {
				b.Fatalf("Get = %v, %v", ok, err)
			}
		}
	})
	b.Run(fmt.Sprintf("get-%d", many), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, k := range keys {
				if _, ok, err := s.Get(ctx, "bench", k.Kind, k.ID); err != nil || !ok {
					b.Fatalf("Get = %v, %v", ok, err)
				}
			}
		}
	})
	b.Run(fmt.Sprintf("getmany-%d", many), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, err := s.GetMany(ctx, "bench", keys); err != nil || len(got) != many {
				b.Fatalf("GetMany = %d changes, %v", len(got), err)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		perChange(b, func() (changes int) {
			for b.Loop() {
				got, err := s.Load(ctx, "bench")
				if err != nil || len(got) != entities {
					b.Fatalf("Load = %d changes, %v", len(got), err)
				}
				changes += len(got)
			}
			return changes
		})
	})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		perChange(b, func() (changes int) {
			for b.Loop() {
				n := 0
				for _, err := range s.Scan(ctx, "bench") {
					if err != nil {
						b.Fatalf("Scan: %v", err)
					}
					n++
				}
				if n != entities {
					b.Fatalf("Scan yielded %d changes, want %d", n, entities)
				}
				changes += n
			}
			return changes
		})
	})
}
