package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*pgstore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*pgstore.Store[storetest.Item])(nil)
)

// TestPurgeTombstonesAtTheEdgesOfTime purges with cut-offs outside the
// range of timestamps a change may carry.
func TestPurgeTombstonesAtTheEdgesOfTime(t *testing.T) {
	ctx := context.Background()
	s := newStoreOn(t, adminPool(t), newTable(t))
	tomb := func(id string, ts time.Time) unionstore.Change[storetest.Item] {
		return unionstore.Change[storetest.Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: storetest.Item{ID: id}, Timestamp: ts}
	}
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{tomb("min", unionstore.MinTimestamp), tomb("max", unionstore.MaxTimestamp)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		before time.Time
		want   int
	}{
		{"before the smallest timestamp", unionstore.MinTimestamp, 0},
		{"just after the smallest", unionstore.MinTimestamp.Add(1), 1},
		{"at the largest", unionstore.MaxTimestamp, 0},
		{"past the largest", unionstore.MaxTimestamp.Add(time.Hour), 1},
	}
	for _, tc := range tests {
		n, err := s.PurgeTombstones(ctx, "ns", tc.before)
		if err != nil || n != tc.want {
			t.Errorf("PurgeTombstones %s = %d, %v, want %d, nil", tc.name, n, err, tc.want)
		}
	}
	if got, err := s.Load(ctx, "ns"); err != nil || len(got) != 0 {
		t.Errorf("Load after the purges = %d changes, %v, want none", len(got), err)
	}
}

func TestPurgeAfterClose(t *testing.T) {
	s := newStoreOn(t, adminPool(t), newTable(t))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(context.Background(), "ns"); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("Purge after Close = %v, want ErrClosed", err)
	}
	if _, err := s.PurgeTombstones(context.Background(), "ns", time.Now()); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("PurgeTombstones after Close = %v, want ErrClosed", err)
	}
}
