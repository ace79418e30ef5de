package redisstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds Save and Load to their budgets, on the server
// of UNIONSTORE_REDIS_URL; the figures count the client's allocations only.
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return newStore(t)
	}, storetest.AllocBudget{Save: 100, Load: 100})
}
