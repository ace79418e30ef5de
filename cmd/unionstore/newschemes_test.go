package main

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore/storetest"
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

// The servers of the schemes' tests: without one, a test skips, naming the
// variable to set, or fails under CI, where it must run.
var (
	postgresServer = storetest.Server{Name: "PostgreSQL", EnvVar: "UNIONSTORE_POSTGRES_URL", Default: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}
	natsServer     = storetest.Server{Name: "NATS", EnvVar: "UNIONSTORE_NATS_URL", Default: "nats://127.0.0.1:4222"}
	mysqlServer    = storetest.Server{Name: "MariaDB or MySQL", EnvVar: "UNIONSTORE_MYSQL_URL", Default: "mysql://root@127.0.0.1:3306/test"}
	redisServer    = storetest.Server{Name: "Redis", EnvVar: "UNIONSTORE_REDIS_URL", Default: "redis://127.0.0.1:6379/0"}
)

func TestMySQLAddresses(t *testing.T) {
	base := mysqlServer.URL()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", mysqlServer.EnvVar, err)
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
	mysqlServer.Unreachable(t, err)
	table := storetest.UniqueName("cli_test_")
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
	base := redisServer.URL()
	opts, err := redis.ParseURL(base)
	var client *redis.Client
	if err == nil {
		client = redis.NewClient(opts)
		t.Cleanup(func() { client.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = client.Ping(ctx).Err()
		cancel()
	}
	redisServer.Unreachable(t, err)
	prefix := storetest.UniqueName("cli_test_")
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
