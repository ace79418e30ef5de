package mysqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// server is the MySQL or MariaDB server the tests use, its address in the
// form OpenURL takes.
var server = storetest.Server{Name: "MySQL", EnvVar: "UNIONSTORE_MYSQL_URL", Default: "mysql://root@127.0.0.1:3306/test"}

func serverURL() string { return server.URL() }

// admin is a pool shared by the tests for setting up and checking tables.
// It drops the tables of newTable when their test ends, and those of the
// examples after the run.
var admin = storetest.Shared[*sql.DB]{Server: server, Open: openDB, Release: (*sql.DB).Close, Remove: dropTable}

// adminDB returns the shared pool. It skips the test when no server is
// reachable, or fails it when the CI variable is set.
func adminDB(tb testing.TB) *sql.DB {
	tb.Helper()
	return admin.Get(tb)
}

// openDB returns a pool of its own on the server of url once a connection
// answers a ping, or the error.
func openDB(ctx context.Context, url string) (*sql.DB, error) {
	dsn, err := mysqlstore.DSN(url)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// dropTable drops table and its feed table, if they exist.
func dropTable(ctx context.Context, db *sql.DB, table string) error {
	_, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS `"+table+"`, `"+table+"_feed`")
	return err
}

// newDB returns a pool of its own, standing for another process, closed
// when the test ends.
func newDB(tb testing.TB) *sql.DB {
	tb.Helper()
	return admin.Own(tb)
}

// otherTx begins a transaction on a pool of its own, standing for another
// process, and runs query with args in it. The transaction is rolled back
// when the test ends, unless it ended before. what names the query in a
// failure.
func otherTx(tb testing.TB, what, query string, args ...any) *sql.Tx {
	tb.Helper()
	ctx := context.Background()
	tx, err := newDB(tb).BeginTx(ctx, nil)
	if err != nil {
		tb.Fatalf("begin: %v", err)
	}
	tb.Cleanup(func() { _ = tx.Rollback() })
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	return tx
}

// TestMain serves the crash test's child when it is one. Otherwise it runs
// the tests, skipping the examples that need a server when none answers,
// and then drops the examples' tables and closes the shared pool, so that
// the leak check that follows finds none of its goroutines.
func TestMain(m *testing.M) {
	crash.ServeChild()
	goleak.VerifyTestMain(admin.Main(m, serverExamples))
}

// newTable returns the name of a table unique to the test, dropped with
// its feed table when the test ends.
func newTable(tb testing.TB) string {
	tb.Helper()
	return admin.Scratch(tb, "unionstore_test_")
}

// openStore returns a store owning its pool on table, closed when the test
// ends.
func openStore(tb testing.TB, table string, opts ...mysqlstore.Option) *mysqlstore.Store[storetest.Item] {
	tb.Helper()
	s, err := mysqlstore.OpenURL[storetest.Item](context.Background(), server.URLWith(tb, "table", table), opts...)
	return storetest.Closing(tb, "OpenURL", s, err)
}

// newStore returns a store on a fresh table of its own, on the shared pool.
func newStore(tb testing.TB, opts ...mysqlstore.Option) *mysqlstore.Store[storetest.Item] {
	tb.Helper()
	return newStoreOn(tb, adminDB(tb), newTable(tb), opts...)
}

// newStoreOn returns a store on table through db, creating the table.
func newStoreOn(tb testing.TB, db *sql.DB, table string, opts ...mysqlstore.Option) *mysqlstore.Store[storetest.Item] {
	tb.Helper()
	opts = append([]mysqlstore.Option{mysqlstore.WithTable(table)}, opts...)
	s, err := mysqlstore.New[storetest.Item](context.Background(), db, opts...)
	return storetest.Closing(tb, "New", s, err)
}

// storedRow is a row of a table as the server holds it.
type storedRow struct {
	changeType string
	ts         int64
	payload    string
}

// readRow returns the row of one identity, read by SQL, and whether there
// is one.
func readRow(tb testing.TB, table, ns, kind, id string) (storedRow, bool) {
	tb.Helper()
	var r storedRow
	err := adminDB(tb).QueryRow("SELECT change_type, ts, payload FROM `"+table+"` WHERE namespace = ? AND kind = ? AND id = ?",
		[]byte(ns), []byte(kind), []byte(id)).Scan(&r.changeType, &r.ts, &r.payload)
	if err == sql.ErrNoRows {
		return storedRow{}, false
	}
	if err != nil {
		tb.Fatalf("read row %q %q %q of %s: %v", ns, kind, id, table, err)
	}
	return r, true
}

// rowCount returns the number of rows in table.
func rowCount(tb testing.TB, table string) int {
	tb.Helper()
	var n int
	if err := adminDB(tb).QueryRow("SELECT COUNT(*) FROM `" + table + "`").Scan(&n); err != nil {
		tb.Fatalf("count rows of %s: %v", table, err)
	}
	return n
}

// set and unset make the tests' changes: see [storetest.Set].
var set, unset = storetest.Set, storetest.Unset

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Nanosecond) }

// save saves changes to s and fails the test on error: see
// [storetest.Save].
var save = storetest.Save
