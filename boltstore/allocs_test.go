package boltstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds boltstore's Save and Load, JSON encoding and
// decoding included, to their budgets.
// Measured when the budgets were set: Save 13.7 allocs/change (15.2 with
// -race), Load 10.0 (11.0); the change feed, in chunks of 64 slots,
// then added 1.5 to Save (15.2, 16.7 with -race).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t)
	}, storetest.AllocBudget{Save: 17, SaveRace: 19, Load: 12.5, LoadRace: 13.8})
}
