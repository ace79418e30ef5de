package natsstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
)

type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

// exampleServer starts an in-process JetStream server for an example and
// returns its URL and a function that stops it.
func exampleServer() (string, func()) {
	dir, _ := os.MkdirTemp("", "natsstore-example")
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		panic(err)
	}
	go srv.Start()
	srv.ReadyForConnections(10 * time.Second)
	return srv.ClientURL(), func() { srv.Shutdown(); srv.WaitForShutdown(); os.RemoveAll(dir) }
}

func ExampleOpenURL() {
	url, stop := exampleServer()
	defer stop()
	ctx := context.Background()

	s, err := natsstore.OpenURL[Customer](ctx, url+"?stream=SHOP")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	changes := unionstore.NewChangesBuilder[Customer]("eu").
		Set(Customer{ID: "1", Name: "Ada"}).
		Set(Customer{ID: "2", Name: "Grace"}).
		Unset(Customer{ID: "1"}).
		Build()
	if err := s.Save(ctx, changes); err != nil {
		fmt.Println(err)
		return
	}
	for c, err := range s.Scan(ctx, "eu") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %s %q\n", c.ChangeType, c.Entity.ID, c.Entity.Name)
	}
	// Output:
	// unset 1 ""
	// set 2 "Grace"
}

func ExampleStore_Get() {
	url, stop := exampleServer()
	defer stop()
	ctx := context.Background()

	s, err := natsstore.OpenURL[Customer](ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	_ = s.Save(ctx, unionstore.NewChangesBuilder[Customer]("eu").Set(Customer{ID: "7", Name: "Linus"}).Build())

	c, ok, err := s.Get(ctx, "eu", "customer", "7")
	fmt.Println(c.Entity.Name, ok, err)
	_, ok, err = s.Get(ctx, "eu", "customer", "8")
	fmt.Println(ok, err)
	// Output:
	// Linus true <nil>
	// false <nil>
}

func ExampleStore_Watch() {
	url, stop := exampleServer()
	defer stop()
	ctx := context.Background()

	s, err := natsstore.OpenURL[Customer](ctx, url+"?stream=SHOP")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// The state now, and the cursor to watch from.
	base, cursor, err := s.Snapshot(ctx, "eu")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("snapshot:", len(base), "customers")
	changes := unionstore.NewChangesBuilder[Customer]("eu").Set(Customer{ID: "1", Name: "Ada"}).Build()
	if err := s.Save(ctx, changes); err != nil {
		fmt.Println(err)
		return
	}
	for ev, err := range s.Watch(ctx, "eu", cursor) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %s %q\n", ev.Change.ChangeType, ev.Change.Entity.ID, ev.Change.Entity.Name)
		break // or keep ev.Cursor, to resume right after this change
	}
	// A purge expires every cursor taken before it.
	if err := s.Purge(ctx, "eu"); err != nil {
		fmt.Println(err)
		return
	}
	for _, err := range s.Watch(ctx, "eu", cursor) {
		fmt.Println(errors.Is(err, unionstore.ErrCursorExpired))
		break
	}
	// Output:
	// snapshot: 0 customers
	// set 1 "Ada"
	// true
}
