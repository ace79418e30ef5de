package pebblestore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds pebblestore's Save and Load, JSON encoding and
// decoding included, to their budgets.
// Measured when the budgets were set: Save 6.0 allocs/change (7.6 with
// -race), Load 10.0 (10.6).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t)
	}, storetest.AllocBudget{Save: 7.5, SaveRace: 9.5, Load: 12.5, LoadRace: 13.3})
}
