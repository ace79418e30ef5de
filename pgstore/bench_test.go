package pgstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkSave saves batches of 10,000 changes, once through Save (one
// statement per batch) and once as a loop of one-row upserts in one
// transaction, the way a store without batching would, and reports changes
// per second. Each iteration rewrites the same 10,000 identities with later
// timestamps, so every iteration after the first updates rows.
func BenchmarkSave(b *testing.B) {
	const n = 10000
	codec := unionstore.JSONCodec[storetest.Item]()
	batch := func(iter int) unionstore.Changes[storetest.Item] {
		out := make(unionstore.Changes[storetest.Item], n)
		for i := range out {
			out[i] = set("bench", "k", fmt.Sprintf("%06d", i), "some value", at(iter*n+i))
			out[i].Entity.N = i
		}
		return out
	}
	for _, bm := range []struct {
		name string
		save func(b *testing.B, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error
	}{
		{"batch", func(b *testing.B, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
			return s.Save(context.Background(), changes)
		}},
		{"row-by-row", func(b *testing.B, s *pgstore.Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
			upsert := `INSERT INTO ` + s.Table() + ` AS t (namespace, kind, id, change_type, ts, payload)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (namespace, kind, id) DO UPDATE
SET change_type = excluded.change_type, ts = excluded.ts, payload = excluded.payload
WHERE t.ts <= excluded.ts`
			return pgx.BeginFunc(context.Background(), adminPool(b), func(tx pgx.Tx) error {
				for _, c := range changes {
					p, err := codec.Encode(c.Entity)
					if err != nil {
						return err
					}
					ns, kind, id := c.Key()
					if _, err := tx.Exec(context.Background(), upsert, ns, kind, id, string(c.ChangeType), c.Timestamp.UnixNano(), p); err != nil {
						return err
					}
				}
				return nil
			})
		}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			s := newStore(b)
			b.ReportAllocs()
			iter := 0
			for b.Loop() {
				b.StopTimer()
				changes := batch(iter)
				iter++
				b.StartTimer()
				if err := bm.save(b, s, changes); err != nil {
					b.Fatalf("save: %v", err)
				}
			}
			b.ReportMetric(float64(iter*n)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}
