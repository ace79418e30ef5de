package boltstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds boltstore's Save and Load, JSON encoding and
// decoding included, to their budgets.
// Measured when the budgets were set: Save 13.7 allocs/change (15.2 with
// -race), Load 10.0 (11.0); the change feed then added to Save a feed
// entry per change, whose Put and page copies cost bbolt about 6
// allocations a change (Save 19.7).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t)
	}, storetest.AllocBudget{Save: 22, SaveRace: 24, Load: 12.5, LoadRace: 13.8})
}
