package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

type item = storetest.Item

// replicatedShard returns a union of a fresh bolt file and a fresh
// PostgreSQL table, closed when the test ends.
func replicatedShard(t *testing.T, pgBase, name string) unionstore.Store[item] {
	t.Helper()
	ctx := context.Background()
	b, err := boltstore.Open[item](filepath.Join(t.TempDir(), name+".db"), boltstore.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	p, err := pgstore.OpenURL[item](ctx, postgresTable(t, pgBase))
	if err != nil {
		_ = b.Close()
		t.Fatal(err)
	}
	u := unionstore.New(unionstore.Named(name+"/bolt", unionstore.Store[item](b)), unionstore.Named(name+"/postgres", unionstore.Store[item](p)))
	t.Cleanup(func() { _ = u.Close() })
	return u
}

// TestShardsOverUnionsOfBoltAndPostgres runs the conformance suite on
// shards whose every shard is a union of a bolt file and a PostgreSQL
// table.
func TestShardsOverUnionsOfBoltAndPostgres(t *testing.T) {
	base := postgresURL(t)
	storetest.Run(t, func(t *testing.T) unionstore.Store[item] {
		p, err := unionstore.NewPlacement([]string{"x", "y"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := unionstore.NewShards(p, map[string]unionstore.Store[item]{
			"x": replicatedShard(t, base, "x"),
			"y": replicatedShard(t, base, "y"),
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestShardsGrowOverBoltAndPostgres adds a third replicated shard under
// load: writes go on while Rebalance moves the namespaces it now owns,
// every read equals a model, and afterwards each namespace is held, in
// both replicas, by its owner alone.
func TestShardsGrowOverBoltAndPostgres(t *testing.T) {
	base := postgresURL(t)
	ctx := context.Background()
	stores := map[string]unionstore.Store[item]{}
	for _, name := range []string{"x", "y", "z"} {
		stores[name] = replicatedShard(t, base, name)
	}
	two, _ := unionstore.NewPlacement([]string{"x", "y"})
	three, _ := unionstore.NewPlacement([]string{"x", "y", "z"})
	old, err := unionstore.NewShards(two, map[string]unionstore.Store[item]{"x": stores["x"], "y": stores["y"]})
	if err != nil {
		t.Fatal(err)
	}
	moving, err := unionstore.NewShards(three, stores, unionstore.Previous(two))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 5))
	model := map[string]map[string]unionstore.Change[item]{}
	clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	write := func(s *unionstore.Shards[item], n int) {
		t.Helper()
		var batch unionstore.Changes[item]
		for range n {
			clock = clock.Add(time.Millisecond)
			ns := fmt.Sprintf("tenant-%d", r.IntN(20))
			c := unionstore.Change[item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: item{Kind: "k", ID: fmt.Sprint(r.IntN(5)), Value: clock.String()}, Timestamp: clock}
			if r.IntN(4) == 0 {
				c.ChangeType, c.Entity.Value = unionstore.ChangeTypeUnset, ""
			}
			batch = append(batch, c)
			if model[ns] == nil {
				model[ns] = map[string]unionstore.Change[item]{}
			}
			model[ns][c.Entity.ID] = c
		}
		if err := s.Save(ctx, batch); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
	check := func(s *unionstore.Shards[item]) {
		t.Helper()
		for ns, m := range model {
			got, err := s.Load(ctx, ns)
			if err != nil {
				t.Fatalf("Load(%q): %v", ns, err)
			}
			var want []string
			for _, c := range m {
				want = append(want, fmt.Sprintf("%s %s %q %d", c.Entity.ID, c.ChangeType, c.Entity.Value, c.Timestamp.UnixNano()))
			}
			slices.Sort(want)
			var have []string
			for _, c := range got {
				have = append(have, fmt.Sprintf("%s %s %q %d", c.Entity.ID, c.ChangeType, c.Entity.Value, c.Timestamp.UnixNano()))
			}
			if !slices.Equal(have, want) {
				t.Fatalf("Load(%q) =\n%q\nwant\n%q", ns, have, want)
			}
		}
	}
	write(old, 200)
	check(old)
	write(moving, 50)
	check(moving)
	// Interrupt the first run after two namespaces, then finish.
	rctx, cancel := context.WithCancel(ctx)
	_, err = moving.Rebalance(rctx, func(m unionstore.Move) {
		if m.Done == 2 {
			cancel()
		}
	})
	cancel()
	if err == nil {
		t.Log("Rebalance finished before it could be interrupted")
	}
	write(moving, 50)
	check(moving)
	report, err := moving.Rebalance(ctx, nil)
	if err != nil {
		t.Fatalf("Rebalance: %v", err)
	}
	t.Logf("second run moved %d namespaces", report.Moved())
	check(moving)
	now, err := unionstore.NewShards(three, stores)
	if err != nil {
		t.Fatal(err)
	}
	check(now)
	for name, s := range stores {
		stats, err := s.(unionstore.NamespaceLister).Namespaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if owner := three.Owner(st.Namespace); owner != name {
				t.Errorf("shard %q still holds %q, owned by %q", name, st.Namespace, owner)
			}
		}
	}
}
