package redisstore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// The server keeps nothing on disk, so a reopen here is a new client on the
// same server and prefix: what the suite checks is that nothing of a store
// lives in the client.
func TestConformance(t *testing.T) {
	adminClient(t)
	t.Run("store owning its client", func(t *testing.T) {
		prefixes := map[unionstore.Store[storetest.Item]]string{}
		open := func(t *testing.T, prefix string) unionstore.Store[storetest.Item] {
			s, err := redisstore.OpenURL[storetest.Item](context.Background(), prefixURL(t, prefix))
			if err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			prefixes[s] = prefix
			return s
		}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			return open(t, newPrefix(t))
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return open(t, prefixes[closed])
		}))
	})
	t.Run("store on a shared client with small pages", func(t *testing.T) {
		client := adminClient(t)
		prefixes := map[unionstore.Store[storetest.Item]]string{}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			prefix := newPrefix(t)
			s := newStoreOn(t, client, prefix, redisstore.WithPageSize(3))
			prefixes[s] = prefix
			return s
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return newStoreOn(t, newClient(t), prefixes[closed], redisstore.WithPageSize(3))
		}))
	})
}

// TestPurgeDurable runs the suite's purges at scale: many tombstones
// purged across pages, counted again by a store on another client.
func TestPurgeDurable(t *testing.T) {
	prefixes := map[unionstore.Store[storetest.Item]]string{}
	storetest.RunPurgeDurable(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		prefix := newPrefix(t)
		s := newStoreOn(t, adminClient(t), prefix)
		prefixes[s] = prefix
		return s
	}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
		return newStoreOn(t, newClient(t), prefixes[closed])
	}))
}
