package mysqlstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds mysqlstore's Save and Load to their budgets,
// on the server of UNIONSTORE_MYSQL_URL; the figures count the client's
// allocations only.
// Measured when the budgets were set: Save 10.0 allocs/change (11.5 with
// -race), Load 16.0 (16.0).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return newStore(t)
	}, storetest.AllocBudget{Save: 12.5, SaveRace: 14.5, Load: 20, LoadRace: 20})
}
