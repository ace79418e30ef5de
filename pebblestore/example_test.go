package pebblestore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
)

type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

// A store is a Pebble directory. A bulk load may take larger memory tables
// and leave the syncing to the system (a crash of the machine may then
// lose it, to be redone). A store opened WithReadOnly reads the directory
// and refuses Save; Pebble locks the directory for readers too, so it
// holds the directory alone, and another Open fails with ErrLocked.
func Example() {
	dir, remove := exampleDir()
	defer remove()
	ctx := context.Background()
	load, err := pebblestore.Open[Customer](dir, pebblestore.WithLargeMemTables(), pebblestore.WithNoSync())
	if err != nil {
		log.Fatal(err)
	}
	changes := unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c1", Name: "Ada"}).
		Set(Customer{ID: "c2", Name: "Grace"}).
		Unset(Customer{ID: "c2"}).
		Build()
	if err := load.Save(ctx, changes); err != nil {
		log.Fatal(err)
	}
	if err := load.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := pebblestore.Open[Customer](dir, pebblestore.WithReadOnly())
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	_, err = pebblestore.Open[Customer](dir, pebblestore.WithLockTimeout(10*time.Millisecond))
	fmt.Println("locked:", errors.Is(err, pebblestore.ErrLocked))
	loaded, err := r.Load(ctx, "shop")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range loaded {
		fmt.Printf("%s %s %q\n", c.ChangeType, c.Entity.ID, c.Entity.Name)
	}
	fmt.Println("read-only:", errors.Is(r.Save(ctx, loaded), unionstore.ErrReadOnly))
	// Output:
	// locked: true
	// set c1 "Ada"
	// unset c2 ""
	// read-only: true
}

func ExampleStore_Get() {
	dir, remove := exampleDir()
	defer remove()
	s, err := pebblestore.Open[Customer](dir)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	if err := s.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build()); err != nil {
		log.Fatal(err)
	}
	c, found, err := s.Get(ctx, "shop", "customer", "c1")
	fmt.Println(c.Entity.Name, found, err)
	_, found, err = s.Get(ctx, "shop", "customer", "c9")
	fmt.Println(found, err)
	// Output:
	// Ada true <nil>
	// false <nil>
}

func ExampleStore_Namespaces() {
	dir, remove := exampleDir()
	defer remove()
	s, err := pebblestore.Open[Customer](dir, pebblestore.WithNoSync())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	for _, ns := range []string{"shop", "shop:eu"} {
		b := unionstore.NewChangesBuilder[Customer](ns).Set(Customer{ID: "c1"}).Set(Customer{ID: "c2"})
		if ns == "shop" {
			b.Unset(Customer{ID: "c3"})
		}
		if err := s.Save(ctx, b.Build()); err != nil {
			log.Fatal(err)
		}
	}
	stats, err := s.Namespaces(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, st := range stats {
		fmt.Printf("%s: %d entities, %d tombstones\n", st.Namespace, st.Entities, st.Tombstones)
	}
	// Output:
	// shop: 2 entities, 1 tombstones
	// shop:eu: 2 entities, 0 tombstones
}

// exampleDir returns a new temporary directory for a store, and a function
// that removes it.
func exampleDir() (string, func()) {
	dir, err := os.MkdirTemp("", "pebblestore-example")
	if err != nil {
		log.Fatal(err)
	}
	return dir, func() { os.RemoveAll(dir) }
}
