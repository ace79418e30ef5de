package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// schemeLines are the records that the scheme tests and the tests of
// stores that do not exist yet put in old.db.
const schemeLines = `{"kind":"customer","id":"c1","body":{"id":"c1","name":"Ada"}}
{"kind":"customer","id":"c2","body":{"id":"c2","name":"Grace"}}
`

// roundTrip copies a bolt file to addr with sync, and checks that the
// command reads it back from there: check, get and namespaces.
func roundTrip(t *testing.T, dir, addr string) {
	t.Helper()
	must(t, dir, exitOK, schemeLines, "put", "--store", "old.db", "shop")
	r := must(t, dir, exitOK, "", "sync", "old.db", addr)
	contains(t, "sync", r.stdout, "copied 2 changes")
	r = must(t, dir, exitOK, "", "check", "--store", "old.db", "--store", addr, "shop")
	contains(t, "check after sync", r.stdout, "shop: equal")
	r = must(t, dir, exitOK, "", "get", "--store", addr, "shop", "customer", "c1")
	contains(t, "get", r.stdout, "Ada")
	r = must(t, dir, exitOK, "", "namespaces", "--store", addr)
	contains(t, "namespaces", r.stdout, "shop")
}

func TestSQLiteAddresses(t *testing.T) {
	dir := t.TempDir()
	roundTrip(t, dir, "sqlite://new.sqlite")
	r := must(t, dir, exitFailure, "", "load", "--store", "sqlite://missing.sqlite", "shop")
	contains(t, "load of a missing file", r.stderr, "no such file")
	if _, err := os.Stat(dir + "/missing.sqlite"); err == nil {
		t.Fatal("a command that only reads created the file")
	}
	r = must(t, dir, exitDiffer, "", "check", "--store", "sqlite://new.sqlite", "--store", "sqlite://missing.sqlite", "shop")
	contains(t, "check against a missing file", r.stdout, "does not exist yet: read as empty, and not created")
}

// envOr returns the value of the environment variable name, or def when
// it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// serverOrSkip skips the test when err says the server is not there, or
// fails it in CI, where it must be.
func serverOrSkip(t *testing.T, what, envVar string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s at %s is unreachable in CI: %v", what, envVar, err)
	}
	t.Skipf("no %s reachable (set %s): %v", what, envVar, err)
}

func TestMySQLAddresses(t *testing.T) {
	base := envOr("UNIONSTORE_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("UNIONSTORE_MYSQL_URL: %v", err)
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err != nil {
			db.Close()
		}
	}
	serverOrSkip(t, "MariaDB or MySQL", "UNIONSTORE_MYSQL_URL", err)
	table := fmt.Sprintf("cli_test_%08x", rand.Uint32())
	t.Cleanup(func() {
		for _, name := range []string{table, table + "_feed"} {
			if _, err := db.Exec("DROP TABLE IF EXISTS `" + name + "`"); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		}
		db.Close()
	})
	roundTrip(t, t.TempDir(), base+"?table="+table)
	r := must(t, t.TempDir(), exitDiffer, "", "check", "--store", base+"?table="+table, "--store", base+"?table="+table+"_missing", "shop")
	contains(t, "check against a missing table", r.stdout, "does not exist yet: read as empty, and not created")
}

func TestRedisAddresses(t *testing.T) {
	base := envOr("UNIONSTORE_REDIS_URL", "redis://127.0.0.1:6379/0")
	opts, err := redis.ParseURL(base)
	var client *redis.Client
	if err == nil {
		client = redis.NewClient(opts)
		t.Cleanup(func() { client.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = client.Ping(ctx).Err()
		cancel()
	}
	serverOrSkip(t, "Redis", "UNIONSTORE_REDIS_URL", err)
	prefix := fmt.Sprintf("cli_test_%08x", rand.Uint32())
	// Registered after the client's Close, so run before it.
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := client.Keys(ctx, "*"+prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = client.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("removing the keys of %s: %v", prefix, err)
		}
	})
	roundTrip(t, t.TempDir(), base+"?prefix="+prefix)
}
