package pgstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// rowByRow saves changes through pool the way a store without batching
// would: one upsert statement, and one round trip, per change, all in one
// transaction. It is the baseline of BenchmarkSave.
func rowByRow(ctx context.Context, pool *pgxpool.Pool, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
	upsert := `INSERT INTO ` + s.Table() + ` AS t (namespace, kind, id, change_type, ts, payload)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (namespace, kind, id) DO UPDATE
SET change_type = excluded.change_type, ts = excluded.ts, payload = excluded.payload
WHERE t.ts <= excluded.ts`
	codec := unionstore.JSONCodec[storetest.Item]()
	changes = unionstore.Compact(changes)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, c := range changes {
			p, err := codec.Encode(c.Entity)
			if err != nil {
				return err
			}
			ns, kind, id := c.Key()
			if _, err := tx.Exec(ctx, upsert, ns, kind, id, string(c.ChangeType), c.Timestamp.UnixNano(), p); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkSave saves batches of 10,000 changes through Save, which sends
// each batch as one statement, and through the row-by-row baseline, and
// reports changes per second. "new" batches add identities the table does
// not hold; "existing" batches overwrite the same identities with later
// timestamps.
func BenchmarkSave(b *testing.B) {
	const n = 10000
	batch := func(iter int, fresh bool) unionstore.Changes[storetest.Item] {
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
	for _, workload := range []struct {
		name  string
		fresh bool
	}{{"new", true}, {"existing", false}} {
		for _, saver := range []struct {
			name string
			save func(ctx context.Context, b *testing.B, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error
		}{
			{"batch", func(ctx context.Context, _ *testing.B, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
				return s.Save(ctx, changes)
			}},
			{"row-by-row", func(ctx context.Context, b *testing.B, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
				return rowByRow(ctx, adminPool(b), s, changes)
			}},
		} {
			b.Run(workload.name+"/"+saver.name, func(b *testing.B) {
				ctx := context.Background()
				s := newStore(b)
				if !workload.fresh {
					if err := s.Save(ctx, batch(0, false)); err != nil {
						b.Fatalf("fill: %v", err)
					}
				}
				b.ReportAllocs()
				iter := 1
				for b.Loop() {
					b.StopTimer()
					changes := batch(iter, workload.fresh)
					iter++
					b.StartTimer()
					if err := saver.save(ctx, b, s, changes); err != nil {
						b.Fatalf("save: %v", err)
					}
				}
				b.ReportMetric(float64((iter-1)*n)/b.Elapsed().Seconds(), "changes/s")
			})
		}
	}
}
