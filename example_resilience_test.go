package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

// A point read through a union: the latest change of one entity over every
// member, a deletion included.
func ExampleUnion_Get() {
	ctx := context.Background()
	a, b := unionstore.NewMemory[Customer](), unionstore.NewMemory[Customer]()
	_ = a.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build())
	_ = b.Save(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada L."}).Unset(Customer{ID: "c2"}).Build())
	u := unionstore.New(a, b)

	c, found, err := u.Get(ctx, "shop", "customer", "c1")
	fmt.Println(c.ChangeType, c.Entity.Name, found, err)
	c, found, _ = u.Get(ctx, "shop", "customer", "c2")
	fmt.Println(c.ChangeType, found)
	_, found, _ = u.Get(ctx, "shop", "customer", "c3")
	fmt.Println(found)
	// Output:
	// set Ada L. true <nil>
	// unset true
	// false
}

// unreliable is a store that is down until it is brought back.
type unreliable struct {
	unionstore.Store[Customer]
	down bool
}

func (f *unreliable) Save(ctx context.Context, c unionstore.Changes[Customer]) error {
	if f.down {
		return errors.New("connection refused")
	}
	return f.Store.Save(ctx, c)
}

// A backup that is down costs nothing once its breaker opens, and gets
// exactly what it missed when it is back.
func ExampleHintedHandoff() {
	ctx := context.Background()
	primary := unionstore.NewMemory[Customer]()
	backup := &unreliable{Store: unionstore.NewMemory[Customer](), down: true}
	hints := unionstore.NewMemory[Customer]() // a bolt file or a table in production
	u := unionstore.New[Customer](unionstore.Named("primary", primary), unionstore.Named("backup", backup)).With(
		unionstore.WriteQuorum(1),
		unionstore.CircuitBreaker(3, 10*time.Millisecond),
		unionstore.HintedHandoff[Customer](hints, 0))

	for _, name := range []string{"Ada", "Grace", "Hedy", "Joan", "Karen"} {
		report, err := u.SaveWithReport(ctx, unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: name, Name: name}).Build())
		fmt.Println(name, err, errors.Is(report.Failed[0], unionstore.ErrCircuitOpen), report.Hinted)
	}

	report, _ := u.Replay(ctx)
	fmt.Println("while its breaker is open, pending:", report.Members[0].Pending)

	backup.down = false
	time.Sleep(20 * time.Millisecond) // the breaker's cool-down: Replay probes the backup
	report, err := u.Replay(ctx)
	fmt.Println("replayed:", report.Replayed(), err)
	held, _ := backup.Load(ctx, "shop")
	fmt.Println("backup holds:", len(held))
	// Output:
	// Ada <nil> false 1
	// Grace <nil> false 1
	// Hedy <nil> false 1
	// Joan <nil> true 1
	// Karen <nil> true 1
	// while its breaker is open, pending: true
	// replayed: 5 <nil>
	// backup holds: 5
}
