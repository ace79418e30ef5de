package natsstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestAllocsPerChange holds natsstore's Save and Load to their budgets, on the
// server of UNIONSTORE_NATS_URL; the figures count the client's allocations
// only.
// Measured when the budgets were set: Save 74.2 allocs/change (76.8 with
// -race), Load 29.1 (29.1); since each read parses a message's metadata
// once and sizes its pass from the first message, Load 28.1 (28.2).
func TestAllocsPerChange(t *testing.T) {
	storetest.CheckAllocs(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return newStore(t)
	}, storetest.AllocBudget{Save: 93, SaveRace: 96, Load: 35, LoadRace: 35, Runs: 3})
}
