package pgstore_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// urlWithTable returns the server's URL naming table.
func urlWithTable(t *testing.T, table string) string {
	t.Helper()
	u, err := url.Parse(serverURL())
	if err != nil {
		t.Fatalf("parse %s: %v", server.EnvVar, err)
	}
	q := u.Query()
	q.Set("table", table)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	adminPool(t)
	forEachSavePath(t, testConformance)
}

func testConformance(t *testing.T) {
	t.Run("store owning its pool", func(t *testing.T) {
		tables := map[unionstore.Store[storetest.Item]]string{}
		open := func(t *testing.T, table string) unionstore.Store[storetest.Item] {
			s, err := pgstore.OpenURL[storetest.Item](context.Background(), urlWithTable(t, table), pgstore.WithCreateSchema())
			if err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			tables[s] = table
			return s
		}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			return open(t, newTable(t))
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return open(t, tables[closed])
		}))
	})
	t.Run("store on a shared pool", func(t *testing.T) {
		pool := adminPool(t)
		tables := map[unionstore.Store[storetest.Item]]string{}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			table := newTable(t)
			s := newStoreOn(t, pool, table, pgstore.WithPageSize(7))
			tables[s] = table
			return s
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return newStoreOn(t, pool, tables[closed])
		}))
	})
}
