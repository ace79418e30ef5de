package redisstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// namespaceNames returns the namespaces s lists.
func namespaceNames(t *testing.T, s *redisstore.Store[storetest.Item]) []string {
	t.Helper()
	stats, err := s.Namespaces(context.Background())
	if err != nil {
		t.Fatalf("Namespaces: %v", err)
	}
	var names []string
	for _, st := range stats {
		names = append(names, st.Namespace)
	}
	return names
}

// indexed returns the members of the index of prefix.
func indexed(t *testing.T, prefix string) []string {
	t.Helper()
	names, err := adminClient(t).ZRange(context.Background(), redisstore.IndexKey(prefix), 0, -1).Result()
	if err != nil {
		t.Fatalf("read index: %v", err)
	}
	return names
}

// TestPurgeRemovesKeys checks that Purge leaves no key of the namespace
// and no index entry, and touches no other namespace.
func TestPurgeRemovesKeys(t *testing.T) {
	ctx := context.Background()
	prefix := newPrefix(t)
	s := newStoreOn(t, adminClient(t), prefix)
	batch := unionstore.Changes[storetest.Item]{set("a:{1}", "k", "1", "v", at(1)), unset("a:{1}", "k", "2", at(1)), set("b", "k", "1", "v", at(1))}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if err := s.Purge(ctx, "a:{1}"); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	records, ids, counts := redisstore.NamespaceKeys(prefix, "a:{1}")
	for _, k := range prefixKeys(t, prefix) {
		if k == records || k == ids || k == counts {
			t.Errorf("key %q of the purged namespace is left", k)
		}
	}
	if got := indexed(t, prefix); !slices.Equal(got, []string{"b"}) {
		t.Errorf("index after Purge = %q, want [b]", got)
	}
	if got, err := s.Load(ctx, "b"); err != nil || len(got) != 1 {
		t.Errorf("Load(b) after purging a = %v, %v, want 1 change", got, err)
	}
}

// TestPurgeTombstonesChecksTimestamps checks that PurgeTombstones removes
// the tombstones before the cut only: not a later tombstone, nor a set
// saved over an old tombstone, across pages; and that a namespace it
// empties leaves no key but its feed hash, and no index entry.
func TestPurgeTombstonesChecksTimestamps(t *testing.T) {
	ctx := context.Background()
	prefix := newPrefix(t)
	s := newStoreOn(t, adminClient(t), prefix, redisstore.WithPageSize(2))
	cut := at(100)
	batch := unionstore.Changes[storetest.Item]{
		unset("ns", "k", "old1", at(1)),
		unset("ns", "k", "old2", at(99)),
		unset("ns", "k", "new", at(100)), // not before the cut
		unset("ns", "k", "resaved", at(2)),
		unset("ns", "k", "old3", at(-5)),
		set("ns", "k", "set", "v", at(1)),
		unset("empty", "k", "1", at(1)),
	}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatalf("Save: %v", err)
	}
	storetest.Save(t, s, set("ns", "k", "resaved", "v", at(3)))
	n, err := s.PurgeTombstones(ctx, "ns", cut)
	if err != nil || n != 3 {
		t.Errorf("PurgeTombstones = %d, %v, want 3", n, err)
	}
	got, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var left []string
	for _, c := range got {
		left = append(left, c.Entity.ID)
	}
	if want := []string{"new", "resaved", "set"}; !slices.Equal(left, want) {
		t.Errorf("after PurgeTombstones, Load = %q, want %q", left, want)
	}
	stats, err := s.Namespaces(ctx)
	if want := []unionstore.NamespaceStat{{Namespace: "empty", Tombstones: 1}, {Namespace: "ns", Entities: 2, Tombstones: 1}}; err != nil || !slices.Equal(stats, want) {
		t.Errorf("Namespaces = %v, %v, want %v", stats, err, want)
	}
	if n, err := s.PurgeTombstones(ctx, "empty", cut); err != nil || n != 1 {
		t.Errorf("PurgeTombstones(empty) = %d, %v, want 1", n, err)
	}
	// The feed hash stays, so that the namespace's positions go on.
	_, emptyFeed := redisstore.FeedKeys(prefix, "empty")
	for _, k := range prefixKeys(t, prefix) {
		if strings.Contains(k, ":empty}") && k != emptyFeed {
			t.Errorf("key %q of the emptied namespace is left", k)
		}
	}
	if got := indexed(t, prefix); !slices.Equal(got, []string{"ns"}) {
		t.Errorf("index = %q, want [ns]", got)
	}
}

// TestNamespacesSkipsStaleEntries adds to the index a namespace without
// records, as a save that failed after indexing leaves, and checks that
// Namespaces does not list it.
func TestNamespacesSkipsStaleEntries(t *testing.T) {
	ctx := context.Background()
	prefix := newPrefix(t)
	s := newStoreOn(t, adminClient(t), prefix)
	storetest.Save(t, s, set("real", "k", "1", "v", at(1)))
	if err := adminClient(t).ZAdd(ctx, redisstore.IndexKey(prefix), redisZ("ghost")).Err(); err != nil {
		t.Fatalf("ZADD: %v", err)
	}
	if got := namespaceNames(t, s); !slices.Equal(got, []string{"real"}) {
		t.Errorf("Namespaces = %q, want [real]", got)
	}
}

// TestIndexUnderPurgeRaces has saves and purges of the same namespaces
// race from stores on several clients, and checks after each round that
// every namespace holding records is listed: the index must never lose a
// namespace that a save wrote after a purge removed it.
func TestIndexUnderPurgeRaces(t *testing.T) {
	prefix := newPrefix(t)
	var stores []*redisstore.Store[storetest.Item]
	for range 4 {
		stores = append(stores, newStoreOn(t, newClient(t), prefix))
	}
	indexUnderPurgeRaces(t, adminClient(t), stores, prefix)
}

// indexUnderPurgeRaces runs the rounds of TestIndexUnderPurgeRaces on
// stores of prefix, reading the keys through admin.
func indexUnderPurgeRaces(t *testing.T, admin redis.UniversalClient, stores []*redisstore.Store[storetest.Item], prefix string) {
	ctx := context.Background()
	namespaces := []string{"a", "b"}
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for round := range rounds {
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() {
				for j := range 5 {
					ns := namespaces[(i+j)%len(namespaces)]
					var err error
					switch {
					case i%2 == 0:
						err = s.Save(ctx, unionstore.Changes[storetest.Item]{set(ns, "k", fmt.Sprint(j), "v", at(round))})
					case j%2 == 0:
						err = s.Purge(ctx, ns)
					default:
						_, err = s.PurgeTombstones(ctx, ns, time.Now())
					}
					if err != nil {
						t.Errorf("round %d: %v", round, err)
					}
				}
			})
		}
		wg.Wait()
		listed := namespaceNames(t, stores[0])
		for _, ns := range namespaces {
			_, ids, _ := redisstore.NamespaceKeys(prefix, ns)
			n, err := admin.ZCard(ctx, ids).Result()
			if err != nil {
				t.Fatalf("ZCARD: %v", err)
			}
			if n > 0 && !slices.Contains(listed, ns) {
				t.Fatalf("round %d: namespace %q holds %d records but Namespaces lists %q", round, ns, n, listed)
			}
		}
	}
}
