// Command consumer is a user's program, built outside the repository
// from modules fetched with go get: it opens each embedded store, and
// PostgreSQL, NATS, MariaDB and Redis when they answer, in one union,
// saves through it and reads every member back.
package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/sqlitestore"
)

type Customer struct{ ID, Name string }

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

// Openers of the stores that need a server this program does not start:
// they are built, so that their modules must resolve, but not called.
var (
	_ = kafkastore.OpenURL[Customer]
	_ = s3store.OpenURL[Customer]
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "consumer")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var members []unionstore.Store[Customer]
	var names []string
	add := func(name string, s unionstore.Store[Customer]) {
		members = append(members, unionstore.Named(name, s))
		names = append(names, name)
	}
	bolt, err := boltstore.Open[Customer](filepath.Join(dir, "shop.db"))
	if err != nil {
		return err
	}
	add("bolt", bolt)
	pebble, err := pebblestore.Open[Customer](filepath.Join(dir, "shop.pebble"))
	if err != nil {
		return err
	}
	add("pebble", pebble)
	sqlite, err := sqlitestore.Open[Customer](filepath.Join(dir, "shop.sqlite"))
	if err != nil {
		return err
	}
	add("sqlite", sqlite)
	ns := fmt.Sprintf("consumer-%d", time.Now().UnixNano())
	if raw := serverURL("UNIONSTORE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"); raw != "" {
		pg, err := pgstore.OpenURL[Customer](ctx, raw, pgstore.WithTable("unionstore_consumer_check"))
		if err != nil {
			return err
		}
		defer pg.Purge(context.Background(), ns)
		add("postgres", pg)
	}
	if raw := serverURL("UNIONSTORE_NATS_URL", "nats://127.0.0.1:4222"); raw != "" {
		nats, err := natsstore.OpenURL[Customer](ctx, raw, natsstore.WithStream("UNIONSTORE_CONSUMER_CHECK"))
		if err != nil {
			return err
		}
		defer nats.Purge(context.Background(), ns)
		add("nats", nats)
	}
	if raw := serverURL("UNIONSTORE_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"); raw != "" {
		my, err := mysqlstore.OpenURL[Customer](ctx, raw+"?table=unionstore_consumer_check")
		if err != nil {
			return err
		}
		defer my.Purge(context.Background(), ns)
		add("mysql", my)
	}
	if raw := serverURL("UNIONSTORE_REDIS_URL", "redis://127.0.0.1:6379/0"); raw != "" {
		rd, err := redisstore.OpenURL[Customer](ctx, raw+"?prefix=unionstore_consumer_check")
		if err != nil {
			return err
		}
		defer rd.Purge(context.Background(), ns)
		add("redis", rd)
	}

	u := unionstore.New(members...).With(unionstore.WriteQuorum(len(members)))
	defer u.Close()
	if err := u.Save(ctx, unionstore.NewChangesBuilder[Customer](ns).
		Set(Customer{ID: "c1", Name: "Ada"}).
		Set(Customer{ID: "c2", Name: "Grace"}).
		Unset(Customer{ID: "c2"}).
		Build()); err != nil {
		return err
	}
	for i, m := range members {
		got, err := m.Load(ctx, ns)
		if err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
		if len(got) != 2 || got[0].Entity.Name != "Ada" || got[1].ChangeType != unionstore.ChangeTypeUnset {
			return fmt.Errorf("%s holds %v, want c1 set to Ada and c2 unset", names[i], got)
		}
	}
	fmt.Printf("union of %v: saved and read back from each\n", names)
	return nil
}

// serverURL returns the URL in the variable, or the default when it is
// unset, or "" when nothing listens at its host.
func serverURL(variable, def string) string {
	raw := os.Getenv(variable)
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return ""
	}
	conn.Close()
	return raw
}
