package pgstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkReportBatchSize saves batches of new entities of growing size,
// each Save on its own, and reports changes per second; allocs/op divided
// by the batch size is the allocations per change.
func BenchmarkReportBatchSize(b *testing.B) { storetest.BenchmarkBatchSize(b, reportStore) }

// BenchmarkReportLoad loads a namespace of 10,000 entities; allocs/op
// divided by 10,000 is the allocations per change.
func BenchmarkReportLoad(b *testing.B) { storetest.BenchmarkLoad(b, reportStore) }

// reportStore returns a store on a table of its own on the server of
// UNIONSTORE_POSTGRES_URL.
func reportStore(b *testing.B) unionstore.Store[storetest.Item] { return newStore(b) }
