package kafkastore_test

import (
	"context"
	"fmt"
	"runtime/debug"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// allocBudget is the most allocations per change an operation may make:
// about a quarter above what it measured when the budget was set, so that
// an added allocation in a per-change path fails the test while the noise
// of map growth and pools does not. Under the race detector sync.Pool drops
// a share of what is put back, so a build with -race has its own budget.
type allocBudget struct {
	name       string
	budget     float64
	raceBudget float64
	measure    func(t *testing.T) float64
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// checkAllocBudgets measures each case and fails those over their budget,
// logging every figure so that a budget can be set again from the log.
func checkAllocBudgets(t *testing.T, cases []allocBudget) {
	race := raceEnabled()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.measure(t)
			budget := c.budget
			if race {
				budget = c.raceBudget
			}
			t.Logf("%s: %.3f allocs/change (budget %.3f, race %v)", c.name, got, budget, race)
			if got > budget {
				t.Errorf("%s: %.3f allocs/change, budget %.3f: an allocation was added to a per-change path, or the budget must be set again", c.name, got, budget)
			}
		})
	}
}

const allocBatch = 1000

// allocChanges returns runs+1 batches of allocBatch new entities each in
// namespace "allocs": testing.AllocsPerRun calls its function once more
// than it is asked to, to warm up.
func allocChanges(runs int) []unionstore.Changes[storetest.Item] {
	ts := time.Unix(1700000000, 0)
	out := make([]unionstore.Changes[storetest.Item], runs+1)
	for r := range out {
		out[r] = make(unionstore.Changes[storetest.Item], allocBatch)
		for i := range out[r] {
			out[r][i] = unionstore.Change[storetest.Item]{
				Namespace:  "allocs",
				ChangeType: unionstore.ChangeTypeSet,
				Entity:     storetest.Item{Kind: "customer", ID: fmt.Sprintf("c%03d-%06d", r, i), Value: "a customer record of moderate size", N: i},
				Timestamp:  ts.Add(time.Duration(r*allocBatch + i)),
			}
		}
	}
	return out
}

// savePerChange returns the allocations per change of Save on s, over runs
// batches of allocBatch new entities.
func savePerChange(t *testing.T, s unionstore.Store[storetest.Item], runs int) float64 {
	t.Helper()
	batches := allocChanges(runs)
	next := 0
	allocs := testing.AllocsPerRun(runs, func() {
		if err := s.Save(context.Background(), batches[next]); err != nil {
			t.Fatalf("Save: %v", err)
		}
		next++
	})
	return allocs / allocBatch
}

// loadPerChange fills s with allocBatch entities and returns the
// allocations per loaded change of Load of their namespace, over runs
// loads.
func loadPerChange(t *testing.T, s unionstore.Store[storetest.Item], runs int) float64 {
	t.Helper()
	if err := s.Save(context.Background(), allocChanges(0)[0]); err != nil {
		t.Fatalf("Save: %v", err)
	}
	allocs := testing.AllocsPerRun(runs, func() {
		got, err := s.Load(context.Background(), "allocs")
		if err != nil || len(got) != allocBatch {
			t.Fatalf("Load = %d changes, %v; want %d", len(got), err, allocBatch)
		}
	})
	return allocs / allocBatch
}

// TestAllocsPerChange checks the allocations per change of Save and Load
// against their budgets, in batches of 1,000 changes of new entities, JSON
// encoding and decoding included. Against the in-process cluster the
// figures count the cluster's allocations too.
// Measured when the budgets were set: Save 9.1 allocs/change (10.7 with
// -race), Load 16.2 (16.2).
func TestAllocsPerChange(t *testing.T) {
	checkAllocBudgets(t, []allocBudget{
		{"Save", 11.4, 13.3, func(t *testing.T) float64 { return savePerChange(t, open(t, newTopic(t)), 3) }},
		{"Load", 20.3, 20.3, func(t *testing.T) float64 { return loadPerChange(t, open(t, newTopic(t)), 3) }},
	})
}
