package mysqlstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestConformance(t *testing.T) {
	adminDB(t)
	t.Run("store owning its pool", func(t *testing.T) {
		tables := map[unionstore.Store[storetest.Item]]string{}
		open := func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			s := openStore(t, table)
			tables[s] = table
			return s
		}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			return open(t, newTable(t))
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return open(t, tables[closed])
		}))
	})
	t.Run("store on a shared pool, pages of 7 rows", func(t *testing.T) {
		db := adminDB(t)
		tables := map[unionstore.Store[storetest.Item]]string{}
		open := func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			s := newStoreOn(t, db, table, mysqlstore.WithPageSize(7))
			tables[s] = table
			return s
		}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			return open(t, newTable(t))
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return open(t, tables[closed])
		}))
	})
}

// TestPurgeDurable purges many tombstones, in several DELETEs of a bounded
// size, and counts what is left after a reopen.
func TestPurgeDurable(t *testing.T) {
	adminDB(t)
	tables := map[unionstore.Store[storetest.Item]]string{}
	open := func(t *testing.T, table string) unionstore.Store[storetest.Item] {
		s := openStore(t, table)
		tables[s] = table
		return s
	}
	storetest.RunPurgeDurable(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t, newTable(t))
	}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
		return open(t, tables[closed])
	}))
}
