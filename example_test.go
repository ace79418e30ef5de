package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

// Customer is the entity of the examples.
type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c Customer) CompactionKey() (kind, id string) { return "customer", c.ID }

func printAll(changes unionstore.Changes[Customer]) {
	for _, c := range changes {
		fmt.Printf("  %s %s %q\n", c.ChangeType, c.Entity.ID, c.Entity.Name)
	}
}

// The quick start: a union of two stores, written together and read as one.
func Example() {
	ctx := context.Background()
	a, b := unionstore.NewMemory[Customer](), unionstore.NewMemory[Customer]()
	u := unionstore.New(a, b)
	defer u.Close()

	changes := unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c1", Name: "Ada"}).
		Set(Customer{ID: "c2", Name: "Grace"}).
		Set(Customer{ID: "c1", Name: "Ada Lovelace"}). // a later change of c1
		Unset(Customer{ID: "c2"}).
		Build()
	if err := u.Save(ctx, changes); err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := u.Load(ctx, "shop")
	if err != nil {
		fmt.Println(err)
		return
	}
	printAll(loaded)
	fmt.Println("entities in each store:", a.EntityCount("shop"), b.EntityCount("shop"))
	// Output:
	//   set c1 "Ada Lovelace"
	//   unset c2 ""
	// entities in each store: 1 1
}

// down is a store that has failed.
type down struct{ unionstore.Store[Customer] }

func (down) Save(context.Context, unionstore.Changes[Customer]) error {
	return errors.New("backup unreachable")
}
func (down) Load(context.Context, string) (unionstore.Changes[Customer], error) {
	return nil, errors.New("backup unreachable")
}

// Redundancy: a primary and a backup written together. By default a failed
// backup fails the write, after the primary has it; with a write quorum of
// one and degraded reads, the application keeps working and is told which
// store failed.
func ExampleNew_redundancy() {
	ctx := context.Background()
	primary := unionstore.NewMemory[Customer]()
	backup := down{unionstore.NewMemory[Customer]()}
	change := unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build()

	strict := unionstore.New(unionstore.Named("primary", primary), unionstore.Named("backup", backup))
	fmt.Println(strict.Save(ctx, change))
	fmt.Println("primary has it anyway:", primary.EntityCount("shop"))

	tolerant := strict.With(unionstore.WriteQuorum(1), unionstore.DegradedReads(1))
	report, err := tolerant.SaveWithReport(ctx, change)
	fmt.Println("save:", err, "failed:", report.Failed)
	loaded, report, err := tolerant.LoadWithReport(ctx, "shop")
	fmt.Println("load:", err, "failed:", report.Failed)
	printAll(loaded)
	// Output:
	// unionstore: save: quorum not reached: 1 of 2 writable stores succeeded, 2 needed: store 1 ("backup"): save: backup unreachable
	// primary has it anyway: 1
	// save: <nil> failed: [store 1 ("backup"): save: backup unreachable]
	// load: <nil> failed: [store 1 ("backup"): load: backup unreachable]
	//   set c1 "Ada"
}

// Migration: read the old store and the new one together, write only the
// new one, backfill it with Repair, and verify with Diff.
func ExampleReadOnly_migration() {
	ctx := context.Background()
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, cur := unionstore.NewMemory[Customer](), unionstore.NewMemory[Customer]()
	_ = old.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c1", Name: "Ada"}, unionstore.WithTimestamp(t)).
		Set(Customer{ID: "c2", Name: "Grace"}, unionstore.WithTimestamp(t)).
		Build())

	u := unionstore.New(unionstore.Named("old", unionstore.ReadOnly[Customer](old)), unionstore.Named("new", cur))
	// The application writes through the union: only the new store changes.
	_ = u.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c2", Name: "Grace Hopper"}).Build())
	loaded, _ := u.Load(ctx, "shop")
	printAll(loaded)

	report, err := u.Repair(ctx, "shop")
	for _, s := range report.Stores {
		fmt.Printf("%s: missing %d, outdated %d, written %d\n", s.Name, s.Missing, s.Outdated, s.Written)
	}
	differences := 0
	for _, err := range u.Diff(ctx, "shop") {
		if err != nil {
			fmt.Println(err)
		}
		differences++
	}
	fmt.Println("repair error:", err, "- entities the old store lacks or holds older:", differences)
	// Output:
	//   set c1 "Ada"
	//   set c2 "Grace Hopper"
	// old: missing 0, outdated 1, written 0
	// new: missing 1, outdated 0, written 1
	// repair error: <nil> - entities the old store lacks or holds older: 1
}

// Federation: one merged, sorted view over several sources. On equal
// timestamps the source listed first wins.
func ExampleNew_federation() {
	ctx := context.Background()
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	europe, america, asia := unionstore.NewMemory[Customer](), unionstore.NewMemory[Customer](), unionstore.NewMemory[Customer]()
	save := func(s *unionstore.Memory[Customer], id, name string, ts time.Time) {
		_ = s.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: id, Name: name}, unionstore.WithTimestamp(ts)).Build())
	}
	save(europe, "c3", "Émilie", t)
	save(america, "c1", "Ada (US copy)", t)
	save(europe, "c1", "Ada (EU copy)", t)
	save(asia, "c2", "Hedy", t.Add(time.Hour))

	merged, _ := unionstore.New(europe, america, asia).Load(ctx, "shop")
	printAll(merged)
	// Output:
	//   set c1 "Ada (EU copy)"
	//   set c2 "Hedy"
	//   set c3 "Émilie"
}

