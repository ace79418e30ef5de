package kafkastore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

func TestConformance(t *testing.T) {
	setup(t)
	for _, tc := range []struct {
		name string
		opts []kafkastore.Option
	}{
		{"topic keeping every record", nil},
		{"compacted topic", []kafkastore.Option{kafkastore.WithCompactedTopic()}},
		{"scan spilling to disk", []kafkastore.Option{kafkastore.WithSpillThreshold(1 << 10), kafkastore.WithPartitions(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("store owning its client", func(t *testing.T) {
				topics := map[unionstore.Store[storetest.Item]]string{}
				storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
					topic := newTopic(t)
					s := open(t, topic, tc.opts...)
					topics[s] = topic
					return s
				}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
					return open(t, topics[closed], append(tc.opts, kafkastore.WithoutCreate())...)
				}))
			})
		})
	}
	t.Run("store on a shared client", func(t *testing.T) {
		cl := newClient(t)
		topics := map[unionstore.Store[storetest.Item]]string{}
		newOn := func(t *testing.T, topic string) unionstore.Store[storetest.Item] {
			s, err := kafkastore.New[storetest.Item](context.Background(), cl, topic)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			topics[s] = topic
			return s
		}
		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
			return newOn(t, newTopic(t))
		}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
			return newOn(t, topics[closed])
		}))
	})
}
