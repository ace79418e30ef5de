package pgstore_test

import (
	"context"
	"fmt"
	"log"

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

// This example needs a server, so it is compiled but not run.
func ExampleOpenURL() {
	ctx := context.Background()
	s, err := pgstore.OpenURL[Deployment](ctx, "postgres://app@db.example/app?table=deployments", pgstore.WithCreateSchema())
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
}

// This example needs a server, so it is compiled but not run.
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://app@db.example/app")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	// Two stores on one pool; closing a store leaves the pool open.
	primary, err := pgstore.New[Deployment](ctx, pool, pgstore.WithTable("deployments"), pgstore.WithCreateSchema())
	if err != nil {
		log.Fatal(err)
	}
	mirror, err := pgstore.New[Deployment](ctx, pool, pgstore.WithTable("deployments_mirror"), pgstore.WithCreateSchema())
	if err != nil {
		log.Fatal(err)
	}
	u := unionstore.New(primary, mirror)
	defer u.Close()
}
