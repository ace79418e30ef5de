package integration_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestUnionWithBoltstore puts a natsstore and a boltstore in one union:
// saves reach both, a change that only one member holds wins the merge
// when it is newer, and Repair copies each member's missing changes to
// the other.
func TestUnionWithBoltstore(t *testing.T) {
	ctx := context.Background()
	ns := natsStore(t)
	bs, err := boltstore.Open[storetest.Item](filepath.Join(t.TempDir(), "union.db"))
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	t.Cleanup(func() { _ = bs.Close() })
	u := unionstore.New(ns, bs)

	if err := u.Save(ctx, unionstore.Changes[storetest.Item]{set("shop", "k", "both", "v1", at(1))}); err != nil {
		t.Fatalf("union Save: %v", err)
	}
	// Each member gets a change the other lacks, one of them newer than
	// what the union saved.
	if err := ns.Save(ctx, unionstore.Changes[storetest.Item]{set("shop", "k", "nats-only", "n", at(2)), set("shop", "k", "both", "v2", at(5))}); err != nil {
		t.Fatalf("natsstore Save: %v", err)
	}
	if err := bs.Save(ctx, unionstore.Changes[storetest.Item]{set("shop", "k", "bolt-only", "b", at(3))}); err != nil {
		t.Fatalf("boltstore Save: %v", err)
	}
	want := unionstore.Changes[storetest.Item]{
		set("shop", "k", "bolt-only", "b", at(3)),
		set("shop", "k", "both", "v2", at(5)),
		set("shop", "k", "nats-only", "n", at(2)),
	}
	same := func(a, b unionstore.Change[storetest.Item]) bool {
		return a.Entity == b.Entity && a.Timestamp.Equal(b.Timestamp) && a.ChangeType == b.ChangeType
	}
	got, err := u.Load(ctx, "shop")
	if err != nil {
		t.Fatalf("union Load: %v", err)
	}
	if !slices.EqualFunc(got, want, same) {
		t.Fatalf("union Load = %v, want %v", got, want)
	}
	if _, err := u.Repair(ctx, "shop"); err != nil {
		t.Fatalf("Repair: %v", err)
	}
	for name, s := range map[string]unionstore.Store[storetest.Item]{"natsstore": ns, "boltstore": bs} {
		got, err := s.Load(ctx, "shop")
		if err != nil {
			t.Fatalf("%s Load after Repair: %v", name, err)
		}
		if !slices.EqualFunc(got, want, same) {
			t.Errorf("%s after Repair = %v, want %v", name, got, want)
		}
	}
}
