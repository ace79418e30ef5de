package pgstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds pgstore's Save and Load to their budgets, on the
// server of UNIONSTORE_POSTGRES_URL; the figures count the client's
// allocations only.
// Measured when the budgets were set: Save 8.1 allocs/change (9.6 with
// -race), Load 13.0 (13.0).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return newStore(t)
	}, storetest.AllocBudget{Save: 10, SaveRace: 12, Load: 16.3, LoadRace: 16.3})
}
