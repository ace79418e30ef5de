package boltstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

// A store of small records written at random keys: 2048-byte pages make
// bbolt rewrite less per change, and S2 stores compressible payloads in
// fewer bytes at little cost. Both are chosen when the file is created; S2
// records make it format version 3.
func ExampleWithFastCompression() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	path := filepath.Join(dir, "events.db")
	s, err := boltstore.Open[Customer](path, boltstore.WithFastCompression(), boltstore.WithPageSize(2048))
	if err != nil {
		log.Fatal(err)
	}
	name := strings.Repeat("Ada Lovelace, ", 10)
	if err := s.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: name}).Build()); err != nil {
		log.Fatal(err)
	}
	s.Close()

	// Any store reads the compressed records back, whatever its options.
	s, err = boltstore.Open[Customer](path, boltstore.WithReadOnly())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	c, ok, err := s.Get(ctx, "shop", "customer", "c1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ok, c.Entity.Name == name)
	// Output:
	// true true
}
