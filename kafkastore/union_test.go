package kafkastore_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// TestUnionOfOldAndNewTopics follows the old design's migration example: a
// union reads an old topic, opened read-only and never created, and a new
// one, and writes only to the new.
func TestUnionOfOldAndNewTopics(t *testing.T) {
	oldTopic, newTopicName := newTopic(t), newTopic(t)
	// What the old application left in its topic.
	legacy := open(t, oldTopic)
	save(t, legacy, set("orders", "order", "1", "old", at(1)), set("orders", "order", "2", "old", at(1)), set("orders", "order", "3", "old", at(5)))
	if err := legacy.Close(); err != nil {
		t.Fatal(err)
	}

	oldStore := open(t, oldTopic, kafkastore.WithoutCreate())
	newStore := open(t, newTopicName)
	u := unionstore.New(unionstore.ReadOnly[storetest.Item](oldStore), newStore)
	save(t, u, set("orders", "order", "2", "migrated", at(2)), unset("orders", "order", "3", at(3)), set("orders", "order", "4", "new", at(4)))

	want := describe(unionstore.Changes[storetest.Item]{
		set("orders", "order", "1", "old", at(1)),
		set("orders", "order", "2", "migrated", at(2)),
		set("orders", "order", "3", "old", at(5)), // newer in the old topic than the unset
		set("orders", "order", "4", "new", at(4)),
	})
	if got := describe(load(t, u, "orders")); !slices.Equal(got, want) {
		t.Fatalf("union Load = %v, want %v", got, want)
	}
	var scanned unionstore.Changes[storetest.Item]
	for c, err := range u.Scan(context.Background(), "orders") {
		if err != nil {
			t.Fatalf("union Scan: %v", err)
		}
		scanned = append(scanned, c)
	}
	if got := describe(scanned); !slices.Equal(got, want) {
		t.Fatalf("union Scan = %v, want %v", got, want)
	}
	// The old topic was not written to.
	wantOld := describe(unionstore.Changes[storetest.Item]{set("orders", "order", "1", "old", at(1)), set("orders", "order", "2", "old", at(1)), set("orders", "order", "3", "old", at(5))})
	if got := describe(load(t, oldStore, "orders")); !slices.Equal(got, wantOld) {
		t.Fatalf("old topic Load = %v, want %v", got, wantOld)
	}
}

// TestWithoutCreateRefusesAMissingTopic checks that opening read-only
// creates nothing.
func TestWithoutCreateRefusesAMissingTopic(t *testing.T) {
	topic := newTopic(t)
	_, err := kafkastore.OpenURL[storetest.Item](context.Background(), topicURL(t, topic), kafkastore.WithoutCreate())
	if !errors.Is(err, kafkastore.ErrNoTopic) {
		t.Fatalf("OpenURL(WithoutCreate) of a missing topic = %v, want ErrNoTopic", err)
	}
	_, err = kafkastore.OpenURL[storetest.Item](context.Background(), topicURL(t, topic), kafkastore.WithoutCreate())
	if !errors.Is(err, kafkastore.ErrNoTopic) {
		t.Fatalf("second OpenURL(WithoutCreate) = %v, want ErrNoTopic: the first created the topic", err)
	}
}
