package natsstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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

// OpenURL connects and owns the connection. The URL's own parameters
// (stream, prefix, replicas, storage) are removed before connecting; the
// stream, here SHOP, is created when it is missing. Scan yields a
// namespace in (kind, id) order.
func ExampleOpenURL() {
	url, stop := exampleServer()
	defer stop()
	ctx := context.Background()

	s, err := natsstore.OpenURL[Customer](ctx, url+"?stream=SHOP&storage=memory")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	fmt.Println("stream:", s.Stream())

	changes := unionstore.NewChangesBuilder[Customer]("eu").
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
	// stream: SHOP
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

// New works on the caller's JetStream context, whose connection Close
// leaves open: here a watcher of its own, as another process would have,
// follows what a store on another connection saves, from the cursor of
// its snapshot. A purge expires every cursor taken before it.
func ExampleStore_Watch() {
	url, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	writer, err := natsstore.OpenURL[Customer](ctx, url+"?stream=SHOP")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer writer.Close()

	nc, err := nats.Connect(url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Println(err)
		return
	}
	watcher, err := natsstore.New[Customer](ctx, js, natsstore.WithStream("SHOP"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer watcher.Close()

	_, cursor, err := watcher.Snapshot(ctx, "eu")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = writer.Save(ctx, unionstore.NewChangesBuilder[Customer]("eu").Set(Customer{ID: "1", Name: "Ada"}).Build())
	for ev, err := range watcher.Watch(ctx, "eu", cursor) {
		fmt.Println(ev.Change.ChangeType, ev.Change.Entity.Name, err)
		break // or keep ev.Cursor, to resume right after this change
	}
	_ = writer.Purge(ctx, "eu")
	for _, err := range watcher.Watch(ctx, "eu", cursor) {
		fmt.Println(errors.Is(err, unionstore.ErrCursorExpired))
		break
	}
	// Output:
	// set Ada <nil>
	// true
}
