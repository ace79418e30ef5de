package pgstore_test

import (
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*pgstore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*pgstore.Store[storetest.Item])(nil)
)
