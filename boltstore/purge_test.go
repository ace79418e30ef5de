package boltstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*boltstore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*boltstore.Store[storetest.Item])(nil)
)

// TestPurgeDurable purges more tombstones than one transaction takes and
// checks the rest after a reopen, and checks that a read-only store
// refuses purges.
func TestPurgeDurable(t *testing.T) {
	storetest.RunPurgeDurable(t, factory(boltstore.WithNoSync()), storetest.WithReopen(reopen()), storetest.WithReadOnlyReopen(reopen(boltstore.WithReadOnly())))
}
