package pgstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// reportStore returns a store on a table of its own on the server of
// UNIONSTORE_POSTGRES_URL.
func reportStore(b *testing.B) unionstore.Store[storetest.Item] { return newStore(b) }

// BenchmarkReportBatchSize runs [storetest.BenchmarkBatchSize] on reportStore.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, reportStore) }

// BenchmarkReportLoad runs [storetest.BenchmarkLoad] on reportStore.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, reportStore) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on reportStore at
// 10k, 100k and 1M entities, for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, reportStore) }
