package redisstore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// onOwnClient opens a store on prefix through a client of its own, as
// another process would, with opts.
func onOwnClient(opts ...redisstore.Option) func(t *testing.T, prefix string) unionstore.Store[storetest.Item] {
	return func(t *testing.T, prefix string) unionstore.Store[storetest.Item] {
		return newStoreOn(t, newClient(t), prefix, opts...)
	}
}

// The server keeps nothing on disk, so a reopen here is a new client on the
// same server and prefix: what the suite checks is that nothing of a store
// lives in the client.
func TestConformance(t *testing.T) {
	adminClient(t)
	t.Run("store owning its client", func(t *testing.T) {
		open := func(t *testing.T, prefix string) unionstore.Store[storetest.Item] {
			s, err := redisstore.OpenURL[storetest.Item](context.Background(), server.URLWith(t, "prefix", prefix))
			return storetest.Closing(t, "OpenURL", s, err)
		}
		newStore, reopen := storetest.Named(newPrefix, open, open)
		storetest.Run(t, newStore, reopen)
	})
	t.Run("store on a shared client with small pages", func(t *testing.T) {
		client := adminClient(t)
		newStore, reopen := storetest.Named(newPrefix, func(t *testing.T, prefix string) unionstore.Store[storetest.Item] {
			return newStoreOn(t, client, prefix, redisstore.WithPageSize(3))
		}, onOwnClient(redisstore.WithPageSize(3)))
		storetest.Run(t, newStore, reopen)
	})
}

// TestPurgeDurable runs the suite's purges at scale: many tombstones
// purged across pages, counted again by a store on another client.
func TestPurgeDurable(t *testing.T) {
	newStore, reopen := storetest.Named(newPrefix, func(t *testing.T, prefix string) unionstore.Store[storetest.Item] {
		return newStoreOn(t, adminClient(t), prefix)
	}, onOwnClient())
	storetest.RunPurgeDurable(t, newStore, reopen)
}
