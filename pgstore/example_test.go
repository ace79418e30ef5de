package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
)

type Deployment struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

func (d Deployment) CompactionKey() (kind, id string) { return "deployment", d.Name }

func ExampleSchemaSQL() {
	sql, err := pgstore.SchemaSQL(pgstore.WithSchema("app"), pgstore.WithTable("changes"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sql)
	// Output:
	// CREATE TABLE IF NOT EXISTS "app"."changes" (
	// 	namespace   text COLLATE "C" NOT NULL,
	// 	kind        text COLLATE "C" NOT NULL,
	// 	id          text COLLATE "C" NOT NULL,
	// 	change_type text NOT NULL CHECK (change_type IN ('set', 'unset')),
	// 	-- Unix nanoseconds: orders the versions of an entity exactly.
	// 	ts          bigint NOT NULL,
	// 	-- The codec's encoding of the entity, for sets and unsets alike.
	// 	payload     bytea NOT NULL,
	// 	PRIMARY KEY (namespace, kind, id)
	// ) WITH (fillfactor = 80)
}

// OpenURL creates the table if the database lacks it, so this works on an
// empty database. databaseURL gives a postgres:// URL with a table of the
// example's own (postgres://app@db.example/app?table=deployments in an
// application); the example runs when the tests find a server.
func ExampleOpenURL() {
	ctx := context.Background()
	s, err := pgstore.OpenURL[Deployment](ctx, databaseURL("deployments"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close() // closes the pool too

	changes := unionstore.NewChangesBuilder[Deployment]("prod").
		Set(Deployment{Name: "web", Image: "web:2"}).
		Unset(Deployment{Name: "old-worker"}).
		Build()
	if err := s.Save(ctx, changes); err != nil {
		log.Fatal(err)
	}
	for c, err := range s.Scan(ctx, "prod") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ChangeType, c.Entity.Name)
	}
	// Output:
	// unset old-worker
	// set web
}

// A store that only reads creates nothing, here through the URL's create
// parameter; the option WithoutCreateSchema does the same.
func ExampleOpenURL_readOnly() {
	ctx := context.Background()
	addr := databaseURL("deployments")
	writer, err := pgstore.OpenURL[Deployment](ctx, addr) // creates the table
	if err != nil {
		log.Fatal(err)
	}
	err = writer.Save(ctx, unionstore.NewChangesBuilder[Deployment]("prod").Set(Deployment{Name: "web", Image: "web:2"}).Build())
	writer.Close()
	if err != nil {
		log.Fatal(err)
	}

	s, err := pgstore.OpenURL[Deployment](ctx, addr+"&create=false")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	c, found, err := s.Get(ctx, "prod", "deployment", "web")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(found, c.ChangeType, c.Entity.Image)
	// Output:
	// true set web:2
}

// KeySize tells whether an identity fits in the table's primary key before
// a batch is saved: Save and Check refuse one that does not.
func ExampleKeySize() {
	for _, id := range []string{"web", strings.Repeat("x", 2676), strings.Repeat("x", 2677)} {
		size := pgstore.KeySize("prod", "deployment", id)
		fmt.Println(len(id), size, size <= pgstore.MaxKeySize)
	}
	// Output:
	// 3 32 true
	// 2676 2704 true
	// 2677 2712 false
}

// New builds stores on a pool the caller owns; poolURL is the server's
// URL (postgres://app@db.example/app in an application).
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, poolURL())
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	// Two stores on one pool; closing a store leaves the pool open.
	primary, err := pgstore.New[Deployment](ctx, pool, pgstore.WithTable(tableName(databaseURL("deployments"))), pgstore.WithCreateSchema())
	if err != nil {
		log.Fatal(err)
	}
	mirror, err := pgstore.New[Deployment](ctx, pool, pgstore.WithTable(tableName(databaseURL("deployments_mirror"))), pgstore.WithCreateSchema())
	if err != nil {
		log.Fatal(err)
	}
	u := unionstore.New(primary, mirror)
	defer u.Close()

	if err := u.Save(ctx, unionstore.NewChangesBuilder[Deployment]("prod").Set(Deployment{Name: "web", Image: "web:3"}).Build()); err != nil {
		log.Fatal(err)
	}
	for _, s := range []*pgstore.Store[Deployment]{primary, mirror} {
		changes, err := s.Load(ctx, "prod")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(changes), changes[0].Entity.Image)
	}
	// Output:
	// 1 web:3
	// 1 web:3
}
