package storetest

import (
	"cmp"
	"context"
	"fmt"
	"runtime/debug"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// AllocBudget is the most allocations per change that Save and Load of a
// store may make, for [CheckAllocs]. A budget is best set about a quarter
// above what the store measured when it was set, so that an allocation
// added to a per-change path fails the check while the noise of map growth
// and pools does not. Under the race detector sync.Pool drops a share of
// what is put back, so a build with -race has budgets of its own.
type AllocBudget struct {
	// Save and Load are the budgets of a build without -race; zero allows
	// no allocation.
	Save, Load float64
	// SaveRace and LoadRace are the budgets of a build with -race; zero
	// means the same as Save or Load.
	SaveRace, LoadRace float64
	// Runs is how many batches Save is measured over, and how many times
	// Load is; zero means 5.
	Runs int
}

// AllocBatch is the number of changes in each batch [CheckAllocs] saves,
// and of entities in the namespace it loads.
const AllocBatch = 1000

// CheckAllocs checks the allocations per change of Save and Load of stores
// made by newStore against budget, in the sub-tests "Save" and "Load", each
// on a fresh store: Save of budget.Runs batches of [AllocBatch] changes of
// new entities, and Load of a namespace of AllocBatch entities. It logs
// every figure, so that a budget can be set again from the log, and fails
// a sub-test whose figure is over its budget or whose store fails.
//
// The figures count every allocation of the process, so a store talking to
// an in-process server counts the server's too. Sub-tests run one after the
// other; the store needs no safety for concurrent use.
func CheckAllocs(t *testing.T, newStore Factory, budget AllocBudget) {
	t.Helper()
	runs := cmp.Or(budget.Runs, 5)
	race := raceEnabled()
	check := func(name string, limit, raceLimit float64, measure func(t *testing.T, s unionstore.Store[Item]) float64) {
		t.Run(name, func(t *testing.T) {
			if race && raceLimit != 0 {
				limit = raceLimit
			}
			got := measure(t, openFresh(t, newStore))
			t.Logf("%s: %.3f allocs/change (budget %.3f, race %v)", name, got, limit, race)
			if got > limit {
				t.Errorf("%s: %.3f allocs/change, budget %.3f: an allocation was added to a per-change path, or the budget must be set again", name, got, limit)
			}
		})
	}
	check("Save", budget.Save, budget.SaveRace, func(t *testing.T, s unionstore.Store[Item]) float64 {
		return savePerChange(t, s, runs)
	})
	check("Load", budget.Load, budget.LoadRace, func(t *testing.T, s unionstore.Store[Item]) float64 {
		return loadPerChange(t, s, runs)
	})
}

// raceEnabled reports whether the test binary was built with -race. It
// reads the binary's build information, once per call.
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

// openFresh returns a store made by newStore, closed when t ends; the
// factory may register its own cleanup too, so Close runs twice.
func openFresh[T testing.TB](t T, newStore func(T) unionstore.Store[Item]) unionstore.Store[Item] {
	t.Helper()
	s := newStore(t)
	if s == nil {
		t.Fatal("storetest: the factory returned a nil store")
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// benchEpoch is the first timestamp of the changes that the allocation
// checks and the benchmarks save.
var benchEpoch = time.Unix(1700000000, 0)

// customers returns n sets of new entities of kind "customer" in namespace
// ns, numbered k = first, first+1, ...: entity k has the id id(k), N set to
// its place in the batch, and the timestamp benchEpoch plus k nanoseconds.
func customers(ns string, first, n int, id func(k int) string) unionstore.Changes[Item] {
	out := make(unionstore.Changes[Item], n)
	for i := range out {
		k := first + i
		out[i] = unionstore.Change[Item]{
			Namespace:  ns,
			ChangeType: unionstore.ChangeTypeSet,
			Entity:     Item{Kind: "customer", ID: id(k), Value: "a customer record of moderate size", N: i},
			Timestamp:  benchEpoch.Add(time.Duration(k)),
		}
	}
	return out
}

// allocChanges returns runs+1 batches of AllocBatch new entities each in
// namespace "allocs": testing.AllocsPerRun calls its function once more
// than it is asked to, to warm up.
func allocChanges(runs int) []unionstore.Changes[Item] {
	id := func(k int) string { return fmt.Sprintf("c%03d-%06d", k/AllocBatch, k%AllocBatch) }
	out := make([]unionstore.Changes[Item], runs+1)
	for r := range out {
		out[r] = customers("allocs", r*AllocBatch, AllocBatch, id)
	}
	return out
}

// savePerChange returns the allocations per change of Save on s, over runs
// batches of AllocBatch new entities.
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
	return allocs / AllocBatch
}

// loadPerChange fills s with AllocBatch entities and returns the
// allocations per loaded change of Load of their namespace, over runs
// loads.
func loadPerChange(t *testing.T, s unionstore.Store[Item], runs int) float64 {
	t.Helper()
	if err := s.Save(context.Background(), allocChanges(0)[0]); err != nil {
		t.Fatalf("Save: %v", err)
	}
	allocs := testing.AllocsPerRun(runs, func() {
		got, err := s.Load(context.Background(), "allocs")
		if err != nil || len(got) != AllocBatch {
			t.Fatalf("Load = %d changes, %v; want %d", len(got), err, AllocBatch)
		}
	})
	return allocs / AllocBatch
}
