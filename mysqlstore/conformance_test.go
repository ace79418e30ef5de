package mysqlstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// ownPool opens a store owning its pool on table, as storetest's factories
// and reopens want it.
func ownPool(t *testing.T, table string) unionstore.Store[storetest.Item] {
	return openStore(t, table)
}

func TestConformance(t *testing.T) {
	adminDB(t)
	t.Run("store owning its pool", func(t *testing.T) {
		newStore, reopen := storetest.Named(newTable, ownPool, ownPool)
		storetest.Run(t, newStore, reopen)
	})
	t.Run("store on a shared pool, pages of 7 rows", func(t *testing.T) {
		db := adminDB(t)
		onShared := func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			return newStoreOn(t, db, table, mysqlstore.WithPageSize(7))
		}
		newStore, reopen := storetest.Named(newTable, onShared, onShared)
		storetest.Run(t, newStore, reopen)
	})
}

// TestPurgeDurable purges many tombstones, in several DELETEs of a bounded
// size, and counts what is left after a reopen.
func TestPurgeDurable(t *testing.T) {
	adminDB(t)
	newStore, reopen := storetest.Named(newTable, ownPool, ownPool)
	storetest.RunPurgeDurable(t, newStore, reopen)
}
