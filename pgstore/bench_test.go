package pgstore_test

import (
	"context"
	"fmt"
	"runtime"
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

// BenchmarkSaveVersusCopy measures, in one run, Save and the designs it
// could use against what PostgreSQL itself ingests: COPY of the same rows,
// already encoded, into an unlogged table with the same columns and
// primary key, which writes no write-ahead log and checks nothing but the
// key. It runs for batches of 100, 1,000 and 10,000 changes, of new
// identities ("new") and of identities the tables hold ("existing", whose
// unlogged table is emptied before each copy, untimed).
//
// Each iteration writes the same batch, in an order that rotates between
// iterations, into a table of its own for each of: the copy; Save; and
// each of [designs], which take the batch already encoded, as the copy
// does: the upsert (arrays, or COPY into a temporary table first), MERGE
// (the same two ways), the same four without the timestamp condition, the
// floors, and a plain insert falling back to the upsert (from arrays, or
// by COPY into the table), which Save now uses. It reports the rate of each, <name>-changes/s, and its ratio
// to the copy's over the same iterations, <name>-x-of-copy; for Save these
// are save-changes/s and x-of-copy, with the memory Save allocates per
// change.
func BenchmarkSaveVersusCopy(b *testing.B) {
	for _, w := range workloads {
		for _, n := range []int{100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/%d", w.name, n), func(b *testing.B) { benchSaveVersusCopy(b, n, w.fresh) })
		}
	}
}

func benchSaveVersusCopy(b *testing.B, n int, fresh bool) {
	ctx := context.Background()
	pool := adminPool(b)
	type writer struct {
		name  string
		table string
		write func(changes unionstore.Changes[storetest.Item], cols batchColumns) error
		took  time.Duration
	}
	copyTable := newTable(b)
	createUnlogged(b, pool, copyTable)
	copyIn := &writer{name: "copy", table: copyTable, write: func(_ unionstore.Changes[storetest.Item], cols batchColumns) error {
		_, err := pool.CopyFrom(ctx, pgx.Identifier{copyTable}, batchColumnNames, &copyRows{rows: cols.rows()})
		return err
	}}
	s := newStore(b)
	var saveMem, saveAllocs uint64
	save := &writer{name: "save", table: s.Table(), write: func(changes unionstore.Changes[storetest.Item], _ batchColumns) error {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := s.Save(ctx, changes)
		runtime.ReadMemStats(&after)
		saveMem += after.TotalAlloc - before.TotalAlloc
		saveAllocs += after.Mallocs - before.Mallocs
		return err
	}}
	writers := []*writer{copyIn, save}
	for _, d := range designs {
		table := newStore(b).Table()
		writers = append(writers, &writer{name: d.name, table: table, write: func(_ unionstore.Changes[storetest.Item], cols batchColumns) error {
			return d.save(ctx, pool, table, cols)
		}})
	}
	if !fresh {
		fill := benchBatch(0, n, false)
		cols := columnsOf(b, fill)
		for _, wr := range writers {
			if err := wr.write(fill, cols); err != nil {
				b.Fatalf("%s: fill: %v", wr.name, err)
			}
		}
		saveMem, saveAllocs = 0, 0
	}
	iter := 0
	for b.Loop() {
		iter++
		changes := benchBatch(iter, n, fresh)
		cols := columnsOf(b, changes)
		for j := range writers {
			wr := writers[(iter+j)%len(writers)]
			if wr == copyIn && !fresh {
				if _, err := pool.Exec(ctx, "TRUNCATE "+pgx.Identifier{copyTable}.Sanitize()); err != nil {
					b.Fatalf("empty the unlogged table: %v", err)
				}
			}
			start := time.Now()
			if err := wr.write(changes, cols); err != nil {
				b.Fatalf("%s: %v", wr.name, err)
			}
			wr.took += time.Since(start)
		}
	}
	saved := float64(iter * n)
	for _, wr := range writers {
		rate := saved / wr.took.Seconds()
		b.ReportMetric(rate, wr.name+"-changes/s")
		if wr == save {
			b.ReportMetric(copyIn.took.Seconds()/wr.took.Seconds(), "x-of-copy")
		} else if wr != copyIn {
			b.ReportMetric(copyIn.took.Seconds()/wr.took.Seconds(), wr.name+"-x-of-copy")
		}
	}
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
