package boltstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

func Example() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := boltstore.Open[Customer](filepath.Join(dir, "shop.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	changes := unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c2", Name: "Bob"}).
		Set(Customer{ID: "c1", Name: "Ada"}).
		Unset(Customer{ID: "c2"}).
		Build()
	if err := s.Save(ctx, changes); err != nil {
		log.Fatal(err)
	}
	loaded, err := s.Load(ctx, "shop")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range loaded {
		fmt.Printf("%s %s %q\n", c.ChangeType, c.Entity.ID, c.Entity.Name)
	}
	stats, err := s.Namespaces(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", stats)
	// Output:
	// set c1 "Ada"
	// unset c2 ""
	// [{Namespace:shop Entities:1 Tombstones:1}]
}

func ExampleStore_Scan() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := boltstore.Open[Customer](filepath.Join(dir, "shop.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
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
	}
	// Output:
	// c1
	// c2
	// c3
}
