package redisstore_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// clusterVar names the environment variable that lists the addresses of a
// Redis Cluster, comma-separated, for the tests that need one; they skip
// when it is not set, in CI too, since CI runs a single server.
const clusterVar = "UNIONSTORE_REDIS_CLUSTER_ADDRS"

// newClusterClient returns a client of its own on the cluster, closed when
// the test ends, or skips the test.
func newClusterClient(t *testing.T) *redis.ClusterClient {
	t.Helper()
	addrs := os.Getenv(clusterVar)
	if addrs == "" {
		t.Skipf("no Redis Cluster: set %s to its addresses, comma-separated", clusterVar)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping the cluster at %s: %v", addrs, err)
	}
	return c
}

// clusterPrefix returns a prefix unique to the test whose keys, on every
// master, are deleted when the test ends.
func clusterPrefix(t *testing.T, c *redis.ClusterClient) string {
	prefix := storetest.UniqueName("unionstore-test-")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var mu sync.Mutex
		var keys []string
		err := c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			found, err := scanKeys(ctx, node, prefix)
			mu.Lock()
			keys = append(keys, found...)
			mu.Unlock()
			return err
		})
		for _, k := range keys {
			err = errors.Join(err, c.Unlink(ctx, k).Err())
		}
		if err != nil {
			t.Errorf("delete keys of prefix %s: %v", prefix, err)
		}
	})
	return prefix
}

func newClusterStore(t *testing.T, c *redis.ClusterClient, prefix string) *redisstore.Store[storetest.Item] {
	t.Helper()
	s, err := redisstore.New[storetest.Item](context.Background(), c, redisstore.WithPrefix(prefix), redisstore.WithPageSize(5))
	if err != nil {
		t.Fatalf("New on the cluster: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestCluster runs the suite and the concurrent writers on a Redis
// Cluster, where a prefix's namespaces and its index are spread over the
// masters' slots.
func TestCluster(t *testing.T) {
	c := newClusterClient(t)
	t.Run("conformance", func(t *testing.T) {
		prefixes := map[unionstore.Store[storetest.Item]]string{}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			prefix := clusterPrefix(t, c)
			s := newClusterStore(t, c, prefix)
			prefixes[s] = prefix
			return s
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return newClusterStore(t, newClusterClient(t), prefixes[closed])
		}))
	})
	t.Run("concurrent writers", func(t *testing.T) {
		prefix := clusterPrefix(t, c)
		stores := make([]unionstore.Store[storetest.Item], 3)
		for i := range stores {
			stores[i] = newClusterStore(t, newClusterClient(t), prefix)
		}
		writes := storetest.Writes{Writers: 12, SavesPerWriter: 25, MaxBatch: 20, IDs: 30, Timestamps: 200,
			Namespaces: []string{"a", "b", "c", "d", "e:{f}"}, Seed: 2}
		for _, d := range storetest.ConcurrentWriters(t, stores, stores[0], writes) {
			t.Error(d)
		}
	})
	t.Run("index under purge races", func(t *testing.T) {
		prefix := clusterPrefix(t, c)
		var stores []*redisstore.Store[storetest.Item]
		for range 4 {
			stores = append(stores, newClusterStore(t, newClusterClient(t), prefix))
		}
		indexUnderPurgeRaces(t, c, stores, prefix)
	})
}
