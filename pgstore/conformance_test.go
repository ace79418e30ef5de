package pgstore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestConformance(t *testing.T) {
	adminPool(t)
	forEachSavePath(t, testConformance)
}

func testConformance(t *testing.T) {
	t.Run("store owning its pool", func(t *testing.T) {
		open := func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			s, err := pgstore.OpenURL[storetest.Item](context.Background(), server.URLWith(t, "table", table), pgstore.WithCreateSchema())
			return storetest.Closing(t, "OpenURL", s, err)
		}
		newStore, reopen := storetest.Named(newTable, open, open)
		storetest.Run(t, newStore, reopen)
	})
	t.Run("store on a shared pool", func(t *testing.T) {
		pool := adminPool(t)
		newStore, reopen := storetest.Named(newTable, func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			return newStoreOn(t, pool, table, pgstore.WithPageSize(7))
		}, func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			return newStoreOn(t, pool, table)
		})
		storetest.Run(t, newStore, reopen)
	})
	// The suite skips its watch cases, since Snapshot says the table has
	// no feed.
	t.Run("store without the change feed", func(t *testing.T) {
		pool := adminPool(t)
		open := func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			return newStoreOn(t, pool, table, pgstore.WithoutChangeFeed())
		}
		newStore, reopen := storetest.Named(newTable, open, open)
		storetest.Run(t, newStore, reopen)
	})
}
