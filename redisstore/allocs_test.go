package redisstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds Save and Load to their budgets, on the server
// of UNIONSTORE_REDIS_URL; the figures count the client's allocations only.
// Measured when the budgets were set: Save 5.1 allocs/change (6.6 with
// -race), Load 13.1 (13.1), of which the JSON codec makes most of Load's.
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return newStore(t)
	}, storetest.AllocBudget{Save: 6.5, SaveRace: 8.5, Load: 16.5, LoadRace: 16.5})
}
