package s3store_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
)

type Order struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
}

func (o Order) CompactionKey() (kind, id string) { return "order", o.ID }

// Open a store on an S3-compatible server, save two batches and load the
// latest state: one segment per batch, merged at read.
func Example() {
	backend := s3mem.New()
	_ = backend.CreateBucket("backups")
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	ctx := context.Background()

	// Credentials and region come from the SDK's default chain, here the
	// environment the test sets.
	s, err := s3store.OpenURL[Order](ctx, "s3://backups/shop?region=us-east-1&endpoint="+srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	b := unionstore.NewChangesBuilder[Order]("tenant-1")
	b.Set(Order{ID: "a", Amount: 10}).Set(Order{ID: "b", Amount: 20})
	_ = s.Save(ctx, b.Build())
	b = unionstore.NewChangesBuilder[Order]("tenant-1")
	b.Set(Order{ID: "a", Amount: 15}).Unset(Order{ID: "b"})
	_ = s.Save(ctx, b.Build())

	changes, _ := s.Load(ctx, "tenant-1")
	for _, c := range changes {
		fmt.Println(c.ChangeType, c.Entity.ID, c.Entity.Amount)
	}
	// Output:
	// set a 15
	// unset b 0
}

// Compact merges a namespace's segments into one; reads return the same.
func ExampleStore_Compact() {
	backend := s3mem.New()
	_ = backend.CreateBucket("backups")
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	ctx := context.Background()
	s, err := s3store.OpenURL[Order](ctx, "s3://backups/?endpoint="+srv.URL, s3store.WithMaxSegments(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	for i := range 3 {
		b := unionstore.NewChangesBuilder[Order]("ns")
		_ = s.Save(ctx, b.Set(Order{ID: fmt.Sprint(i), Amount: i}).Build())
	}
	segments := func() int {
		objs, _ := backend.ListBucket("backups", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
		return len(objs.Contents)
	}
	fmt.Println("segments before:", segments())
	if err := s.Compact(ctx, "ns"); err != nil {
		fmt.Println(err)
		return
	}
	changes, _ := s.Load(ctx, "ns")
	fmt.Println("segments after:", segments(), "changes:", len(changes))
	// Output:
	// segments before: 3
	// segments after: 1 changes: 3
}
