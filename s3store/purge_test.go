package s3store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*s3store.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*s3store.Store[storetest.Item])(nil)
)

// TestPurgeTombstonesRewritesSegments purges tombstones spread over
// several segments and counts the objects left: one segment without the
// old tombstones, or none when nothing else was left.
func TestPurgeTombstonesRewritesSegments(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	change := func(ns string, ct unionstore.ChangeType, id string, hours int) unionstore.Changes[storetest.Item] {
		return unionstore.Changes[storetest.Item]{{Namespace: ns, ChangeType: ct, Entity: storetest.Item{Kind: "k", ID: id}, Timestamp: base.Add(time.Duration(hours) * time.Hour)}}
	}
	for i := range 3 { // three segments, each with an old tombstone
		for _, c := range []unionstore.Changes[storetest.Item]{
			append(change("ns", unionstore.ChangeTypeUnset, fmt.Sprint("old", i), 1), change("ns", unionstore.ChangeTypeUnset, fmt.Sprint("new", i), 10)...),
			change("tombs", unionstore.ChangeTypeUnset, fmt.Sprint(i), 1),
		} {
			if err := s.Save(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Save(ctx, change("ns", unionstore.ChangeTypeSet, "kept", 0)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgeTombstones(ctx, "ns", base.Add(5*time.Hour)); err != nil || n != 3 {
		t.Fatalf("PurgeTombstones(ns) = %d, %v, want 3, nil", n, err)
	}
	if keys := segmentKeys(f.keys(t, s.Prefix()+"ns/")); len(keys) != 1 {
		t.Errorf("after the purge ns has %d segments, want 1: %q", len(keys), keys)
	}
	got, err := s.Load(ctx, "ns")
	if err != nil || len(got) != 4 {
		t.Errorf("Load(ns) after the purge = %d changes, %v, want the set and 3 young tombstones", len(got), err)
	}
	if n, err := s.PurgeTombstones(ctx, "tombs", base.Add(5*time.Hour)); err != nil || n != 3 {
		t.Fatalf("PurgeTombstones(tombs) = %d, %v, want 3, nil", n, err)
	}
	if keys := segmentKeys(f.keys(t, s.Prefix()+"tombs/")); len(keys) != 0 {
		t.Errorf("after purging every tombstone, tombs has segments %q, want none", keys)
	}
	before := f.keys(t, s.Prefix())
	if n, err := s.PurgeTombstones(ctx, "ns", base.Add(5*time.Hour)); err != nil || n != 0 {
		t.Fatalf("a second PurgeTombstones = %d, %v, want 0, nil", n, err)
	}
	if after := f.keys(t, s.Prefix()); len(after) != len(before) || after[0] != before[0] {
		t.Errorf("a purge with nothing to remove rewrote segments: %q, was %q", after, before)
	}
}

// segmentKeys returns the keys of segments among keys, leaving out the
// purge markers that purges leave for watchers.
func segmentKeys(keys []string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasSuffix(k, ".seg") {
			out = append(out, k)
		}
	}
	return out
}
