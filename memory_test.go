package unionstore_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return unionstore.NewMemory[storetest.Item]()
	})
}

func TestFaultyConformance(t *testing.T) {
	// With no fault injected, Faulty is the store it wraps.
	storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return storetest.NewFaulty[storetest.Item](unionstore.NewMemory[storetest.Item]())
	})
}
