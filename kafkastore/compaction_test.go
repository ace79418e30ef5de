package kafkastore_test

import (
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// TestCompactionKeepsTheLatest saves a change, then, from another store on
// the same compacted topic, an older change of the same identity, and then
// forces the in-process cluster to compact. Kafka's compaction keeps the
// record with the highest offset per key, so the stale change would win if
// it were appended; the guard must leave it out. The same steps with the
// guard turned off show the loss the guard prevents, so that the test
// fails if the guard stops working or if compaction stops being forced.
func TestCompactionKeepsTheLatest(t *testing.T) {
	c := fake(t)
	for _, tc := range []struct {
		name  string
		guard bool
		want  unionstore.Changes[storetest.Item]
	}{
		{"with the guard the newer change survives", true, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "new", at(2)), set("ns", "k", "b", "filler", at(3))}},
		{"without the guard the stale change survives", false, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "stale", at(1)), set("ns", "k", "b", "filler", at(3))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := newTopic(t)
			writer := open(t, topic, kafkastore.WithCompactedTopic(), kafkastore.WithPartitions(1))
			save(t, writer, set("ns", "k", "a", "new", at(2)))
			// A second store knows nothing of the first: it learns the
			// newer change by reading the partition before it appends.
			late := open(t, topic, kafkastore.WithoutCreate())
			if !tc.guard {
				kafkastore.DisableGuard(late)
			}
			save(t, late, set("ns", "k", "a", "stale", at(1)))
			// Compaction leaves the partition's last batch alone: end with
			// another identity, so that every record of a is cleanable.
			save(t, writer, set("ns", "k", "b", "filler", at(3)))

			before := describe(load(t, writer, "ns"))
			if want := describe(unionstore.Changes[storetest.Item]{set("ns", "k", "a", "new", at(2)), set("ns", "k", "b", "filler", at(3))}); !slices.Equal(before, want) {
				t.Fatalf("before compaction Load = %v, want %v", before, want)
			}
			c.Compact()
			if got, want := describe(load(t, writer, "ns")), describe(tc.want); !slices.Equal(got, want) {
				t.Fatalf("after compaction Load = %v, want %v", got, want)
			}
		})
	}
}

// TestCompactedTopicGuardWithinOneStore checks that one store learns from
// its own saves: a stale change saved after a newer one, through the same
// store, is left out too, and an equal timestamp still wins as the later
// save.
func TestCompactedTopicGuardWithinOneStore(t *testing.T) {
	c := fake(t)
	s := open(t, newTopic(t), kafkastore.WithCompactedTopic(), kafkastore.WithPartitions(1))
	save(t, s, set("ns", "k", "a", "new", at(5)))
	save(t, s, set("ns", "k", "a", "stale", at(4)))
	save(t, s, set("ns", "k", "b", "tie-1", at(7)))
	save(t, s, set("ns", "k", "b", "tie-2", at(7)))
	save(t, s, set("ns", "k", "z", "filler", at(9)))
	c.Compact()
	want := describe(unionstore.Changes[storetest.Item]{set("ns", "k", "a", "new", at(5)), set("ns", "k", "b", "tie-2", at(7)), set("ns", "k", "z", "filler", at(9))})
	if got := describe(load(t, s, "ns")); !slices.Equal(got, want) {
		t.Fatalf("after compaction Load = %v, want %v", got, want)
	}
}
