package kafkastore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// getResult renders what Get returned, for comparison.
func getResult(c unionstore.Change[storetest.Item], ok bool, err error) string {
	switch {
	case err != nil:
		return "error: " + err.Error()
	case !ok:
		return "none"
	}
	return described(c)
}

// described renders one change as describe does.
func described(c unionstore.Change[storetest.Item]) string {
	return describe(unionstore.Changes[storetest.Item]{c})[0]
}

// indexedPair returns a store on a new topic of one partition, the topic,
// and a store WithGetIndex on it.
func indexedPair(t *testing.T) (s *kafkastore.Store[storetest.Item], topic string, indexed *kafkastore.Store[storetest.Item]) {
	t.Helper()
	setup(t)
	topic = newTopic(t)
	s = open(t, topic, kafkastore.WithPartitions(1))
	return s, topic, open(t, topic, kafkastore.WithoutCreate(), kafkastore.WithGetIndex())
}

func get(s unionstore.Store[storetest.Item], ns, kind, id string) string {
	c, ok, err := s.(unionstore.Getter[storetest.Item]).Get(context.Background(), ns, kind, id)
	return getResult(c, ok, err)
}

// produceRaw appends a record of (ns, kind, id) with value as it is to the
// only partition of topic.
func produceRaw(t *testing.T, cl *kgo.Client, topic, ns, kind, id string, value []byte) {
	t.Helper()
	r := &kgo.Record{Topic: topic, Key: kafkastore.RecordKey(ns, kind, id), Value: value}
	if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
		t.Fatalf("produce %s/%s/%s: %v", ns, kind, id, err)
	}
}

// TestGetIndexMatchesTheScan is a model test of the index of Get: random
// saves from two stores on one partition (sets and unsets, equal
// timestamps, older changes after newer ones, in two namespaces), purges
// of either kind, damaged values and Kafka tombstones, and on a compacted
// topic compactions; after each step, Get of every identity through a
// store WithGetIndex must return what Get through a store without it,
// which reads the partition, returns.
func TestGetIndexMatchesTheScan(t *testing.T) {
	setup(t)
	namespaces := []string{"ns", "other"}
	idents := []string{"a", "b", "c", "d", "e"}
	for _, tc := range []struct {
		name      string
		compacted bool
		seed      uint64
	}{
		{"topic keeping every record", false, 1},
		{"topic keeping every record, another draw", false, 2},
		{"compacted topic", true, 3},
		{"compacted topic, another draw", true, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []kafkastore.Option{kafkastore.WithPartitions(1)}
			if tc.compacted {
				opts = append(opts, kafkastore.WithCompactedTopic())
			}
			topic := newTopic(t)
			first := open(t, topic, opts...)
			second := open(t, topic, kafkastore.WithoutCreate())
			indexed := open(t, topic, kafkastore.WithoutCreate(), kafkastore.WithGetIndex())
			raw := newClient(t)
			var c interface{ Compact() }
			if tc.compacted {
				c = fake(t)
			}
			rng := rand.New(rand.NewPCG(tc.seed, 0))
			ctx := context.Background()
			for step := range 60 {
				ns := namespaces[rng.IntN(len(namespaces))]
				var did string
				switch r := rng.IntN(20); {
				case r < 2:
					did = fmt.Sprintf("Purge(%s)", ns)
					if err := first.Purge(ctx, ns); err != nil {
						t.Fatalf("step %d: %s: %v", step, did, err)
					}
				case r < 4:
					through := at(rng.IntN(12))
					did = fmt.Sprintf("PurgeTombstones(%s, %d)", ns, through.UnixNano())
					if _, err := second.PurgeTombstones(ctx, ns, through); err != nil {
						t.Fatalf("step %d: %s: %v", step, did, err)
					}
				case r < 5:
					id := idents[rng.IntN(len(idents))]
					did = fmt.Sprintf("damaged value of %s/%s", ns, id)
					produceRaw(t, raw, topic, ns, "k", id, []byte{1, 1, 0})
				case r < 6:
					id := idents[rng.IntN(len(idents))]
					did = fmt.Sprintf("Kafka tombstone of %s/%s", ns, id)
					produceRaw(t, raw, topic, ns, "k", id, nil)
				case r < 7 && tc.compacted:
					did = "compaction"
					c.Compact()
				default:
					s, name := first, "first"
					if rng.IntN(2) == 1 {
						s, name = second, "second"
					}
					var batch unionstore.Changes[storetest.Item]
					for range 1 + rng.IntN(3) {
						id := idents[rng.IntN(len(idents))]
						ts := at(rng.IntN(12))
						v := fmt.Sprintf("v%d", step)
						if rng.IntN(4) == 0 {
							batch = append(batch, unset(ns, "k", id, ts))
						} else {
							batch = append(batch, set(ns, "k", id, v, ts))
						}
					}
					did = fmt.Sprintf("%s saves %v", name, describe(batch))
					save(t, s, batch...)
				}
				for _, ns := range namespaces {
					for _, id := range idents {
						want := get(first, ns, "k", id)
						if got := get(indexed, ns, "k", id); got != want {
							t.Fatalf("step %d, after %s: indexed Get(%s, k, %s) = %s, want %s", step, did, ns, id, got, want)
						}
					}
				}
			}
		})
	}
}

