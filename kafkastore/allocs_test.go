package kafkastore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds kafkastore's Save and Load to their budgets; against
// the in-process cluster the figures count the cluster's allocations too.
// Measured when the budgets were set: Save 9.1 allocs/change (10.7 with
// -race), Load 16.2 (16.2).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return open(t, newTopic(t))
	}, storetest.AllocBudget{Save: 11.4, SaveRace: 13.3, Load: 20.3, LoadRace: 20.3, Runs: 3})
}
