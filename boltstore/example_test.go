package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

// A store is one bbolt file, which one process holds at a time: another
// Open of the file waits WithLockTimeout for it, then fails with
// ErrLocked. What a Save has returned from is in the file, for the next
// store opened on it.
func Example() {
	path, remove := examplePath("shop.db")
	defer remove()

	ctx := context.Background()
	s, err := boltstore.Open[Customer](path)
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build()); err != nil {
		log.Fatal(err)
	}
	_, err = boltstore.Open[Customer](path, boltstore.WithLockTimeout(10*time.Millisecond))
	fmt.Println("locked:", errors.Is(err, boltstore.ErrLocked))
	s.Close()

	s, err = boltstore.Open[Customer](path)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	c, found, err := s.Get(ctx, "shop", "customer", "c1")
	fmt.Println("reopened:", found, c.Entity.Name, err)
	// Output:
	// locked: true
	// reopened: true Ada <nil>
}

// Scan walks a namespace in (kind, id) order, a page of records at a
// time, and holds no transaction while the loop body runs: the body may
// save to the same store.
func ExampleStore_Scan() {
	path, remove := examplePath("shop.db")
	defer remove()
	s, err := boltstore.Open[Customer](path)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	b := unionstore.NewChangesBuilder[Customer]("shop")
	for _, id := range []string{"c3", "c1", "c2"} {
		b.Set(Customer{ID: id})
	}
	if err := s.Save(ctx, b.Build()); err != nil {
		log.Fatal(err)
	}
	for c, err := range s.Scan(ctx, "shop") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.Entity.ID)
		seen := unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: c.Entity.ID, Name: "seen"}).Build()
		if err := s.Save(ctx, seen); err != nil {
			log.Fatal(err)
		}
	}
	c, _, err := s.Get(ctx, "shop", "customer", "c3")
	fmt.Println(c.Entity.Name, err)
	// Output:
	// c1
	// c2
	// c3
	// seen <nil>
}

// examplePath returns the path of a file named name in a new temporary
// directory, and a function that removes the directory.
func examplePath(name string) (string, func()) {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	return filepath.Join(dir, name), func() { os.RemoveAll(dir) }
}
