package redisstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

func benchStore(b *testing.B) unionstore.Store[storetest.Item] { return newStore(b) }

// BenchmarkReportBatchSize is the suite's benchmark of Save by batch size, in the benchmark report.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, benchStore) }

// BenchmarkReportLoad is the suite's benchmark of Load, in the benchmark report.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, benchStore) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on benchStore at
// 10k, 100k and 1M entities, for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, benchStore) }

// rawValues returns the keys and values that the raw path SETs for
// changes: one key per identity under prefix, holding the value Save would
// store, encoded with the JSON codec.
func rawValues(b *testing.B, prefix string, changes unionstore.Changes[storetest.Item]) []any {
	codec := unionstore.JSONCodec[storetest.Item]()
	out := make([]any, 0, 2*len(changes))
	for _, c := range changes {
		p, err := codec.Encode(c.Entity)
		if err != nil {
			b.Fatalf("encode: %v", err)
		}
		ns, kind, id := c.Key()
		r := backend.Record{Namespace: ns, Kind: kind, ID: id, Type: c.ChangeType, Timestamp: c.Timestamp.UnixNano(), Payload: p}
		out = append(out, "{"+prefix+":"+ns+"}:raw:"+redisstore.Member(kind, id), redisstore.AppendValue(nil, r))
	}
	return out
}

// BenchmarkSaveVersusRaw measures, in one run, Save of n new changes to one
// namespace against Redis's own bulk path for the same records: one
// pipeline of plain SETs, one key per record, of the values Save stores,
// encoded before the timer (Save's time includes the codec). Each
// iteration runs both, in an order that alternates, on new identities.
// It reports the rate of each, save-changes/s and raw-changes/s, and
// x-of-raw, Save's rate over the raw path's.
func BenchmarkSaveVersusRaw(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("changes=%d", n), func(b *testing.B) {
			ctx := context.Background()
			client := adminClient(b)
			s := newStore(b)
			rawPrefix := newPrefix(b)
			var saveTook, rawTook time.Duration
			saved := 0
			iter := 0
			for b.Loop() {
				b.StopTimer()
				changes := storetest.Customers("bench", iter*n, n)
				raw := rawValues(b, rawPrefix, changes)
				b.StartTimer()
				save := func() {
					start := time.Now()
					if err := s.Save(ctx, changes); err != nil {
						b.Fatalf("Save: %v", err)
					}
					saveTook += time.Since(start)
				}
				setRaw := func() {
					start := time.Now()
					pipe := client.Pipeline()
					for i := 0; i < len(raw); i += 2 {
						pipe.Set(ctx, raw[i].(string), raw[i+1], 0)
					}
					if _, err := pipe.Exec(ctx); err != nil {
						b.Fatalf("raw SETs: %v", err)
					}
					rawTook += time.Since(start)
				}
				if iter%2 == 0 {
					save()
					setRaw()
				} else {
					setRaw()
					save()
				}
				saved += n
				iter++
			}
			saveRate := float64(saved) / saveTook.Seconds()
			rawRate := float64(saved) / rawTook.Seconds()
			b.ReportMetric(saveRate, "save-changes/s")
			b.ReportMetric(rawRate, "raw-changes/s")
			b.ReportMetric(saveRate/rawRate, "x-of-raw")
		})
	}
}
