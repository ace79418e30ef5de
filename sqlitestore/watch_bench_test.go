package sqlitestore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch measures the feed's delivery latency and rate beside
// those of the raw feed ([sqlitestore.RawWatch]: the same polling query,
// woken the same way, without records or decoding), on a file synced at
// each commit (the default): see [storetest.BenchmarkWatch]. Both rates
// are bounded by Save's: a feed can deliver no faster than changes
// commit.
func BenchmarkWatch(b *testing.B) {
	s := open(b)
	storetest.BenchmarkWatch(b, s, storetest.PollFeed(s, func(ctx context.Context, ns string, after unionstore.Cursor, arrive func(string)) error {
		return sqlitestore.RawWatch(ctx, s, ns, after, arrive)
	}))
}
