package kafkastore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*kafkastore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*kafkastore.Store[storetest.Item])(nil)
)

// TestPurgeRecordsApplyInOffsetOrder interleaves saves and purges of one
// namespace, some saves with timestamps older than the purges, and checks
// Load, Scan (in memory and spilling to disk), Get and Namespaces against
// a model that applies each purge to what came before it, on a topic
// that keeps every record and on a compacted one.
func TestPurgeRecordsApplyInOffsetOrder(t *testing.T) {
	setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts []kafkastore.Option
	}{
		{"topic keeping every record", []kafkastore.Option{kafkastore.WithSpillThreshold(1 << 10)}},
		{"compacted topic", []kafkastore.Option{kafkastore.WithCompactedTopic(), kafkastore.WithSpillThreshold(1 << 10)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, newTopic(t), append(tc.opts, kafkastore.WithPartitions(1))...)
			model := map[string]unionstore.Change[storetest.Item]{}
			saveBoth := func(changes ...unionstore.Change[storetest.Item]) {
				t.Helper()
				save(t, s, changes...)
				for _, c := range changes {
					if cur, ok := model[c.Entity.ID]; !ok || !c.Timestamp.Before(cur.Timestamp) {
						model[c.Entity.ID] = c
					}
				}
			}
			check := func(step string) {
				t.Helper()
				var want unionstore.Changes[storetest.Item]
				for _, c := range model {
					want = append(want, c)
				}
				slices.SortFunc(want, func(a, b unionstore.Change[storetest.Item]) int { return compareIDs(a.Entity.ID, b.Entity.ID) })
				if got := describe(load(t, s, "ns")); !slices.Equal(got, describe(want)) {
					t.Fatalf("%s: Load =\n%q\nwant\n%q", step, got, describe(want))
				}
				var scanned unionstore.Changes[storetest.Item]
				for c, err := range s.Scan(ctx, "ns") {
					if err != nil {
						t.Fatalf("%s: Scan: %v", step, err)
					}
					scanned = append(scanned, c)
				}
				if got := describe(scanned); !slices.Equal(got, describe(want)) {
					t.Fatalf("%s: Scan =\n%q\nwant\n%q", step, got, describe(want))
				}
				for _, id := range []string{"a00", "a05", "b00", "c00"} {
					_, found, err := s.Get(ctx, "ns", "k", id)
					_, inModel := model[id]
					if err != nil || found != inModel {
						t.Fatalf("%s: Get(%q) found %v, %v; want %v", step, id, found, err, inModel)
					}
				}
				stats, err := s.Namespaces(ctx)
				if err != nil {
					t.Fatal(err)
				}
				sets, unsets := 0, 0
				for _, c := range model {
					if c.ChangeType == unionstore.ChangeTypeSet {
						sets++
					} else {
						unsets++
					}
				}
				var wantStats []unionstore.NamespaceStat
				if len(model) > 0 {
					wantStats = []unionstore.NamespaceStat{{Namespace: "ns", Entities: sets, Tombstones: unsets}}
				}
				if !slices.Equal(stats, wantStats) {
					t.Fatalf("%s: Namespaces = %+v, want %+v", step, stats, wantStats)
				}
			}
			many := func(prefix string, n, ts int, unsetEvery int) []unionstore.Change[storetest.Item] {
				var out []unionstore.Change[storetest.Item]
				for i := range n {
					id := fmt.Sprintf("%s%02d", prefix, i)
					if unsetEvery > 0 && i%unsetEvery == 0 {
						out = append(out, unset("ns", "k", id, at(ts+i)))
					} else {
						out = append(out, set("ns", "k", id, "v"+id, at(ts+i)))
					}
				}
				return out
			}
			saveBoth(many("a", 20, 100, 3)...)
			check("before any purge")
			if err := s.Purge(ctx, "ns"); err != nil {
				t.Fatal(err)
			}
			clear(model)
			check("after a purge")
			// Older than what was purged, and still kept.
			saveBoth(many("b", 20, 10, 2)...)
			saveBoth(many("a", 10, 50, 4)...)
			check("after saves following the purge")
			n, err := s.PurgeTombstones(ctx, "ns", at(55))
			dropped := 0
			for id, c := range model {
				if c.ChangeType == unionstore.ChangeTypeUnset && c.Timestamp.Before(at(55)) {
					delete(model, id)
					dropped++
				}
			}
			if err != nil || n != dropped {
				t.Fatalf("PurgeTombstones = %d, %v, want %d, nil", n, err, dropped)
			}
			check("after purging tombstones")
			saveBoth(unset("ns", "k", "b00", at(1)), set("ns", "k", "c00", "late", at(0)))
			check("after late saves")
		})
	}
}

func compareIDs(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestPurgeOnACompactedTopicWritesKafkaTombstones checks what lets
// compaction remove purged records: a Kafka tombstone per purged key,
// after the purge record.
func TestPurgeOnACompactedTopicWritesKafkaTombstones(t *testing.T) {
	setup(t)
	ctx := context.Background()
	topic := newTopic(t)
	s := open(t, topic, kafkastore.WithCompactedTopic(), kafkastore.WithPartitions(1))
	save(t, s, set("ns", "k", "a", "v", at(1)), unset("ns", "k", "b", at(2)), set("other", "k", "a", "v", at(1)))
	if n, err := s.PurgeTombstones(ctx, "ns", at(10)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones = %d, %v, want 1, nil", n, err)
	}
	if err := s.Purge(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var nulls int
	var total int
	for total < 7 { // 3 changes, 2 purge records, 2 Kafka tombstones
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatal(err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			total++
			if r.Value == nil {
				nulls++
			}
		})
	}
	if nulls != 2 {
		t.Errorf("the topic holds %d Kafka tombstones, want 2 (b by the tombstone purge, a by the purge)", nulls)
	}
	if got := load(t, s, "other"); len(got) != 1 {
		t.Errorf("the purges touched another namespace: %q", describe(got))
	}
}
