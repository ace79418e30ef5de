package natsstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// reportStore returns a store on a stream of its own on the server of
// UNIONSTORE_NATS_URL.
func reportStore(b *testing.B) unionstore.Store[storetest.Item] { return newStore(b) }

// BenchmarkReportBatchSize runs [storetest.BenchmarkBatchSize] on reportStore.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, reportStore) }

// BenchmarkReportLoad runs [storetest.BenchmarkLoad] on reportStore.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, reportStore) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on reportStore at
// 10k, 100k and 300k entities (to 300k, as its read growth runs: a fill
// of 1M, whose Save slows as the stream grows, would add minutes to the
// report), for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) {
	storetest.BenchmarkGrowth(b, reportStore, 10_000, 100_000, 300_000)
}
