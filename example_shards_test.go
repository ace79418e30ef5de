package unionstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

// Namespaces spread over shards, each shard a store (here in memory; in
// production a database, a bucket, or a union of replicas).
func ExampleShards() {
	ctx := context.Background()
	placement, err := unionstore.NewPlacement([]string{"eu-1", "eu-2"},
		unionstore.Pin("acme", "eu-2")) // a tenant that must live on eu-2
	if err != nil {
		fmt.Println(err)
		return
	}
	stores := map[string]unionstore.Store[Customer]{
		"eu-1": unionstore.NewMemory[Customer](),
		"eu-2": unionstore.NewMemory[Customer](),
	}
	shards, err := unionstore.NewShards(placement, stores)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer shards.Close()

	// One batch across two namespaces goes to their two owners.
	batch := append(
		unionstore.NewChangesBuilder[Customer]("acme").Set(Customer{ID: "c1", Name: "Ada"}).Build(),
		unionstore.NewChangesBuilder[Customer]("initech").Set(Customer{ID: "c9", Name: "Peter"}).Build()...)
	if err := shards.Save(ctx, batch); err != nil {
		fmt.Println(err)
		return
	}
	for _, ns := range []string{"acme", "initech"} {
		loaded, _ := shards.Load(ctx, ns)
		fmt.Printf("%s lives on %s:\n", ns, shards.Owner(ns))
		printAll(loaded)
	}
	// Output:
	// acme lives on eu-2:
	//   set c1 "Ada"
	// initech lives on eu-1:
	//   set c9 "Peter"
}

// Adding a shard without downtime: every process takes the new placement
// with the previous one, reads and writes go on, and Rebalance moves the
// namespaces the new shard now owns.
func ExampleShards_Rebalance() {
	ctx := context.Background()
	stores := map[string]unionstore.Store[Customer]{
		"a": unionstore.NewMemory[Customer](),
		"b": unionstore.NewMemory[Customer](),
		"c": unionstore.NewMemory[Customer](), // the new shard
	}
	before, _ := unionstore.NewPlacement([]string{"a", "b"})
	after, _ := unionstore.NewPlacement([]string{"a", "b", "c"})
	old, _ := unionstore.NewShards(before, map[string]unionstore.Store[Customer]{"a": stores["a"], "b": stores["b"]})
	for i := range 12 {
		ns := fmt.Sprintf("tenant-%d", i)
		_ = old.Save(ctx, unionstore.NewChangesBuilder[Customer](ns).Set(Customer{ID: "c1", Name: ns}).Build())
	}

	moving, err := unionstore.NewShards(after, stores, unionstore.Previous(before))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer moving.Close()
	report, err := moving.Rebalance(ctx, func(m unionstore.Move) {
		fmt.Printf("%d/%d: %s from %s to %s, %d changes copied\n", m.Done, m.Total, m.Namespace, m.From, m.To, m.Copied)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("moved:", report.Moved())
	stats, _ := moving.Namespaces(ctx)
	fmt.Println("namespaces still readable:", len(stats))
	// Output:
	// 1/2: tenant-6 from b to c, 1 changes copied
	// 2/2: tenant-8 from a to c, 1 changes copied
	// moved: 2
	// namespaces still readable: 12
}

// Retiring data: a departed tenant is purged, and tombstones older than a
// grace period are dropped once every replica has them.
func ExampleUnion_PurgeTombstones() {
	ctx := context.Background()
	u := unionstore.New(unionstore.NewMemory[Customer](), unionstore.NewMemory[Customer]())
	defer u.Close()
	long := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	_ = u.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c1", Name: "Ada"}).
		Unset(Customer{ID: "c2"}, unionstore.WithTimestamp(long)).
		Build())
	_ = u.Save(ctx, unionstore.NewChangesBuilder[Customer]("departed").Set(Customer{ID: "c3", Name: "Bob"}).Build())

	const grace = 10 * 24 * time.Hour // longer than any replica may stay behind
	n, err := u.PurgeTombstones(ctx, "shop", time.Now().Add(-grace))
	fmt.Println("tombstones purged:", n, err)
	fmt.Println("purge departed:", u.Purge(ctx, "departed"))
	stats, _ := u.Namespaces(ctx)
	fmt.Printf("%+v\n", stats)
	// Output:
	// tombstones purged: 1 <nil>
	// purge departed: <nil>
	// [{Namespace:shop Entities:1 Tombstones:0}]
}
