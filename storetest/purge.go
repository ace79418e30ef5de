package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// The suite finds [unionstore.Purger] and [unionstore.TombstonePurger] by
// type assertion and runs purgeCases when the store implements them.

// purger returns s as a Purger, or skips the test.
func purger(t *testing.T, s unionstore.Store[Item]) unionstore.Purger {
	t.Helper()
	return implements[unionstore.Purger](t, s, "unionstore.Purger")
}

// tombstonePurger returns s as a TombstonePurger, or skips the test.
func tombstonePurger(t *testing.T, s unionstore.Store[Item]) unionstore.TombstonePurger {
	t.Helper()
	return implements[unionstore.TombstonePurger](t, s, "unionstore.TombstonePurger")
}

// listed returns the namespaces s lists with their counts, or nil and
// false when s does not implement NamespaceLister.
func listed(t *testing.T, s unionstore.Store[Item]) ([]unionstore.NamespaceStat, bool) {
	t.Helper()
	nl, ok := s.(unionstore.NamespaceLister)
	if !ok {
		return nil, false
	}
	got, err := nl.Namespaces(context.Background())
	if err != nil {
		t.Fatalf("Namespaces: %v", err)
	}
	return got, true
}

// expectAbsent checks that Get, when s implements it, finds nothing for
// the identity of c.
func expectAbsent(t *testing.T, s unionstore.Store[Item], c unionstore.Change[Item]) {
	t.Helper()
	if g, ok := s.(unionstore.Getter[Item]); ok {
		expectGet(t, g, c, false)
	}
}

