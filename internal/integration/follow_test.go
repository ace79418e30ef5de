package integration_test

import (
	"context"
	"errors"
	"iter"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// outage is a member that can be taken down: while down, its Save fails
// and its feed ends with an error, as a server that stopped answering;
// the data stays in the real store beneath.
type outage struct {
	store interface {
		unionstore.Store[storetest.Item]
		unionstore.Watcher[storetest.Item]
	}
	down atomic.Bool
}

var errDown = errors.New("server down")

func (o *outage) Save(ctx context.Context, c unionstore.Changes[storetest.Item]) error {
	if o.down.Load() {
		return errDown
	}
	return o.store.Save(ctx, c)
}

func (o *outage) Load(ctx context.Context, ns string) (unionstore.Changes[storetest.Item], error) {
	if o.down.Load() {
		return nil, errDown
	}
	return o.store.Load(ctx, ns)
}

func (o *outage) Close() error { return o.store.Close() }

func (o *outage) Snapshot(ctx context.Context, ns string) (unionstore.Changes[storetest.Item], unionstore.Cursor, error) {
	if o.down.Load() {
		return nil, "", errDown
	}
	return o.store.Snapshot(ctx, ns)
}

// Watch relays the store's feed until the member goes down; it checks
// every 10 ms, so that a watch waiting for changes notices the outage.
func (o *outage) Watch(ctx context.Context, ns string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[storetest.Item], error] {
	return func(yield func(unionstore.WatchEvent[storetest.Item], error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			for !o.down.Load() && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
		}()
		for ev, err := range o.store.Watch(ctx, ns, after) {
			if o.down.Load() {
				yield(unionstore.WatchEvent[storetest.Item]{}, errDown)
				return
			}
			if !yield(ev, err) || err != nil {
				return
			}
		}
		if o.down.Load() {
			yield(unionstore.WatchEvent[storetest.Item]{}, errDown)
		}
	}
}

// TestFollowAUnionThroughAnOutage keeps a Memory in step with a union of a
// bolt file and PostgreSQL while PostgreSQL goes down and comes back.
func TestFollowAUnionThroughAnOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := pgstore.OpenURL[storetest.Item](ctx, pgTable(t), pgstore.WithCreateSchema())
	if err != nil {
		t.Fatalf("pgstore.OpenURL: %v", err)
	}
	bolt, err := boltstore.Open[storetest.Item](filepath.Join(t.TempDir(), "follow.db"))
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	remote := &outage{store: pg}
	u := unionstore.New[storetest.Item](unionstore.Named("bolt", bolt), unionstore.Named("postgres", remote)).
		With(unionstore.WriteQuorum(1), unionstore.DegradedReads(1))
	defer u.Close()

	cache := unionstore.NewMemory[storetest.Item]()
	followed := make(chan error, 1)
	fctx, stop := context.WithCancel(ctx)
	go func() { followed <- unionstore.Follow(fctx, u, "orders", cache) }()
	inStep := func(step string) {
		t.Helper()
		want, err := u.Load(ctx, "orders")
		if err != nil {
			t.Fatalf("%s: union Load: %v", step, err)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			got, _ := cache.Load(ctx, "orders")
			if slices.Equal(describeAll(got), describeAll(want)) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the cache holds %d changes, the union %d", step, len(got), len(want))
			}
		}
	}

	if err := u.Save(ctx, batch("orders", 0, 50)); err != nil {
		t.Fatal(err)
	}
	inStep("both stores up")

	remote.down.Store(true)
	if _, err := u.SaveWithReport(ctx, batch("orders", 40, 30)); err != nil {
		t.Fatalf("Save with PostgreSQL down and a write quorum of 1: %v", err)
	}
	inStep("PostgreSQL down")

	remote.down.Store(false)
	if _, err := u.Repair(ctx, "orders"); err != nil {
		t.Fatalf("Repair once PostgreSQL is back: %v", err)
	}
	if err := u.Save(ctx, batch("orders", 60, 30)); err != nil {
		t.Fatal(err)
	}
	inStep("PostgreSQL back")

	stop()
	if err := <-followed; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v, want context.Canceled", err)
	}
}

func describeAll(changes unionstore.Changes[storetest.Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = describe(c)
	}
	return out
}
