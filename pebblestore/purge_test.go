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
	storetest.RunPurgeDurable(t, factory(pebblestore.WithNoSync()), storetest.WithReopen(reopen()), storetest.WithReadOnlyReopen(reopen(pebblestore.WithReadOnly())))
}
