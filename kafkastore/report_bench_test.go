package kafkastore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// reportStore returns a store on a topic of its own.
func reportStore(b *testing.B) unionstore.Store[storetest.Item] { return open(b, newTopic(b)) }

// BenchmarkReportBatchSize runs [storetest.BenchmarkBatchSize] on reportStore.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, reportStore) }

// BenchmarkReportLoad runs [storetest.BenchmarkLoad] on reportStore.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, reportStore) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on reportStore at
// 10k and 100k entities (to 100k: the in-process or shared test server
// holds the whole namespace in memory), for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, reportStore, 10_000, 100_000) }
