package unionstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange checks the allocations per change of Save and Load of
// Memory and of a Union of two Memory stores against their budgets, in
// batches of 1,000 changes: neither makes an allocation of its own per
// change (measured: Memory 7 per Save and 1 per Load, the union 21 and 28),
// so one added in a per-change path takes a figure past its budget.
func TestAllocsPerChange(t *testing.T) {
	t.Run("Memory", func(t *testing.T) {
		storetest.CheckAllocs(t, func(*testing.T) unionstore.Store[Item] {
			return unionstore.NewMemory[Item]()
		}, storetest.AllocBudget{Save: 0.009, Load: 0.002})
	})
	t.Run("Union-of-2-members", func(t *testing.T) {
		storetest.CheckAllocs(t, func(*testing.T) unionstore.Store[Item] {
			return unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.NewMemory[Item]())
		}, storetest.AllocBudget{Save: 0.027, Load: 0.035})
	})
}
