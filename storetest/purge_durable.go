package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// WithReadOnlyReopen declares that the store can be opened read-only:
// reopen returns a read-only store on the same data as closed, which the
// suite has just closed. [RunPurgeDurable] then checks that the read-only
// store refuses purges with [unionstore.ErrReadOnly].
func WithReadOnlyReopen(reopen func(t *testing.T, closed unionstore.Store[Item]) unionstore.Store[Item]) Option {
	return func(c *config) { c.reopenReadOnly = reopen }
}

// PurgeBulk is the number of changes the bulk case of [RunPurgeDurable]
// saves in one namespace, most of them tombstones: more than a store
// should delete in one transaction or request.
const PurgeBulk = 25_000

// RunPurgeDurable runs the purge cases of a store that keeps its data on
// disk, each a sub-test with a fresh store made by newStore, beyond those
// of [Run]:
//
//   - "purging many tombstones keeps exactly the rest, after a reopen too":
//     [PurgeBulk] changes saved in one batch, of which PurgeTombstones must
//     remove the tombstones older than the cut-off and nothing else, as
//     Load and, when the store lists them, Namespaces count it; with
//     [WithReopen], counted again after a reopen;
//   - "a read-only store refuses purges": with [WithReadOnlyReopen],
//     Purge and PurgeTombstones of a read-only store fail with
//     [unionstore.ErrReadOnly], and Purge after its Close with
//     [unionstore.ErrClosed].
//
// A case whose interface or option the store lacks is skipped with the
// reason. The bulk case saves and loads PurgeBulk changes: a factory for a
// store on disk is best made without syncs.
func RunPurgeDurable(t *testing.T, newStore Factory, opts ...Option) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	t.Run("purging many tombstones keeps exactly the rest, after a reopen too", func(t *testing.T) {
		testPurgeBulk(t, openFresh(t, newStore), c.reopen)
	})
	t.Run("a read-only store refuses purges", func(t *testing.T) {
		if c.reopenReadOnly == nil {
			t.Skip("the store did not declare WithReadOnlyReopen")
		}
		testPurgeReadOnly(t, openFresh(t, newStore), c.reopenReadOnly)
	})
}

// testPurgeBulk saves PurgeBulk changes, interleaving sets, tombstones
// older than the cut-off and tombstones at it, purges the old tombstones
// and checks the counts, then again after a reopen when reopen is set.
func testPurgeBulk(t *testing.T, s unionstore.Store[Item], reopen func(*testing.T, unionstore.Store[Item]) unionstore.Store[Item]) {
	p := tombstonePurger(t, s)
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	changes := make(unionstore.Changes[Item], 0, PurgeBulk)
	wantGone, wantSets, wantTombs := 0, 0, 0
	for i := range PurgeBulk {
		c := unionstore.Change[Item]{Namespace: "ns", Entity: Item{Kind: "k", ID: fmt.Sprintf("%06d", i)}, Timestamp: base.Add(time.Duration(i%4) * time.Hour)}
		switch {
		case i%5 == 0:
			c.ChangeType = unionstore.ChangeTypeSet
			wantSets++
		case i%4 == 3: // at the cut-off: kept
			c.ChangeType = unionstore.ChangeTypeUnset
			wantTombs++
		default:
			c.ChangeType = unionstore.ChangeTypeUnset
			wantGone++
		}
		changes = append(changes, c)
	}
	save(t, s, changes...)
	got, err := p.PurgeTombstones(ctx, "ns", base.Add(3*time.Hour))
	if err != nil || got != wantGone {
		t.Fatalf("PurgeTombstones = %d, %v, want %d, nil", got, err, wantGone)
	}
	check := func(when string, s unionstore.Store[Item]) {
		t.Helper()
		sets, tombs := 0, 0
		for _, c := range load(t, s, "ns") {
			if c.ChangeType == unionstore.ChangeTypeSet {
				sets++
			} else {
				tombs++
			}
		}
		if sets != wantSets || tombs != wantTombs {
			t.Fatalf("%s: %d sets and %d tombstones loaded, want %d and %d", when, sets, tombs, wantSets, wantTombs)
		}
		if stats, ok := listed(t, s); ok {
			want := unionstore.NamespaceStat{Namespace: "ns", Entities: wantSets, Tombstones: wantTombs}
			if len(stats) != 1 || stats[0] != want {
				t.Fatalf("%s: Namespaces = %+v, want [%+v]", when, stats, want)
			}
		}
	}
	check("after the purge", s)
	if reopen == nil {
		t.Log("the store did not declare WithReopen: the counts are not checked after a reopen")
		return
	}
	closeStore(t, s)
	r := reopen(t, s)
	t.Cleanup(func() { _ = r.Close() })
	check("after the purge and a reopen", r)
}

// testPurgeReadOnly saves a tombstone to s, closes it, reopens it
// read-only and checks that purges are refused, then refused as closed.
func testPurgeReadOnly(t *testing.T, s unionstore.Store[Item], reopen func(*testing.T, unionstore.Store[Item]) unionstore.Store[Item]) {
	ctx := context.Background()
	save(t, s, unionstore.Change[Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: Item{ID: "a"}, Timestamp: time.Unix(1, 0)})
	closeStore(t, s)
	ro := reopen(t, s)
	t.Cleanup(func() { _ = ro.Close() })
	p, tp := purger(t, ro), tombstonePurger(t, ro)
	if err := p.Purge(ctx, "ns"); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Errorf("Purge on a read-only store = %v, want ErrReadOnly", err)
	}
	if _, err := tp.PurgeTombstones(ctx, "ns", time.Now()); !errors.Is(err, unionstore.ErrReadOnly) {
		t.Errorf("PurgeTombstones on a read-only store = %v, want ErrReadOnly", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatalf("Close of the read-only store: %v", err)
	}
	if err := p.Purge(ctx, "ns"); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("Purge after Close = %v, want ErrClosed", err)
	}
}
