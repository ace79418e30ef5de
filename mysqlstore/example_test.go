package mysqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
)

// Customer is the entity of the examples.
type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

// OpenURL connects to the server, creates the table if it is missing and
// owns the connections: Close closes them. The URL is
// mysql://root@127.0.0.1:3306/test?table=... or the one in
// UNIONSTORE_MYSQL_URL. Identities compare byte for byte, whatever the
// server's collation: "A" and "a" are two customers. The condition that
// keeps the later change runs in the server, so an older change saved
// later loses, whichever process saves it.
func ExampleOpenURL() {
	ctx := context.Background()
	s, err := mysqlstore.OpenURL[Customer](ctx, exampleURL())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err = s.Save(ctx, unionstore.Changes[Customer]{
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Customer{ID: "A", Name: "Ada"}, Timestamp: t},
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Customer{ID: "a", Name: "Alan"}, Timestamp: t},
	})
	if err != nil {
		log.Fatal(err)
	}
	older := unionstore.Changes[Customer]{
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeUnset, Entity: Customer{ID: "A"}, Timestamp: t.Add(-time.Hour)},
	}
	if err := s.Save(ctx, older); err != nil {
		log.Fatal(err)
	}
	for _, id := range []string{"A", "a"} {
		c, _, err := s.Get(ctx, "shop", "customer", id)
		fmt.Println(id, c.ChangeType, c.Entity.Name, err)
	}
	// Output:
	// A set Ada <nil>
	// a set Alan <nil>
}

// New builds a store on a pool the caller has, which stays open after the
// store's Close. The pool's DSN names the database; interpolateParams=true
// saves two round trips per statement.
func ExampleNew() {
	ctx := context.Background()
	// A DSN such as
	// root@tcp(127.0.0.1:3306)/test?interpolateParams=true&maxAllowedPacket=0
	db, err := sql.Open("mysql", exampleDSN())
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	table := exampleTable()
	s, err := mysqlstore.New[Customer](ctx, db, mysqlstore.WithTable(table))
	if err != nil {
		log.Fatal(err)
	}
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err = s.Save(ctx, unionstore.Changes[Customer]{
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Customer{ID: "1", Name: "Grace"}, Timestamp: t},
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeUnset, Entity: Customer{ID: "2"}, Timestamp: t},
	})
	if err != nil {
		log.Fatal(err)
	}
	stats, err := s.Namespaces(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", stats)
	_ = s.Close()
	fmt.Println("pool open:", db.PingContext(ctx) == nil)
	// Output:
	// [{Namespace:shop Entities:1 Tombstones:1}]
	// pool open: true
}

// The change feed is a table in the server beside the store's: a store
// of another process, here one with a pool of its own, watches what this
// one saves, from the cursor of its snapshot.
func ExampleStore_Watch() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := exampleURL()
	writer, err := mysqlstore.OpenURL[Customer](ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer writer.Close()
	watcher, err := mysqlstore.OpenURL[Customer](ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer watcher.Close()

	_, cursor, err := watcher.Snapshot(ctx, "shop")
	if err != nil {
		log.Fatal(err)
	}
	bob := unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "B", Name: "Bob"}).Build()
	if err := writer.Save(ctx, bob); err != nil {
		log.Fatal(err)
	}
	for ev, err := range watcher.Watch(ctx, "shop", cursor) {
		fmt.Println(ev.Change.ChangeType, ev.Change.Entity.Name, err)
		break // a follower would go on, and keep ev.Cursor to resume from
	}
	// Output:
	// set Bob <nil>
}
