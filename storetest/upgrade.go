package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// FeedUpgrade is the check that a store on data of a layout older than its
// change feed reads the data as it is when opened read-only, and upgrades
// it when opened for writing, with a feed that delivers the saves after
// the upgrade. The data must hold one change of namespace "ns", of id
// "old", when [FeedUpgrade.Run] starts.
type FeedUpgrade struct {
	// OpenReadOnly opens a read-only store on the data.
	OpenReadOnly func(tb testing.TB) WatchStore
	// Open opens a store on the data for writing.
	Open func(tb testing.TB) WatchStore
	// Layout returns the layout version and the id the data holds, as the
	// engine reads them without the store: "" for an id not there.
	Layout func(tb testing.TB) (version, id string)
}

// Run checks the upgrade of data of layout version old to version current:
// a read-only store's Snapshot of "ns" holds the old change, and the data
// keeps version old without an id; a writable store's Snapshot holds it
// too, a Watch from its cursor delivers after (a change of "ns" with an
// id of its own) once saved, and Load then holds both; once that store is
// closed the data is of version current with an id. Run closes the stores
// it opens and fails tb and stops at the first fault.
func (u FeedUpgrade) Run(tb testing.TB, old, current string, after unionstore.Change[Item]) {
	tb.Helper()
	ro := u.OpenReadOnly(tb)
	if got, cursor := Snapshot(tb, ro, "ns"); len(got) != 1 || got[0].Entity.ID != "old" {
		tb.Fatalf("read-only Snapshot of a version %s layout = %v, %q; want the old change", old, got, cursor)
	}
	closeStore(tb, ro)
	if v, id := u.Layout(tb); v != old || id != "" {
		tb.Fatalf("after a read-only open: layout %q, id %q; want %q and none", v, id, old)
	}
	s := u.Open(tb)
	got, cursor := Snapshot(tb, s, "ns")
	if len(got) != 1 || got[0].Entity.ID != "old" {
		tb.Fatalf("Snapshot of the upgraded layout = %v; want the old change", got)
	}
	Save(tb, s, after)
	// The watch ends here, before the store is closed.
	evs, err := WatchEvents(s, "ns", cursor, 1, 10*time.Second)
	if err != nil || len(evs) != 1 || evs[0].Change.Entity.ID != after.Entity.ID {
		tb.Fatalf("Watch after the upgrade = %v, %v; want the change of %q", evs, err, after.Entity.ID)
	}
	if got, err := s.Load(context.Background(), "ns"); err != nil || len(got) != 2 {
		tb.Fatalf("Load after the upgrade = %v, %v; want the old and the new change", got, err)
	}
	closeStore(tb, s)
	if v, id := u.Layout(tb); v != current || id == "" {
		tb.Fatalf("after a writable open: layout %q, id %q; want %q and an id", v, id, current)
	}
}
