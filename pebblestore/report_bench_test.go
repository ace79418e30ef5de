package pebblestore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// The engines compared with each other in one run (pebble and bolt) are
// benchmarked in the repository's integration module, so that this module
// needs no other backend.

// reportStore returns a store in a fresh, synced directory.
func reportStore(b *testing.B) unionstore.Store[storetest.Item] { return open(b) }

// BenchmarkReportBatchSize runs [storetest.BenchmarkBatchSize] on reportStore.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, reportStore) }

// BenchmarkReportLoad runs [storetest.BenchmarkLoad] on reportStore.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, reportStore) }

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on reportStore at
// 10k, 100k and 1M entities, for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, reportStore) }
