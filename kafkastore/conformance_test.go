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
		{"store indexing Get", []kafkastore.Option{kafkastore.WithGetIndex()}},
		{"compacted topic, store indexing Get", []kafkastore.Option{kafkastore.WithCompactedTopic(), kafkastore.WithGetIndex()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("store owning its client", func(t *testing.T) {
				newStore, reopen := storetest.Named(newTopic, func(t *testing.T, topic string) unionstore.Store[storetest.Item] {
					return open(t, topic, tc.opts...)
				}, func(t *testing.T, topic string) unionstore.Store[storetest.Item] {
					return open(t, topic, append(tc.opts, kafkastore.WithoutCreate())...)
				})
				storetest.Run(t, newStore, reopen)
			})
		})
	}
	t.Run("store on a shared client", func(t *testing.T) {
		cl := newClient(t)
		newOn := func(t *testing.T, topic string) unionstore.Store[storetest.Item] {
			s, err := kafkastore.New[storetest.Item](context.Background(), cl, topic)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		newStore, reopen := storetest.Named(newTopic, newOn, newOn)
		storetest.Run(t, newStore, reopen)
	})
}
