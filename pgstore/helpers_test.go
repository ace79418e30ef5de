package pgstore_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// server is the PostgreSQL server the tests use.
var server = storetest.Server{Name: "PostgreSQL", EnvVar: "UNIONSTORE_POSTGRES_URL", Default: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}

func serverURL() string { return server.URL() }

// admin is a pool shared by the tests for setting up and checking tables.
// It drops the tables of newTable when their test ends, and those of the
// examples after the run.
var admin = storetest.Shared[*pgxpool.Pool]{Server: server, Open: openPool, Release: closePool, Remove: dropTable}

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

// closePool closes pool, whose Close returns no error.
func closePool(pool *pgxpool.Pool) error {
	pool.Close()
	return nil
}

// dropTable drops table, if it exists.
func dropTable(ctx context.Context, pool *pgxpool.Pool, table string) error {
	_, err := pool.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize())
	return err
}

// TestMain runs the tests, skipping the examples that need a server when
// none answers, and then drops the examples' tables and closes the shared
// pool, so that the leak check that follows finds none of its goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(admin.Main(m, serverExamples))
}

// newTable returns the name of a table unique to the test, dropped when the
// test ends.
func newTable(tb testing.TB) string {
	tb.Helper()
	return admin.Scratch(tb, "unionstore_test_")
}

// newSchema creates through pool a schema unique to the test, dropped
// with what it holds when the test ends, and returns its name.
func newSchema(tb testing.TB, pool *pgxpool.Pool) string {
	tb.Helper()
	schema := storetest.UniqueName("unionstore_test_")
	if _, err := pool.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return schema
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
	return storetest.Closing(tb, "New", s, err)
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

// set makes the tests' changes: see [storetest.Set].
var set = storetest.Set

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
