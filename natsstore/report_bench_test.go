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

// BenchmarkReportGrowth runs [storetest.BenchmarkGrowth] on reportStore,
// for the report's growth charts.
func BenchmarkReportGrowth(b *testing.B) { storetest.BenchmarkGrowth(b, reportStore) }
