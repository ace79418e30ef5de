package pebblestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
)

type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

func Example() {
	dir, err := os.MkdirTemp("", "shop")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := pebblestore.Open[Customer](filepath.Join(dir, "shop.pebble"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	changes := unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c1", Name: "Ada"}, unionstore.WithTimestamp(t)).
		Set(Customer{ID: "c2", Name: "Grace"}, unionstore.WithTimestamp(t)).
		Unset(Customer{ID: "c2"}, unionstore.WithTimestamp(t.Add(time.Minute))).
		Build()
	if err := s.Save(ctx, changes); err != nil {
		log.Fatal(err)
	}
	// An older change loses to the stored one.
	stale := unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "old"}, unionstore.WithTimestamp(t.Add(-time.Hour))).Build()
	if err := s.Save(ctx, stale); err != nil {
		log.Fatal(err)
	}

	loaded, err := s.Load(ctx, "shop")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range loaded {
		fmt.Println(c.ChangeType, c.Entity.ID, c.Entity.Name)
	}
	// Output:
	// set c1 Ada
	// unset c2
}

func ExampleStore_Get() {
	dir, err := os.MkdirTemp("", "shop")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
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
	dir, err := os.MkdirTemp("", "shop")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
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
