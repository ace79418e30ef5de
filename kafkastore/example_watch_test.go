package kafkastore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
)

// Take a snapshot, watch the changes saved after it, then see a purge
// expire the cursor: the watcher must take a new snapshot.
func ExampleStore_Watch() {
	ctx := context.Background()
	brokers, stop := exampleCluster()
	defer stop()
	s, err := kafkastore.OpenURL[Order](ctx, brokers+"/orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_ = s.Save(ctx, unionstore.Changes[Order]{{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Order{"1", "new"}, Timestamp: t}})

	snap, cursor, _ := s.Snapshot(ctx, "shop")
	fmt.Println("snapshot:", len(snap), "order")
	_ = s.Save(ctx, unionstore.Changes[Order]{{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Order{"1", "paid"}, Timestamp: t.Add(time.Second)}})
	for ev, err := range s.Watch(ctx, "shop", cursor) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("event:", ev.Change.Entity.ID, ev.Change.Entity.Status)
		cursor = ev.Cursor
		break
	}

	_ = s.Purge(ctx, "shop")
	for _, err := range s.Watch(ctx, "shop", cursor) {
		fmt.Println("after the purge, expired:", errors.Is(err, unionstore.ErrCursorExpired))
		break
	}
	// Output:
	// snapshot: 1 order
	// event: 1 paid
	// after the purge, expired: true
}
