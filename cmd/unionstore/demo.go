package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

// The demo's application: a shop with customers and orders, stored with a
// kind codec, as a typed application would.
type shopEntity interface{ unionstore.Entity }

// Customer is a customer of the demo's shop, of kind "customer".
type Customer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// CompactionKey returns "customer" and the customer's id.
func (c *Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

// Order is an order in the demo's shop, of kind "order", placed by the
// customer whose id it holds.
type Order struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Total    int    `json:"total_cents"`
}

// CompactionKey returns "order" and the order's id.
func (o *Order) CompactionKey() (kind, id string) { return "order", o.ID }

func shopCodec() *unionstore.KindCodec[shopEntity] {
	return unionstore.NewKindCodec[shopEntity]().
		Register("customer", func() shopEntity { return &Customer{} }).
		Register("order", func() shopEntity { return &Order{} })
}

// The demo runs on a fixed clock so that its output is the same every time.
var (
	oldDay   = time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)
	newDay   = time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	lateNews = time.Date(2026, 1, 12, 10, 30, 0, 0, time.UTC)
)

const (
	demoCustomers = 120
	demoOrders    = 300
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--dir DIR]", `
Demo runs a small migration on two bolt files: an old application's store,
and a new store that a new application writes through a union which reads
both and writes only the new one. It then checks the gap, syncs the old
store into the new one and checks again.`, `  unionstore demo
  unionstore demo --dir /tmp/shop`)
	dir := fs.String("dir", "", "`directory` for the two stores (default: a new temporary directory)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected arguments %q", pos)
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "unionstore-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"old.db", "new.db"} {
		if _, err := os.Stat(filepath.Join(*dir, name)); err == nil {
			return usageErrorf("%s already exists in %s; give an empty --dir", name, *dir)
		}
	}
	oldPath, newPath := filepath.Join(*dir, "old.db"), filepath.Join(*dir, "new.db")

	out := e.stdout
	fmt.Fprintf(out, "Migrating a shop from old.db to new.db, in %s\n\n", *dir)
	if err := demoOldApp(ctx, oldPath); err != nil {
		return err
	}
	fmt.Fprintf(out, "1. The old application has written %d customers and %d orders to old.db.\n", demoCustomers, demoOrders)
	customers, orders, err := demoNewApp(ctx, oldPath, newPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `2. The new application reads old.db and new.db through one union and writes
   only to new.db: it renamed 15 customers, took 30 orders and cancelled 10.
   Through the union it sees %d customers and %d live orders.
`, customers, orders)
	if err := demoLateWrite(ctx, oldPath); err != nil {
		return err
	}
	fmt.Fprint(out, "3. Before it was switched off, the old application updated 5 customers.\n\n")

	steps := [][]string{
		{"check", "--store", "old.db", "--store", "new.db", "--one-way", "--limit", "3"},
		{"sync", "--from", "old.db", "--to", "new.db"},
		{"check", "--store", "old.db", "--store", "new.db", "--one-way"},
		{"sync", "--from", "old.db", "--to", "new.db"},
	}
	// The commands name the stores as the user would from the directory
	// that holds them, and run as if there.
	inDir := *e
	inDir.dir = *dir
	for i, args := range steps {
		fmt.Fprintf(out, "$ unionstore %s\n", strings.Join(args, " "))
		status := run(ctx, &inDir, args)
		want := exitOK
		if i == 0 {
			want = exitDiffer
		}
		if status != want {
			return fmt.Errorf("step %q exited with status %d, want %d", strings.Join(args, " "), status, want)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprint(out, "new.db now holds everything; old.db can be retired. Running sync again copied nothing.\n")
	fmt.Fprintf(out, "\nThe two stores stay in %s for you to try the other commands on; remove it when done.\n", *dir)
	return nil
}

func openShop(path string) (*boltstore.Store[shopEntity], error) {
	return boltstore.Open[shopEntity](path, boltstore.WithCodec[shopEntity](shopCodec()))
}

// demoOldApp fills old.db as the old application did, over a month.
func demoOldApp(ctx context.Context, oldPath string) error {
	old, err := openShop(oldPath)
	if err != nil {
		return err
	}
	defer old.Close()
	b := unionstore.NewChangesBuilder[shopEntity]("shop")
	for i := 1; i <= demoCustomers; i++ {
		at := unionstore.WithTimestamp(oldDay.Add(time.Duration(i) * time.Minute))
		b.Set(&Customer{ID: fmt.Sprintf("c%03d", i), Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("c%d@example.com", i)}, at)
	}
	for i := 1; i <= demoOrders; i++ {
		at := unionstore.WithTimestamp(oldDay.Add(time.Duration(i) * time.Hour))
		b.Set(&Order{ID: fmt.Sprintf("o%03d", i), Customer: fmt.Sprintf("c%03d", 1+i%demoCustomers), Total: 1000 + 37*i}, at)
	}
	if err := old.Save(ctx, b.Build()); err != nil {
		return err
	}
	return old.Close()
}

// demoNewApp is the new application, writing through the union. It
// returns what it sees through the union afterwards.
func demoNewApp(ctx context.Context, oldPath, newPath string) (customers, orders int, err error) {
	old, err := openShop(oldPath)
	if err != nil {
		return 0, 0, err
	}
	neu, err := openShop(newPath)
	if err != nil {
		old.Close()
		return 0, 0, err
	}
	u := unionstore.New(unionstore.ReadOnly[shopEntity](old), neu)
	defer u.Close()
	b := unionstore.NewChangesBuilder[shopEntity]("shop")
	tick := 0
	at := func() unionstore.ChangeOption {
		tick++
		return unionstore.WithTimestamp(newDay.Add(time.Duration(tick) * time.Second))
	}
	for i := 1; i <= 15; i++ {
		b.Set(&Customer{ID: fmt.Sprintf("c%03d", i), Name: fmt.Sprintf("Customer %d (renamed)", i), Email: fmt.Sprintf("c%d@example.com", i)}, at())
	}
	for i := demoOrders + 1; i <= demoOrders+30; i++ {
		b.Set(&Order{ID: fmt.Sprintf("o%03d", i), Customer: fmt.Sprintf("c%03d", 1+i%demoCustomers), Total: 2000 + 11*i}, at())
	}
	for i := 1; i <= 10; i++ {
		b.Unset(&Order{ID: fmt.Sprintf("o%03d", 20*i)}, at())
	}
	if err := u.Save(ctx, b.Build()); err != nil {
		return 0, 0, err
	}
	seen, err := u.Load(ctx, "shop")
	if err != nil {
		return 0, 0, err
	}
	for _, c := range seen {
		if c.ChangeType != unionstore.ChangeTypeSet {
			continue
		}
		if kind, _ := c.Entity.CompactionKey(); kind == "customer" {
			customers++
		} else {
			orders++
		}
	}
	return customers, orders, u.Close()
}

// demoLateWrite is the old application updating customers in old.db after
// the new application had written them to new.db.
func demoLateWrite(ctx context.Context, oldPath string) error {
	old, err := openShop(oldPath)
	if err != nil {
		return err
	}
	defer old.Close()
	b := unionstore.NewChangesBuilder[shopEntity]("shop")
	for i := 11; i <= 15; i++ {
		b.Set(&Customer{ID: fmt.Sprintf("c%03d", i), Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("new-c%d@example.com", i)},
			unionstore.WithTimestamp(lateNews.Add(time.Duration(i)*time.Second)))
	}
	if err := old.Save(ctx, b.Build()); err != nil {
		return err
	}
	return old.Close()
}
