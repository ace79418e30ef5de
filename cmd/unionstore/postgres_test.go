package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore/storetest"
)

// postgresURL returns the server the tests may use, or skips the test
// where none is reachable (and fails it in CI, where one must be).
func postgresURL(t *testing.T) string {
	t.Helper()
	url := postgresServer.URL()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	postgresServer.Unreachable(t, err)
	conn.Close(context.Background())
	return url
}

// postgresTable returns the address of a fresh table on the test server,
// dropped when the test ends.
func postgresTable(t *testing.T, base string) string {
	t.Helper()
	table := storetest.UniqueName("cli_test_")
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("dropping %s: %v", table, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize()); err != nil {
			t.Errorf("dropping %s: %v", table, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "table=" + table
}

// TestPostgresAddresses migrates a bolt file into a PostgreSQL table with
// the command, and reads both as one union.
func TestPostgresAddresses(t *testing.T) {
	base := postgresURL(t)
	pg := postgresTable(t, base)
	dir := t.TempDir()
	lines := `{"kind":"customer","id":"c1","body":{"id":"c1","name":"Ada"}}
{"kind":"customer","id":"c2","body":{"id":"c2","name":"Grace"}}
`
	must(t, dir, exitOK, lines, "put", "--store", "old.db", "shop")
	must(t, dir, exitOK, "", "put", "--store", pg, "shop", "customer", "c3", `{"id":"c3","name":"Hedy"}`)

	r := must(t, dir, exitDiffer, "", "check", "--store", "old.db", "--store", pg, "shop")
	contains(t, "check before sync", r.stdout, "c1", "c2", "c3")

	r = must(t, dir, exitOK, "", "sync", "--from", "old.db", "--to", pg)
	contains(t, "sync", r.stdout, "copied 2 changes")

	r = must(t, dir, exitOK, "", "check", "--store", "old.db", "--store", pg, "--one-way", "shop")
	contains(t, "check after sync", r.stdout, "shop: equal")

	r = must(t, dir, exitOK, "", "load", "--store", pg, "shop")
	contains(t, "load from postgres", r.stdout, "c1", "Grace", "Hedy")

	r = must(t, dir, exitOK, "", "namespaces", "--store", pg)
	contains(t, "namespaces", r.stdout, "shop")

	// A read-only command never creates a table.
	r = must(t, dir, exitFailure, "", "load", "--store", postgresTable(t, base), "shop")
	contains(t, "load of a missing table", r.stderr, "does not exist", "hint: the table does not exist; check the table= (and schema=) parameter")
}

func TestAddressesNeverShowPasswords(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"load", "--store", "postgres://user:hunter2@127.0.0.1:1/db", "shop"},
		{"load", "--store", "nats://user:hunter2@127.0.0.1:1", "shop"},
		{"sync", "--from", "postgres://u:hunter2@h/db", "--to", "postgres://u:hunter2@h/db"},
	} {
		r := must(t, dir, exitFailure, "", args...)
		if strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Errorf("unionstore %q printed the password:\n%s%s", args, r.stdout, r.stderr)
		}
	}
}

// TestPostgresNewTableReadsAsEmpty: a table that sync would create reads
// as empty in dry runs, check and shards, and is not created.
func TestPostgresNewTableReadsAsEmpty(t *testing.T) {
	base := postgresURL(t)
	pg := postgresTable(t, base)
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	table := u.Query().Get("table")
	testAbsentReadsAsEmpty(t, t.TempDir(), pg, true, func() bool {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("looking up table %s: %v", table, err)
		}
		defer conn.Close(ctx)
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", pgx.Identifier{table}.Sanitize()).Scan(&exists); err != nil {
			t.Fatalf("looking up table %s: %v", table, err)
		}
		return exists
	})
}

// TestPostgresWithoutChangeFeed writes a table through an address with
// changefeed=false: the command makes it without the feed's columns and
// reads it back, and watch says the table has no feed.
func TestPostgresWithoutChangeFeed(t *testing.T) {
	base := postgresURL(t)
	pg := postgresTable(t, base) + "&changefeed=false"
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", pg, "shop", "customer", "c1", `{"id":"c1","name":"Ada"}`)
	r := must(t, dir, exitOK, "", "load", "--store", pg, "shop")
	contains(t, "load", r.stdout, "Ada")
	r = must(t, dir, exitFailure, "", "watch", "--store", pg, "shop")
	contains(t, "watch", r.stderr, "has no change feed", "a command that writes (put, sync, repair) adds it, unless its address says changefeed=false")

	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var columns int
	err = conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_attribute
WHERE attrelid = to_regclass($1) AND attname IN ('xid', 'rev')`, pgx.Identifier{u.Query().Get("table")}.Sanitize()).Scan(&columns)
	if err != nil || columns != 0 {
		t.Errorf("the table has %d of the feed's columns (%v), want none", columns, err)
	}
}
