package kafkastore_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	next, stop := iter.Pull2(s.Watch(ctx, ns, after))
	t.Cleanup(func() {
		stop()
		cancel()
	})
	return func() (unionstore.WatchEvent[storetest.Item], error) {
		ev, err, ok := next()
		if !ok {
			return ev, errors.New("the watch ended without an error")
		}
		return ev, err
	}
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
			var cut kadm.Offsets
			cut.Add(kadm.Offset{Topic: topic, Partition: 0, At: 2})
			resps, err := kadm.NewClient(cluster.admin).DeleteRecords(context.Background(), cut)
			if err == nil {
				err = resps.Error()
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.staleList {
				controlListOffsets(t, c, topic, -2, 0)
			}
			if _, err := pullWatch(t, s, "ns", kafkastore.CursorAt(s, "ns", 1))(); !errors.Is(err, unionstore.ErrCursorExpired) {
				t.Fatalf("Watch from offset 1 after records below 2 were deleted = %v, want ErrCursorExpired", err)
			}
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
			if _, err := pullWatch(t, s, "ns", tc.cursor)(); !errors.Is(err, unionstore.ErrCursorExpired) {
				t.Fatalf("Watch from %q = %v, want ErrCursorExpired", tc.cursor, err)
			}
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
