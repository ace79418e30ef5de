package kafkastore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
)

type Order struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func (o Order) CompactionKey() (kind, id string) { return "order", o.ID }

// exampleCluster starts an in-process Kafka cluster of one broker, which
// stands for the brokers in the examples, and returns a kafka:// URL of
// it without a topic and a function that stops it.
func exampleCluster() (string, func()) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		panic(err)
	}
	return "kafka://" + c.ListenAddrs()[0], c.Close
}

// The old design's migration example: a union reads an old topic and a new
// one, and writes only to the new. An in-process cluster stands in for the
// brokers here.
func Example_migration() {
	ctx := context.Background()
	brokers, stop := exampleCluster()
	defer stop()

	// What the old application left in its topic.
	legacy, err := kafkastore.OpenURL[Order](ctx, brokers+"/old-topic")
	if err != nil {
		fmt.Println(err)
		return
	}
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_ = legacy.Save(ctx, unionstore.Changes[Order]{
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Order{"1", "paid"}, Timestamp: t},
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Order{"2", "paid"}, Timestamp: t},
	})
	_ = legacy.Close()

	oldStore, err := kafkastore.OpenURL[Order](ctx, brokers+"/old-topic", kafkastore.WithoutCreate())
	if err != nil {
		fmt.Println(err)
		return
	}
	newStore, err := kafkastore.OpenURL[Order](ctx, brokers+"/new-topic")
	if err != nil {
		fmt.Println(err)
		return
	}
	u := unionstore.New(unionstore.ReadOnly[Order](oldStore), newStore)
	defer u.Close()

	err = u.Save(ctx, unionstore.Changes[Order]{
		{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Order{"2", "shipped"}, Timestamp: t.Add(time.Hour)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	changes, err := u.Load(ctx, "shop")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range changes {
		fmt.Println(ch.Entity.ID, ch.Entity.Status)
	}
	// Output:
	// 1 paid
	// 2 shipped
}

// Get reads one entity: its latest change, a deletion included. By
// default it reads the namespace's partition each time; WithGetIndex keeps
// an index of the partitions Get has read, so that a Get reads what the
// partition gained since the last, then fetches one record.
func ExampleStore_Get() {
	ctx := context.Background()
	brokers, stop := exampleCluster()
	defer stop()
	s, err := kafkastore.OpenURL[Order](ctx, brokers+"/orders", kafkastore.WithGetIndex())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	b := unionstore.NewChangesBuilder[Order]("shop")
	b.Set(Order{"7", "paid"}).Unset(Order{"7", ""})
	if err := s.Save(ctx, b.Build()); err != nil {
		fmt.Println(err)
		return
	}
	ch, ok, err := s.Get(ctx, "shop", "order", "7")
	fmt.Println(ch.ChangeType, ok, err)
	_, ok, err = s.Get(ctx, "shop", "order", "8")
	fmt.Println(ok, err)
	// Output:
	// unset true <nil>
	// false <nil>
}