// Testing: an in-memory store beside the durable one, so that a test can
// look at exactly what the code under test wrote.
func ExampleNewMemory_testing() {
	ctx := context.Background()
	durable := unionstore.NewMemory[Customer]() // in production, a boltstore or pgstore Store
	spy := unionstore.NewMemory[Customer]()
	u := unionstore.New(durable, unionstore.Named("spy", spy))

	register := func(s unionstore.Store[Customer], name string) error { // the code under test
		return s.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c9", Name: name}).Build())
	}
	_ = register(u, "Barbara")
	written, _ := spy.Load(ctx, "shop")
	printAll(written)
	// Output:
	//   set c9 "Barbara"
}

func ExampleCompact() {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	changes := unionstore.Changes[Customer]{
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Customer{ID: "c2", Name: "v1"}, Timestamp: t},
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Customer{ID: "c1", Name: "v2"}, Timestamp: t.Add(2)},
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Customer{ID: "c1", Name: "v1"}, Timestamp: t.Add(1)},
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeUnset, Entity: Customer{ID: "c2"}, Timestamp: t.Add(3)},
	}
	printAll(unionstore.Compact(changes))
	// Output:
	//   set c1 "v2"
	//   unset c2 ""
}

func ExampleCompactFunc() {
	type reading struct {
		Sensor string
		Value  float64
		At     time.Time
	}
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	readings := []reading{{"hall", 19.5, t}, {"attic", 12, t}, {"hall", 20.1, t.Add(time.Minute)}}
	latest := unionstore.CompactFunc(readings,
		func(r reading) string { return r.Sensor },
		func(r reading) time.Time { return r.At })
	for _, r := range latest {
		fmt.Println(r.Sensor, r.Value)
	}
	// Output:
	// attic 12
	// hall 20.1
}

// customers is a Repository: the application's live state.
type customers map[string]string

func (r customers) Set(_ context.Context, c Customer) error {
	r[c.ID] = c.Name
	return nil
}

func (r customers) Unset(_ context.Context, c Customer) error {
	delete(r, c.ID)
	return nil
}

func ExampleNewManagerBuilder() {
	ctx := context.Background()
	live := customers{"c2": "stale"}
	m := unionstore.NewManagerBuilder[Customer]().
		WithStore(unionstore.New(unionstore.NewMemory[Customer](), unionstore.NewMemory[Customer]())).
		WithRepository("customer", live).
		Build()
	_ = m.Persist(ctx, unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c1", Name: "Ada"}).
		Unset(Customer{ID: "c2"}).
		Build())
	if err := m.Restore(ctx, "shop"); err != nil {
		fmt.Println(err)
	}
	fmt.Println(live)
	// Output:
	// map[c1:Ada]
}

// Degraded reads: when the primary cannot be read, serve from the backup
// and say so, instead of failing the read.
func ExampleDegradedReads() {
	ctx := context.Background()
	backup := unionstore.NewMemory[Customer]()
	_ = backup.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build())
	u := unionstore.New[Customer](unionstore.Named("primary", down{}), unionstore.Named("backup", backup))

	_, err := u.Load(ctx, "shop")
	fmt.Println("strict:", err)

	loaded, report, err := u.With(unionstore.DegradedReads(1)).LoadWithReport(ctx, "shop")
	fmt.Println("degraded:", err, "- degraded:", report.Degraded(), "- failed:", report.Failed[0].Name)
	printAll(loaded)
	// Output:
	// strict: unionstore: load "shop": quorum not reached: 1 of 2 stores answered, 2 needed: store 0 ("primary"): load: backup unreachable
	// degraded: <nil> - degraded: true - failed: primary
	//   set c1 "Ada"
}

// Shape is an interface entity type: one store holds circles and squares.
type Shape interface {
	unionstore.Entity
	Area() float64
}

type Circle struct {
	ID     string  `json:"id"`
	Radius float64 `json:"radius"`
}

func (c *Circle) CompactionKey() (string, string) { return "circle", c.ID }
func (c *Circle) Area() float64                   { return 3 * c.Radius * c.Radius }

type Square struct {
	ID   string  `json:"id"`
	Side float64 `json:"side"`
}

func (s *Square) CompactionKey() (string, string) { return "square", s.ID }
func (s *Square) Area() float64                   { return s.Side * s.Side }

// A KindCodec stores an interface entity type in a durable backend: each
// kind decodes into its own type.
func ExampleKindCodec() {
	codec := unionstore.NewKindCodec[Shape]().
		Register("circle", func() Shape { return new(Circle) }).
		Register("square", func() Shape { return new(Square) })

	data, _ := codec.Encode(&Square{ID: "s1", Side: 3})
	fmt.Println(string(data))
	shape, err := codec.Decode("square", "s1", data)
	fmt.Printf("%T %v %v\n", shape, shape.Area(), err)
	_, err = codec.Decode("triangle", "t1", []byte(`{}`))
	fmt.Println(err)
	// Output:
	// {"id":"s1","side":3}
	// *unionstore_test.Square 9 <nil>
	// unknown kind "triangle"
}

// ScanOf reads any store as a stream, in (kind, id) order: a store that
// can scan is streamed, one that cannot is loaded and sorted.
func ExampleScanOf() {
	ctx := context.Background()
	m := unionstore.NewMemory[Customer]()
	_ = m.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").
		Set(Customer{ID: "c2", Name: "Bo"}).
		Set(Customer{ID: "c1", Name: "Ada"}).
		Build())
	for c, err := range unionstore.ScanOf(ctx, m, "shop") {
		if err != nil {
			fmt.Println("scan:", err)
			return
		}
		fmt.Println(c.Entity.ID, c.Entity.Name)
	}
	// Output:
	// c1 Ada
	// c2 Bo
}
