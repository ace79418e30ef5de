package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// TombstoneStore is a store whose tombstones can be purged, for
// [PurgeTombstonesAtTheEdgesOfTime].
type TombstoneStore interface {
	unionstore.Store[Item]
	unionstore.TombstonePurger
}

// PurgeTombstonesAtTheEdgesOfTime saves to namespace "ns" of s, which
// must hold nothing there, a tombstone at [unionstore.MinTimestamp] and a
// set and a tombstone at [unionstore.MaxTimestamp], then purges
// tombstones with cut-offs at and past the ends of that range: the
// smallest timestamp removes nothing, one a nanosecond later the first
// tombstone, the largest nothing, and one past it the last tombstone.
// Load must then return the set alone. It suits a store that keeps
// timestamps in a narrower type than [time.Time] and must not let a
// cut-off outside the range wrap or saturate. It fails tb at the first
// Save or Load error and reports each wrong count. [Run] runs it on every
// store that implements [unionstore.TombstonePurger].
func PurgeTombstonesAtTheEdgesOfTime(tb testing.TB, s TombstoneStore) {
	tb.Helper()
	ctx := context.Background()
	Save(tb, s,
		Unset("ns", "k", "first", unionstore.MinTimestamp),
		Set("ns", "k", "kept", "", unionstore.MaxTimestamp),
		Unset("ns", "k", "last", unionstore.MaxTimestamp))
	for _, tc := range []struct {
		name   string
		before time.Time
		want   int
	}{
		{"at the smallest timestamp", unionstore.MinTimestamp, 0},
		{"just after the smallest", unionstore.MinTimestamp.Add(time.Nanosecond), 1},
		{"at the largest", unionstore.MaxTimestamp, 0},
		{"past the largest", unionstore.MaxTimestamp.Add(time.Hour), 1},
	} {
		if n, err := s.PurgeTombstones(ctx, "ns", tc.before); err != nil || n != tc.want {
			tb.Errorf("PurgeTombstones %s (%v) = %d, %v, want %d, nil", tc.name, tc.before, n, err, tc.want)
		}
	}
	got, err := s.Load(ctx, "ns")
	if err != nil {
		tb.Fatalf("Load after the purges: %v", err)
	}
	if len(got) != 1 || got[0].Entity.ID != "kept" || got[0].ChangeType != unionstore.ChangeTypeSet {
		tb.Errorf("Load after the purges = %v, want the set alone", got)
	}
}
