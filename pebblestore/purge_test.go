package pebblestore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*pebblestore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*pebblestore.Store[storetest.Item])(nil)
)

// TestPurgeDurable purges more tombstones than one transaction takes and
// checks the rest after a reopen, and checks that a read-only store
// refuses purges.
func TestPurgeDurable(t *testing.T) {
	reopen := func(opts ...pebblestore.Option) func(*testing.T, unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
		return func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return openAt(t, closed.(*pebblestore.Store[storetest.Item]).Dir(), opts...)
		}
	}
	storetest.RunPurgeDurable(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t, pebblestore.WithNoSync())
	}, storetest.WithReopen(reopen()), storetest.WithReadOnlyReopen(reopen(pebblestore.WithReadOnly())))
}
