package pebblestore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*pebblestore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*pebblestore.Store[storetest.Item])(nil)
)

// TestPurgeTombstonesAcrossTransactions removes more tombstones than one
// transaction takes, interleaved with sets and younger tombstones, and
// checks the result against a count made here, after a reopen too.
func TestPurgeTombstonesAcrossTransactions(t *testing.T) {
	ctx := context.Background()
	s := open(t, pebblestore.WithNoSync())
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 25_000
	changes := make(unionstore.Changes[storetest.Item], 0, n)
	wantGone, wantSets, wantTombs := 0, 0, 0
	for i := range n {
		c := unionstore.Change[storetest.Item]{Namespace: "ns", Entity: storetest.Item{Kind: "k", ID: fmt.Sprintf("%06d", i)}, Timestamp: base.Add(time.Duration(i%4) * time.Hour)}
		switch {
		case i%5 == 0:
			c.ChangeType = unionstore.ChangeTypeSet
			wantSets++
		case i%4 == 3: // at the cut-off or after: kept
			c.ChangeType = unionstore.ChangeTypeUnset
			wantTombs++
		default:
			c.ChangeType = unionstore.ChangeTypeUnset
			wantGone++
		}
		changes = append(changes, c)
	}
	if err := s.Save(ctx, changes); err != nil {
		t.Fatal(err)
	}
	got, err := s.PurgeTombstones(ctx, "ns", base.Add(3*time.Hour))
	if err != nil || got != wantGone {
		t.Fatalf("PurgeTombstones = %d, %v, want %d, nil", got, err, wantGone)
	}
	check := func(s *pebblestore.Store[storetest.Item]) {
		t.Helper()
		loaded, err := s.Load(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		sets, tombs := 0, 0
		for _, c := range loaded {
			if c.ChangeType == unionstore.ChangeTypeSet {
				sets++
			} else {
				tombs++
			}
		}
		stats, err := s.Namespaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := unionstore.NamespaceStat{Namespace: "ns", Entities: wantSets, Tombstones: wantTombs}
		if sets != wantSets || tombs != wantTombs || len(stats) != 1 || stats[0] != want {
			t.Fatalf("after the purge: %d sets and %d tombstones loaded, Namespaces %+v; want %+v", sets, tombs, stats, want)
		}
	}
	check(s)
	dir := s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check(openAt(t, dir))
}

func TestPurgeRefusedReadOnly(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: storetest.Item{ID: "a"}, Timestamp: time.Unix(1, 0)}}); err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro := openAt(t, dir, pebblestore.WithReadOnly())
	if err := ro.Purge(ctx, "ns"); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Errorf("Purge on a read-only store = %v, want ErrReadOnly", err)
	}
	if _, err := ro.PurgeTombstones(ctx, "ns", time.Now()); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Errorf("PurgeTombstones on a read-only store = %v, want ErrReadOnly", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ro.Purge(ctx, "ns"); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("Purge after Close = %v, want ErrClosed", err)
	}
}
