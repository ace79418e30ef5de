package mysqlstore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch measures the feed's delivery latency and rate beside
// those of the raw feed ([mysqlstore.RawWatch]: the same polling query,
// woken the same way, without records or decoding): see
// [storetest.BenchmarkWatch]. Both rates are bounded by Save's: a feed
// can deliver no faster than changes commit.
func BenchmarkWatch(b *testing.B) {
	s := openStore(b, newTable(b))
	raw := func(ctx context.Context, ns string, after unionstore.Cursor, arrive func(string)) error {
		return mysqlstore.RawWatch(ctx, s, ns, after, func(id []byte) { arrive(string(id)) })
	}
	storetest.BenchmarkWatch(b, s, storetest.PollFeed(s, raw))
}
