package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// server is the Redis server the tests use.
var server = storetest.Server{Name: "Redis", EnvVar: "UNIONSTORE_REDIS_URL", Default: "redis://127.0.0.1:6379/0"}

func serverURL() string { return server.URL() }

// admin is a client shared by the tests for setting up and checking keys.
// It deletes the keys of the prefixes of newPrefix when their test ends,
// and those of the examples after the run.
var admin = storetest.Shared[*redis.Client]{Server: server, Open: openClient, Release: (*redis.Client).Close, Remove: deleteKeys}

// adminClient returns the shared client. It skips the test when no server
// answers, or fails it when the CI variable is set.
func adminClient(tb testing.TB) *redis.Client {
	tb.Helper()
	return admin.Get(tb)
}

// openClient returns a client on the server of url once it answers a
// ping, and closes it otherwise.
func openClient(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// newClient returns a client of its own on the tests' server, standing for
// another process, closed when the test ends.
func newClient(tb testing.TB) *redis.Client {
	tb.Helper()
	return admin.Own(tb)
}

// TestMain runs the tests, skipping the examples that need a server when
// none answers, and then deletes the examples' keys and closes the shared
// client, so that the leak check that follows finds none of its
// goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(admin.Main(m, serverExamples))
}

// newPrefix returns a prefix unique to the test, whose keys are deleted
// when the test ends.
func newPrefix(tb testing.TB) string {
	tb.Helper()
	return admin.Scratch(tb, "unionstore-test-")
}

// prefixKeys returns the keys of prefix, found by SCAN.
func prefixKeys(tb testing.TB, prefix string) []string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys, err := scanKeys(ctx, adminClient(tb), prefix)
	if err != nil {
		tb.Fatalf("scan keys of prefix %s: %v", prefix, err)
	}
	return keys
}

// scanKeys returns the keys of prefix: those of its namespaces, {PREFIX:...},
// and its index, {PREFIX}... ('{' is no pattern character).
func scanKeys(ctx context.Context, c *redis.Client, prefix string) ([]string, error) {
	var out []string
	for _, pattern := range []string{"{" + prefix + ":*", "{" + prefix + "}*"} {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deleteKeys deletes the keys of prefix.
func deleteKeys(ctx context.Context, c *redis.Client, prefix string) error {
	keys, err := scanKeys(ctx, c, prefix)
	if err != nil || len(keys) == 0 {
		return err
	}
	return c.Unlink(ctx, keys...).Err()
}

// newStore returns a store on a fresh prefix of its own, on the shared
// client.
func newStore(tb testing.TB, opts ...redisstore.Option) *redisstore.Store[storetest.Item] {
	tb.Helper()
	return newStoreOn(tb, adminClient(tb), newPrefix(tb), opts...)
}

// newStoreOn returns a store on prefix through client.
func newStoreOn(tb testing.TB, client *redis.Client, prefix string, opts ...redisstore.Option) *redisstore.Store[storetest.Item] {
	tb.Helper()
	opts = append([]redisstore.Option{redisstore.WithPrefix(prefix)}, opts...)
	s, err := redisstore.New[storetest.Item](context.Background(), client, opts...)
	return storetest.Closing(tb, "New", s, err)
}

// set and unset make the tests' changes: see [storetest.Set].
var set, unset = storetest.Set, storetest.Unset

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Nanosecond) }

func redisZ(member string) redis.Z { return redis.Z{Member: member} }