var purgeCases = []testCase{
	{"a purged namespace loads empty and other namespaces are untouched", func(t *testing.T, s unionstore.Store[Item]) {
		p := purger(t, s)
		ctx := context.Background()
		gone := []unionstore.Change[Item]{set("gone", "k", "a", "v", at(1)), unset("gone", "k", "b", at(2)), set("gone", "other", "c", "v", at(3))}
		kept := []unionstore.Change[Item]{set("kept", "k", "a", "v", at(1)), unset("kept", "k", "b", at(2))}
		// A namespace whose name extends the purged one's must stay too.
		longer := set("gone2", "k", "a", "v", at(1))
		save(t, s, append(append(slices.Clone(gone), kept...), longer)...)
		if err := p.Purge(ctx, "gone"); err != nil {
			t.Fatalf("Purge(%q): %v", "gone", err)
		}
		expect(t, s, "gone")
		for _, c := range gone {
			expectAbsent(t, s, c)
		}
		expect(t, s, "kept", kept...)
		expect(t, s, "gone2", longer)
		if got, ok := listed(t, s); ok {
			want := []unionstore.NamespaceStat{{Namespace: "gone2", Entities: 1}, {Namespace: "kept", Entities: 1, Tombstones: 1}}
			if !slices.Equal(got, want) {
				t.Fatalf("Namespaces after Purge(%q) = %+v, want %+v", "gone", got, want)
			}
		}
	}},
	{"purging an unknown namespace is not an error and purging twice is harmless", func(t *testing.T, s unionstore.Store[Item]) {
		p := purger(t, s)
		ctx := context.Background()
		if err := p.Purge(ctx, "nothing-here"); err != nil {
			t.Fatalf("Purge of an unknown namespace: %v", err)
		}
		a := set("ns", "k", "a", "v", at(1))
		save(t, s, a)
		for range 2 {
			if err := p.Purge(ctx, "ns"); err != nil {
				t.Fatalf("Purge: %v", err)
			}
		}
		expect(t, s, "ns")
	}},
	{"a purged namespace takes new changes, older ones included", func(t *testing.T, s unionstore.Store[Item]) {
		p := purger(t, s)
		save(t, s, set("ns", "k", "a", "before", at(5)), set("ns", "k", "b", "before", at(5)))
		if err := p.Purge(context.Background(), "ns"); err != nil {
			t.Fatalf("Purge: %v", err)
		}
		// Nothing of the purged namespace may win over a new change, not
		// even one with an older timestamp.
		again := set("ns", "k", "a", "after", at(1))
		save(t, s, again)
		expect(t, s, "ns", again)
		if got, ok := listed(t, s); ok {
			want := []unionstore.NamespaceStat{{Namespace: "ns", Entities: 1}}
			if !slices.Equal(got, want) {
				t.Fatalf("Namespaces = %+v, want %+v", got, want)
			}
		}
	}},
	{"purging tombstones removes exactly those older than the cut-off", func(t *testing.T, s unionstore.Store[Item]) {
		p := tombstonePurger(t, s)
		ctx := context.Background()
		oldSet := set("ns", "k", "set-old", "v", at(1))
		oldTomb := unset("ns", "k", "tomb-old", at(1))
		olderTomb := unset("ns", "other", "tomb-older", at(-5))
		atCut := unset("ns", "k", "tomb-at-cut", at(10))
		newTomb := unset("ns", "k", "tomb-new", at(11))
		// An entity set, then unset, then set again is not a tombstone.
		revived := set("ns", "k", "revived", "again", at(3))
		otherNS := unset("elsewhere", "k", "tomb-old", at(1))
		onlyTombs := unset("only-tombstones", "k", "a", at(1))
		save(t, s, oldSet, oldTomb, olderTomb, atCut, newTomb, set("ns", "k", "revived", "first", at(1)), otherNS, onlyTombs)
		save(t, s, unset("ns", "k", "revived", at(2)))
		save(t, s, revived)
		n, err := p.PurgeTombstones(ctx, "ns", at(10))
		if err != nil {
			t.Fatalf("PurgeTombstones: %v", err)
		}
		if n != 2 {
			t.Errorf("PurgeTombstones(%q, cut-off) = %d, want 2", "ns", n)
		}
		expect(t, s, "ns", revived, oldSet, atCut, newTomb)
		expectAbsent(t, s, oldTomb)
		expectAbsent(t, s, olderTomb)
		expect(t, s, "elsewhere", otherNS)
		if n, err := p.PurgeTombstones(ctx, "ns", at(10)); err != nil || n != 0 {
			t.Errorf("second PurgeTombstones = %d, %v, want 0, nil", n, err)
		}
		if n, err := p.PurgeTombstones(ctx, "nothing-here", at(10)); err != nil || n != 0 {
			t.Errorf("PurgeTombstones of an unknown namespace = %d, %v, want 0, nil", n, err)
		}
		if n, err := p.PurgeTombstones(ctx, "only-tombstones", at(10)); err != nil || n != 1 {
			t.Errorf("PurgeTombstones(%q) = %d, %v, want 1, nil", "only-tombstones", n, err)
		}
		expect(t, s, "only-tombstones")
		if got, ok := listed(t, s); ok {
			want := []unionstore.NamespaceStat{{Namespace: "elsewhere", Tombstones: 1}, {Namespace: "ns", Entities: 2, Tombstones: 2}}
			if !slices.Equal(got, want) {
				t.Fatalf("Namespaces after PurgeTombstones = %+v, want %+v", got, want)
			}
		}
	}},
	{"purging tombstones at the edges of time neither wraps nor saturates", func(t *testing.T, s unionstore.Store[Item]) {
		tombstonePurger(t, s)
		PurgeTombstonesAtTheEdgesOfTime(t, s.(TombstoneStore))
	}},
	{"purge stops on a done context and after close", func(t *testing.T, s unionstore.Store[Item]) {
		p := purger(t, s)
		a := set("ns", "k", "a", "v", at(1))
		save(t, s, a)
		stopsWhenDone(t, s, "Purge", func(ctx context.Context) error {
			return p.Purge(ctx, "ns")
		}, func() { expect(t, s, "ns", a) })
	}},
	{"purging tombstones stops on a done context and after close", func(t *testing.T, s unionstore.Store[Item]) {
		p := tombstonePurger(t, s)
		a := unset("ns", "k", "a", at(1))
		save(t, s, a)
		stopsWhenDone(t, s, "PurgeTombstones", func(ctx context.Context) error {
			_, err := p.PurgeTombstones(ctx, "ns", at(2))
			return err
		}, func() { expect(t, s, "ns", a) })
	}},
	{"every read agrees after tombstones are purged", func(t *testing.T, s unionstore.Store[Item]) {
		p := tombstonePurger(t, s)
		// Values large enough that a store which spills a scan to disk
		// holds some identities there and others in memory when it reads
		// the purge: the tombstone saved last, after a large set, is
		// likely held while its entity's set was spilled.
		big := strings.Repeat("v", 2000)
		var first, second, want unionstore.Changes[Item]
		for i := range 40 {
			id := fmt.Sprintf("%02d", i)
			first = append(first, set("ns", "k", id, big, at(1)), set("other", "k", id, "v", at(1)))
			want = append(want, set("other", "k", id, "v", at(1)))
			switch i % 4 {
			case 0: // an old tombstone: purged
				second = append(second, unset("ns", "k", id, at(2)))
			case 1: // a tombstone at the cut-off: kept
				second = append(second, unset("ns", "k", id, at(10)))
				want = append(want, second[len(second)-1])
			case 2: // set again after its tombstone: kept
				second = append(second, unset("ns", "k", id, at(2)), set("ns", "k", id, "again", at(3)))
				want = append(want, second[len(second)-1])
			default: // never unset: kept
				want = append(want, first[len(first)-2])
			}
		}
		save(t, s, append(first, set("ns", "k", "x", big, at(1)))...)
		save(t, s, second...)
		// x's only tombstone comes last, after a large set that sorts
		// before it.
		filler := set("ns", "a", "filler", big, at(1))
		save(t, s, filler, unset("ns", "k", "x", at(3)))
		want = append(want, filler)
		if n, err := p.PurgeTombstones(context.Background(), "ns", at(10)); err != nil || n != 11 {
			t.Fatalf("PurgeTombstones = %d, %v, want 11, nil", n, err)
		}
		ExpectModel(t, s, Model(t, want), "ns", "other")
	}},
	{"every read agrees after a namespace is purged", func(t *testing.T, s unionstore.Store[Item]) {
		p := purger(t, s)
		other := set("other", "k", "a", "v", at(5))
		save(t, s, set("ns", "k", "a", "v", at(5)), unset("ns", "k", "b", at(5)), set("ns", "k", "c", "v", at(5)), other)
		if err := p.Purge(context.Background(), "ns"); err != nil {
			t.Fatalf("Purge: %v", err)
		}
		older := set("ns", "k", "b", "older", at(1))
		save(t, s, older)
		ExpectModel(t, s, Model(t, unionstore.Changes[Item]{older, other}), "ns", "other")
	}},
	{"a purged tombstone's entity takes an older set again", func(t *testing.T, s unionstore.Store[Item]) {
		p := tombstonePurger(t, s)
		save(t, s, unset("ns", "k", "a", at(5)))
		if _, err := p.PurgeTombstones(context.Background(), "ns", at(6)); err != nil {
			t.Fatalf("PurgeTombstones: %v", err)
		}
		// This is why purging needs a grace: the tombstone no longer
		// hides an older set that arrives late.
		late := set("ns", "k", "a", "late", at(1))
		save(t, s, late)
		expect(t, s, "ns", late)
	}},
}
