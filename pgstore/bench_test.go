package pgstore_test

import (
	"context"
	"fmt"
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
