package pebblestore_test

import (
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// item returns a set of (ns, kind, id) with value, at t0 plus n seconds.
func item(ns, kind, id, value string, n int) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{
		Namespace:  ns,
		ChangeType: unionstore.ChangeTypeSet,
		Entity:     storetest.Item{Kind: kind, ID: id, Value: value, N: n},
		Timestamp:  t0.Add(time.Duration(n) * time.Second),
	}
}

func describe(changes unionstore.Changes[storetest.Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = fmt.Sprintf("%q/%q/%q %s %q %d", c.Namespace, c.Entity.Kind, c.Entity.ID, c.ChangeType, c.Entity.Value, c.Timestamp.UnixNano())
	}
	return out
}
