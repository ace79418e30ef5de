package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// server is the PostgreSQL server the tests use.
var server = storetest.Server{Name: "PostgreSQL", EnvVar: "UNIONSTORE_POSTGRES_URL", Default: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}

func serverURL() string { return server.URL() }

// admin is a pool shared by the tests for setting up and checking tables.
var admin = storetest.Shared[*pgxpool.Pool]{Server: server, Open: openPool}

// adminPool returns the shared pool. It skips the test when no server is
// reachable, or fails it when the CI variable is set.
func adminPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return admin.Get(tb)
}

// openPool returns a pool on url once a connection answers a ping. When
// none does it closes the pool, whose health check would otherwise outlive
// the tests and fail the leak check, and returns the error.
func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(closingAdmin{m})
}

// closingAdmin runs the tests and then closes the shared pool, so that the
// leak check that follows finds none of its goroutines.
type closingAdmin struct{ m *testing.M }

func (c closingAdmin) Run() int {
	flag.Parse() // so that the examples that need a server can be skipped
	skipServerExamples()
	code := c.m.Run()
	dropExampleTables()
	_ = admin.Close(func(p *pgxpool.Pool) error {
		p.Close()
		return nil
	})
	return code
}

// newTable returns the name of a table unique to the test, dropped when the
// test ends.
func newTable(tb testing.TB) string {
	tb.Helper()
	pool := adminPool(tb)
	name := "unionstore_test_" + randomHex(6)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
			tb.Errorf("drop table %s: %v", name, err)
		}
	})
	return name
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newPool returns a pool of its own, closed when the test ends, whose
// connections carry appName so that the test can find their backends.
func newPool(tb testing.TB, appName string) *pgxpool.Pool {
	tb.Helper()
	adminPool(tb)
	cfg, err := pgxpool.ParseConfig(serverURL())
	if err != nil {
		tb.Fatalf("parse %s: %v", server.EnvVar, err)
	}
	if appName != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = appName
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("pgxpool.NewWithConfig: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// newStore returns a store on a fresh table of its own, on the shared pool.
func newStore(tb testing.TB, opts ...pgstore.Option) *pgstore.Store[storetest.Item] {
	tb.Helper()
	return newStoreOn(tb, adminPool(tb), newTable(tb), opts...)
}

// newStoreOn returns a store on table through pool, creating the table.
func newStoreOn(tb testing.TB, pool *pgxpool.Pool, table string, opts ...pgstore.Option) *pgstore.Store[storetest.Item] {
	tb.Helper()
	opts = append([]pgstore.Option{pgstore.WithTable(table), pgstore.WithCreateSchema()}, opts...)
	s, err := pgstore.New[storetest.Item](context.Background(), pool, opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// rowCount returns the number of rows in table.
func rowCount(tb testing.TB, table string) int {
	tb.Helper()
	var n int
	err := adminPool(tb).QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n)
	if err != nil {
		tb.Fatalf("count rows of %s: %v", table, err)
	}
	return n
}

func set(ns, kind, id, value string, ts time.Time) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: storetest.Item{Kind: kind, ID: id, Value: value}, Timestamp: ts}
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Nanosecond) }

// forEachSavePath runs test twice: with every batch sent as arrays to one
// statement, and with every batch copied into a temporary table and merged,
// whatever its size.
func forEachSavePath(t *testing.T, test func(t *testing.T)) {
	for _, path := range []struct {
		name      string
		threshold int
	}{{"arrays", math.MaxInt}, {"copy", 1}} {
		t.Run(path.name, func(t *testing.T) {
			defer pgstore.SetCopyThreshold(path.threshold)()
			test(t)
		})
	}
}
