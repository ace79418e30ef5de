package redisstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
)

type Deployment struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

func (d Deployment) CompactionKey() (kind, id string) { return "deployment", d.Name }

// OpenURL connects, and the store owns its client. exampleURL gives a
// redis:// URL with a prefix of the example's own
// (redis://cache.example:6379/0?prefix=deployments in an application); the
// example runs when the tests find a server. Opening creates no key: a
// namespace's keys appear with its first change, and the script that
// applies a change keeps the namespace's counts, which Namespaces reads.
func ExampleOpenURL() {
	ctx := context.Background()
	s, err := redisstore.OpenURL[Deployment](ctx, exampleURL())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close() // closes the client too

	before, err := s.Namespaces(ctx)
	if err != nil {
		log.Fatal(err)
	}
	b := unionstore.NewChangesBuilder[Deployment]("prod")
	b.Set(Deployment{Name: "api", Image: "api:7"}).Unset(Deployment{Name: "api-v1"})
	if err := s.Save(ctx, b.Build()); err != nil {
		log.Fatal(err)
	}
	after, err := s.Namespaces(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n%+v\n", before, after)
	// Output:
	// []
	// [{Namespace:prod Entities:1 Tombstones:1}]
}

// New works on the caller's client, which Close leaves open; two stores
// with the same prefix share their data, as two processes would.
func ExampleNew() {
	ctx := context.Background()
	opts, err := redis.ParseURL(exampleClientURL())
	if err != nil {
		log.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()

	prefix := redisstore.WithPrefix(examplePrefix())
	a, err := redisstore.New[Deployment](ctx, client, prefix)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	b, err := redisstore.New[Deployment](ctx, client, prefix)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	if err := a.Save(ctx, unionstore.NewChangesBuilder[Deployment]("prod").Set(Deployment{Name: "web", Image: "web:2"}).Build()); err != nil {
		log.Fatal(err)
	}
	c, ok, err := b.Get(ctx, "prod", "deployment", "web")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ok, c.Entity.Image)
	// Output:
	// true web:2
}

// Watch follows a namespace from a snapshot's cursor: every change saved
// after it, by this store or any other on the prefix, in the order the
// server applied them. Each event's cursor resumes right after it.
func ExampleStore_Watch() {
	ctx := context.Background()
	s, err := redisstore.OpenURL[Deployment](ctx, exampleURL())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	state, cursor, err := s.Snapshot(ctx, "prod")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("snapshot:", len(state), "changes")
	changes := unionstore.NewChangesBuilder[Deployment]("prod").
		Set(Deployment{Name: "web", Image: "web:2"}).
		Set(Deployment{Name: "api", Image: "api:7"}).
		Build()
	if err := s.Save(ctx, changes); err != nil {
		log.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	seen := 0
	for ev, err := range s.Watch(wctx, "prod", cursor) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.Change.ChangeType, ev.Change.Entity.Name, ev.Change.Entity.Image)
		if seen++; seen == len(changes) {
			break // or keep ev.Cursor to resume later
		}
	}
	// Output:
	// snapshot: 0 changes
	// set api api:7
	// set web web:2
}
