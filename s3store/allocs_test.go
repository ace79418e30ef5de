package s3store_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds s3store's Save and Load to their budgets; the
// figures count the allocations of the in-process S3 server too.
// Measured when the budgets were set: Save 2.7 allocs/change (4.2 with
// -race), Load 12.3 (12.3).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		s, _ := newFakeS3(t, false).server().newStore(t)
		return s
	}, storetest.AllocBudget{Save: 3.3, SaveRace: 5.3, Load: 15.4, LoadRace: 15.4, Runs: 3})
}
