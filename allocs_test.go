package unionstore_test

import (
	"context"
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/unionstore/unionstore"
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

// allocChanges returns allocRuns+1 batches of allocBatch new entities each:
// testing.AllocsPerRun calls its function once more than it is asked to,
// to warm up.
func allocChanges(runs int) []unionstore.Changes[Item] {
	out := make([]unionstore.Changes[Item], runs+1)
	for r := range out {
		out[r] = make(unionstore.Changes[Item], allocBatch)
		for i := range out[r] {
			out[r][i] = set(fmt.Sprintf("e%03d-%06d", r, i), "a value of moderate size", at(r*allocBatch+i))
		}
	}
	return out
}

// savePerChange returns the allocations per change of Save on s, over runs
// batches of new entities.
func savePerChange(t *testing.T, s unionstore.Store[Item], runs int) float64 {
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

// loadPerChange returns the allocations per loaded change of Load of a
// namespace of want entities.
func loadPerChange(t *testing.T, s unionstore.Store[Item], want int) float64 {
	t.Helper()
	allocs := testing.AllocsPerRun(5, func() {
		got, err := s.Load(context.Background(), "ns")
		if err != nil || len(got) != want {
			t.Fatalf("Load = %d changes, %v; want %d", len(got), err, want)
		}
	})
	return allocs / float64(want)
}

// filled returns a store made by newStore holding allocBatch entities in
// namespace "ns", each store of a union the same.
func filled(t *testing.T, s unionstore.Store[Item]) unionstore.Store[Item] {
	t.Helper()
	mustSave(t, s, allocChanges(0)[0])
	return s
}

// TestAllocsPerChange checks the allocations per change of Save and Load of
// Memory and of a Union of two Memory stores against their budgets, in
// batches of 1,000 changes: neither makes an allocation of its own per
// change (measured: Memory 7 per Save and 1 per Load, the union 21 and 28),
// so one added in a per-change path takes a figure past its budget.
func TestAllocsPerChange(t *testing.T) {
	union := func() unionstore.Store[Item] {
		return unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.NewMemory[Item]())
	}
	checkAllocBudgets(t, []allocBudget{
		{"Memory.Save", 0.009, 0.009, func(t *testing.T) float64 {
			return savePerChange(t, unionstore.NewMemory[Item](), 5)
		}},
		{"Memory.Load", 0.002, 0.002, func(t *testing.T) float64 {
			return loadPerChange(t, filled(t, unionstore.NewMemory[Item]()), allocBatch)
		}},
		{"Union.Save/2-members", 0.027, 0.027, func(t *testing.T) float64 {
			return savePerChange(t, union(), 5)
		}},
		{"Union.Load/2-members", 0.035, 0.035, func(t *testing.T) float64 {
			return loadPerChange(t, filled(t, union()), allocBatch)
		}},
	})
}
