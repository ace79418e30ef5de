package s3store_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// reportStore returns a store on the in-process S3 server that compacts
// nothing on its own, so that every Save writes one segment.
func reportStore(b *testing.B) unionstore.Store[storetest.Item] {
	s, _ := newFakeS3(b, false).server().newStore(b, s3store.WithMaxSegments(0))
	return s
}

// BenchmarkReportBatchSize runs [storetest.BenchmarkBatchSize] on reportStore.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, reportStore) }

// BenchmarkReportLoad runs [storetest.BenchmarkLoad] on reportStore.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, reportStore) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on reportStore at
// 10k and 100k entities (to 100k: the in-process or shared test server
// holds the whole namespace in memory), for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, reportStore, 10_000, 100_000) }
