package mysqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// benchStore returns a store on a table of its own on the server of
// UNIONSTORE_MYSQL_URL, owning its pool as a user's store would.
func benchStore(b *testing.B) unionstore.Store[storetest.Item] { return openStore(b, newTable(b)) }

// BenchmarkReportBatchSize runs [storetest.BenchmarkBatchSize] on
// benchStore, for the benchmark report.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, benchStore) }

// BenchmarkReportLoad runs [storetest.BenchmarkLoad] on benchStore, for
// the benchmark report.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, benchStore) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on benchStore at
// 10k and 100k entities (to 100k, to keep the report's run short), for the
// report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, benchStore, 10_000, 100_000) }

// BenchmarkSaveVersusRaw measures Save of batches of new changes against
// the server's own bulk path for the same rows: plain multi-row INSERTs,
// split as Save splits a batch and run in one transaction as Save runs a
// split batch, into an empty table of their own, with no upsert. Each
// iteration saves one batch each way, one after the other, so that both
// meet the same load of the machine. The raw rows are encoded before they
// are timed; Save's time includes what the store does besides the
// statement: validation, compaction, encoding and the upsert's condition.
//
// It reports each way's changes per second and "x-of-raw", Save's rate
// over the raw path's, as the other engines' benchmarks do.
func BenchmarkSaveVersusRaw(b *testing.B) {
	codec := unionstore.JSONCodec[storetest.Item]()
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := openStore(b, newTable(b))
			raw := openStore(b, newTable(b))
			var saveTime, rawTime time.Duration
			iter := 0
			for b.Loop() {
				b.StopTimer()
				changes := storetest.Customers("bench", iter*n, n)
				recs := make([]backend.Record, n)
				for i, c := range changes {
					p, err := codec.Encode(c.Entity)
					if err != nil {
						b.Fatal(err)
					}
					ns, kind, id := c.Key()
					recs[i] = backend.Record{Namespace: ns, Kind: kind, ID: id, Type: c.ChangeType, Timestamp: c.Timestamp.UnixNano(), Payload: p}
				}
				iter++
				b.StartTimer()
				start := time.Now()
				if err := s.Save(ctx, changes); err != nil {
					b.Fatalf("Save: %v", err)
				}
				saveTime += time.Since(start)
				start = time.Now()
				if err := mysqlstore.RawInsert(ctx, raw, recs); err != nil {
					b.Fatalf("raw insert: %v", err)
				}
				rawTime += time.Since(start)
			}
			changes := float64(iter * n)
			b.ReportMetric(changes/saveTime.Seconds(), "save-changes/s")
			b.ReportMetric(changes/rawTime.Seconds(), "raw-changes/s")
			b.ReportMetric(rawTime.Seconds()/saveTime.Seconds(), "x-of-raw")
		})
	}
}
