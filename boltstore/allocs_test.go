package boltstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds boltstore's Save and Load, JSON encoding and
// decoding included, to their budgets.
// Measured when the budgets were last set, under backend.Store: Save 12.2
// allocs/change (13.7 with -race), Load 9.0 (9.0).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t)
	}, storetest.AllocBudget{Save: 13, SaveRace: 14.5, Load: 9.5, LoadRace: 9.5})
}
