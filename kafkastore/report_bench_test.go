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
