package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"net/url"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// server is the Redis server the tests use.
var server = storetest.Server{Name: "Redis", EnvVar: "UNIONSTORE_REDIS_URL", Default: "redis://127.0.0.1:6379/0"}

func serverURL() string { return server.URL() }

// admin is a client shared by the tests for setting up and checking keys.
var admin = storetest.Shared[*redis.Client]{Server: server, Open: func(ctx context.Context, _ string) (*redis.Client, error) { return openClient(ctx) }}

// adminClient returns the shared client. It skips the test when no server
// answers, or fails it when the CI variable is set.
func adminClient(tb testing.TB) *redis.Client {
	tb.Helper()
	return admin.Get(tb)
}

// openClient returns a client on the tests' server once it answers a ping,
// and closes it otherwise.
func openClient(ctx context.Context) (*redis.Client, error) {
	opts, err := redis.ParseURL(serverURL())
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
	adminClient(tb)
	c, err := openClient(context.Background())
	if err != nil {
		tb.Fatalf("open client: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(closingAdmin{m})
}

// closingAdmin runs the tests, deletes the examples' keys and closes the
// shared client, so that the leak check that follows finds none of its
// goroutines.
type closingAdmin struct{ m *testing.M }

func (c closingAdmin) Run() int {
	flag.Parse() // so that the examples that need a server can be skipped
	skipServerExamples()
	code := c.m.Run()
	deleteExampleKeys()
	_ = admin.Close((*redis.Client).Close)
	return code
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newPrefix returns a prefix unique to the test, whose keys are deleted
// when the test ends.
func newPrefix(tb testing.TB) string {
	tb.Helper()
	c := adminClient(tb)
	prefix := "unionstore-test-" + randomHex(6)
	tb.Cleanup(func() {
		if err := deleteKeys(c, prefix); err != nil {
			tb.Errorf("delete keys of prefix %s: %v", prefix, err)
		}
	})
	return prefix
}

// prefixKeys returns the keys of prefix, found by SCAN.
func prefixKeys(tb testing.TB, prefix string) []string {
	tb.Helper()
	keys, err := scanKeys(adminClient(tb), prefix)
	if err != nil {
		tb.Fatalf("scan keys of prefix %s: %v", prefix, err)
	}
	return keys
}

// scanKeys returns the keys of prefix: those of its namespaces, {PREFIX:...},
// and its index, {PREFIX}... ('{' is no pattern character).
func scanKeys(c *redis.Client, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
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

func deleteKeys(c *redis.Client, prefix string) error {
	keys, err := scanKeys(c, prefix)
	if err != nil || len(keys) == 0 {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.Unlink(ctx, keys...).Err()
}

// prefixURL returns the server's URL naming prefix.
func prefixURL(tb testing.TB, prefix string) string {
	tb.Helper()
	u, err := url.Parse(serverURL())
	if err != nil {
		tb.Fatalf("parse %s: %v", server.EnvVar, err)
	}
	q := u.Query()
	q.Set("prefix", prefix)
	u.RawQuery = q.Encode()
	return u.String()
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
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func set(ns, kind, id, value string, ts time.Time) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: storetest.Item{Kind: kind, ID: id, Value: value}, Timestamp: ts}
}

func unset(ns, kind, id string, ts time.Time) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeUnset, Entity: storetest.Item{Kind: kind, ID: id}, Timestamp: ts}
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Nanosecond) }

func redisZ(member string) redis.Z { return redis.Z{Member: member} }
