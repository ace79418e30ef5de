package kafkastore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

var _ unionstore.Watcher[storetest.Item] = (*kafkastore.Store[storetest.Item])(nil)

// pullWatch starts a watch of ns after cursor, ended by the test's end or
// after a few seconds.
func pullWatch(t *testing.T, s *kafkastore.Store[storetest.Item], ns string, after unionstore.Cursor) func() (unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	return storetest.PullWatch(t, s, ns, after, 5*time.Second)
}

// TestWatchExpiresPastDeletedRecords deletes the first two of four records
// (as retention or DeleteRecords does): a watch from a cursor before the
// new log start expires rather than going on from it, whether the resume
// sees the new log start or the cluster still reports the old one and the
// fetch at the cursor finds its records gone.
func TestWatchExpiresPastDeletedRecords(t *testing.T) {
	for _, tc := range []struct {
		name      string
		staleList bool
	}{
		{"the log start is past the cursor", false},
		{"the cluster reports the old log start once", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake(t)
			s, topic := fourChanges(t)
			deleteRecords(t, topic, 2)
			if tc.staleList {
				controlListOffsets(t, c, topic, -2, 0)
			}
			storetest.WantExpired(t, "from offset 1 after records below 2 were deleted", pullWatch(t, s, "ns", kafkastore.CursorAt(s, "ns", 1)))
			ev, err := pullWatch(t, s, "ns", kafkastore.CursorAt(s, "ns", 2))()
			if err != nil || ev.Change.Entity.ID != "c" {
				t.Fatalf("Watch from the new log start = %v, %v, want c", ev.Change.Entity.ID, err)
			}
		})
	}
}

// TestWatchRefusesForeignCursors gives a watch cursors the store did not
// make for the namespace's partition: each expires.
func TestWatchRefusesForeignCursors(t *testing.T) {
	s := open(t, newTopic(t))
	other := open(t, newTopic(t))
	save(t, s, set("ns", "k", "a", "1", at(1)))
	var elsewhere string // a namespace in another partition
	for i := 0; elsewhere == ""; i++ {
		if ns := fmt.Sprint("ns", i); kafkastore.PartitionOf(s, ns) != kafkastore.PartitionOf(s, "ns") {
			elsewhere = ns
		}
	}
	for _, tc := range []struct {
		name   string
		cursor unionstore.Cursor
	}{
		{"of another topic", kafkastore.CursorAt(other, "ns", 0)},
		{"of another partition", kafkastore.CursorAt(s, elsewhere, 0)},
		{"past the high watermark", kafkastore.CursorAt(s, "ns", 2)},
		{"not a cursor", "kafka:nonsense"},
		{"a negative offset", kafkastore.CursorAt(s, "ns", -1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.WantExpired(t, fmt.Sprintf("from %q", tc.cursor), pullWatch(t, s, "ns", tc.cursor))
		})
	}
	if ev, err := pullWatch(t, s, "ns", kafkastore.CursorAt(s, "ns", 0))(); err != nil || ev.Change.Entity.ID != "a" {
		t.Fatalf("Watch from offset 0 = %v, %v, want a", ev.Change.Entity.ID, err)
	}
}

// TestWatchSharesItsPartition watches one of two namespaces of a
// partition while both are saved to and the other is purged: the watch
// yields its own namespace's changes alone, in the order saved, and goes
// on past the other's purge.
func TestWatchSharesItsPartition(t *testing.T) {
	s := open(t, newTopic(t), kafkastore.WithPartitions(1))
	_, cursor, err := s.Snapshot(context.Background(), "ns")
	if err != nil {
		t.Fatal(err)
	}
	next := pullWatch(t, s, "ns", cursor)
	var want []string
	for i := range 4 {
		save(t, s, set("other", "k", fmt.Sprint("o", i), "1", at(i)))
		save(t, s, set("ns", "k", fmt.Sprint("e", i), "1", at(i)))
		want = append(want, fmt.Sprint("e", i))
		if i == 1 {
			if err := s.Purge(context.Background(), "other"); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	for range want {
		ev, err := next()
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		if ev.Change.Namespace != "ns" {
			t.Fatalf("the watch of ns yielded a change of %q", ev.Change.Namespace)
		}
		got = append(got, ev.Change.Entity.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the watch yielded %q, want %q", got, want)
	}
}

// TestWatchOnACompactedTopic watches a compacted topic's partition after
// the cluster compacted it. A watcher behind compaction converges on what
// Load returns, for compaction keeps the latest record of every key, and
// reads past the offsets it removed. After a purge whose Kafka tombstones
// compaction removed (delete.retention.ms of 0), a watcher from before
// the purge still expires, for the purge record stays. Each partition
// starts with a record that survives compaction, because kfake, unlike
// Kafka, moves the log start to the first record left, which expires
// every cursor below it.
func TestWatchOnACompactedTopic(t *testing.T) {
	c := fake(t)
	ctx := context.Background()
	t.Run("a watcher behind compaction converges", func(t *testing.T) {
		s := open(t, newTopic(t), kafkastore.WithCompactedTopic(), kafkastore.WithPartitions(1))
		save(t, s, set("ns", "k", "b", "1", at(1))) // offset 0, kept
		save(t, s, set("ns", "k", "a", "1", at(1)))
		save(t, s, set("ns", "k", "a", "2", at(2)))
		save(t, s, unset("ns", "k", "a", at(3)))
		save(t, s, set("ns", "k", "z", "filler", at(5)))
		c.Compact()
		want := describe(load(t, s, "ns"))
		model := unionstore.NewMemory[storetest.Item]()
		save(t, model, set("ns", "k", "b", "1", at(1)))
		next := pullWatch(t, s, "ns", kafkastore.CursorAt(s, "ns", 1))
		for n := 0; !slices.Equal(describe(load(t, model, "ns")), want); n++ {
			ev, err := next()
			if err != nil {
				t.Fatalf("after %d events the watcher holds %v, want %v: %v", n, describe(load(t, model, "ns")), want, err)
			}
			save(t, model, ev.Change)
		}
	})
	t.Run("a watcher behind a purge whose tombstones are gone expires", func(t *testing.T) {
		topic := newTopic(t)
		s := open(t, topic, kafkastore.WithCompactedTopic(), kafkastore.WithPartitions(1))
		save(t, s, set("other", "k", "o", "1", at(1))) // offset 0, kept
		save(t, s, set("ns", "k", "a", "1", at(1)), set("ns", "k", "b", "1", at(1)))
		if err := s.Purge(ctx, "ns"); err != nil {
			t.Fatal(err)
		}
		save(t, s, set("ns", "k", "z", "after", at(2)))
		resps, err := kadm.NewClient(admin(t)).AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "delete.retention.ms", Value: kadm.StringPtr("0")}}, topic)
		if err == nil {
			_, err = resps.On(topic, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		c.Compact()
		if got := describe(load(t, s, "ns")); !slices.Equal(got, describe(unionstore.Changes[storetest.Item]{set("ns", "k", "z", "after", at(2))})) {
			t.Fatalf("after compaction Load = %v, want z alone", got)
		}
		storetest.WantExpired(t, "from before the purge", pullWatch(t, s, "ns", kafkastore.CursorAt(s, "ns", 1)))
	})
}