// TestGetIndexSeesOtherWriters checks that a store WithGetIndex sees, as
// soon as Save returns, what another store on the topic saved, its index
// made before the save.
func TestGetIndexSeesOtherWriters(t *testing.T) {
	writer, _, reader := indexedPair(t)
	steps := []struct {
		change unionstore.Change[storetest.Item]
		want   unionstore.Change[storetest.Item]
	}{
		{set("ns", "k", "a", "one", at(1)), set("ns", "k", "a", "one", at(1))},
		{set("ns", "k", "a", "two", at(2)), set("ns", "k", "a", "two", at(2))},
		{set("ns", "k", "a", "stale", at(1)), set("ns", "k", "a", "two", at(2))},
		{set("ns", "k", "a", "tie", at(2)), set("ns", "k", "a", "tie", at(2))},
		{unset("ns", "k", "a", at(3)), unset("ns", "k", "a", at(3))},
	}
	if got := get(reader, "ns", "k", "a"); got != "none" {
		t.Fatalf("Get(a) of an empty topic = %s, want none", got)
	}
	for _, st := range steps {
		save(t, writer, st.change)
		want := described(st.want)
		if got := get(reader, "ns", "k", "a"); got != want {
			t.Fatalf("after saving %v, Get(a) = %s, want %s", described(st.change), got, want)
		}
	}
}

// TestGetIndexFallsBack removes the record the index points to, by
// DeleteRecords or by compaction: Get must then answer from the records
// left, as a read of the partition does, not from the index.
func TestGetIndexFallsBack(t *testing.T) {
	c := fake(t)
	for _, tc := range []struct {
		name      string
		compacted bool
		remove    func(t *testing.T, topic string)
		want      unionstore.Change[storetest.Item]
	}{
		{"DeleteRecords past the newer change", false, func(t *testing.T, topic string) { deleteRecords(t, topic, 1) }, set("ns", "k", "a", "old", at(1))},
		{"compaction of the newer change", true, func(t *testing.T, topic string) { c.Compact() }, set("ns", "k", "a", "old", at(1))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := newTopic(t)
			opts := []kafkastore.Option{kafkastore.WithPartitions(1)}
			if tc.compacted {
				opts = append(opts, kafkastore.WithCompactedTopic())
			}
			s := open(t, topic, opts...)
			late := open(t, topic, kafkastore.WithoutCreate())
			kafkastore.DisableGuard(late)
			indexed := open(t, topic, kafkastore.WithoutCreate(), kafkastore.WithGetIndex())
			save(t, s, set("ns", "k", "a", "new", at(9)))
			save(t, late, set("ns", "k", "a", "old", at(1)))
			// Compaction leaves the partition's last batch alone.
			save(t, s, set("ns", "k", "z", "filler", at(9)))
			if got, want := get(indexed, "ns", "k", "a"), described(set("ns", "k", "a", "new", at(9))); got != want {
				t.Fatalf("before the removal Get(a) = %s, want %s", got, want)
			}
			tc.remove(t, topic)
			want := described(tc.want)
			if got := get(s, "ns", "k", "a"); got != want {
				t.Fatalf("after the removal, Get(a) without the index = %s, want %s: the removal did not happen", got, want)
			}
			if got := get(indexed, "ns", "k", "a"); got != want {
				t.Fatalf("after the removal, indexed Get(a) = %s, want %s", got, want)
			}
		})
	}
}

// TestGetIndexForgetsRemovedDamage removes a damaged record by
// DeleteRecords: Get reported it while it was there, and must then
// return the change that follows it.
func TestGetIndexForgetsRemovedDamage(t *testing.T) {
	s, topic, indexed := indexedPair(t)
	produceRaw(t, newClient(t), topic, "ns", "k", "a", []byte{1, 1, 0})
	save(t, s, set("ns", "k", "a", "good", at(1)))
	if got, want := get(indexed, "ns", "k", "a"), get(s, "ns", "k", "a"); got != want || want[:6] != "error:" {
		t.Fatalf("Get(a) with its damaged record = %s, want %s, an error", got, want)
	}
	deleteRecords(t, topic, 1)
	want := described(set("ns", "k", "a", "good", at(1)))
	if got := get(indexed, "ns", "k", "a"); got != want {
		t.Fatalf("Get(a) once the damaged record is deleted = %s, want %s", got, want)
	}
}

// TestGetIndexUnderConcurrentWriters runs Gets of one identity from
// several goroutines through a store WithGetIndex while another store
// saves ever later changes of it: each Get must return a change at least
// as late as the last one acknowledged before it began.
func TestGetIndexUnderConcurrentWriters(t *testing.T) {
	writer, _, reader := indexedPair(t)
	const saves, readers = 40, 4
	var acked atomic.Int64 // the timestamp of the last change acknowledged
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, readers)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				before := acked.Load()
				c, ok, err := reader.Get(context.Background(), "ns", "k", "a")
				switch {
				case err != nil:
					errs <- fmt.Errorf("Get(a): %w", err)
					return
				case before > 0 && (!ok || c.Timestamp.UnixNano() < before):
					errs <- fmt.Errorf("Get(a) = %v, %v; want a change at %d or later, acknowledged before the Get", described(c), ok, before)
					return
				}
			}
		}()
	}
	for i := range saves {
		c := set("ns", "k", "a", fmt.Sprint(i), at(i+1))
		save(t, writer, c, set("ns", "k", fmt.Sprintf("other%d", i), "v", at(i)))
		acked.Store(c.Timestamp.UnixNano())
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
