package storetest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// Change returns a change of the item (kind "k", id) of namespace "ns" with
// value, at sec seconds after the Unix time 1,700,000,000: a set, or an
// unset when unset is true. The unset keeps its value, as a change given
// to a store may.
func Change(id, value string, sec int, unset bool) unionstore.Change[Item] {
	c := Set("ns", "k", id, value, time.Unix(int64(1_700_000_000+sec), 0))
	if unset {
		c.ChangeType = unionstore.ChangeTypeUnset
	}
	return c
}

// RandomBatches saves rounds batches to s, one after the other, and
// returns them in order, for [Model]. Each batch holds 1 to 40 changes,
// drawn from r; change makes each from the round's index, the batch adds
// 0 to 2 nanoseconds to its timestamp, so that some collide and some do
// not, and turns one in four into an unset. It fails tb when Save returns
// an error.
func RandomBatches(tb testing.TB, s unionstore.Store[Item], r *rand.Rand, rounds int, change func(round int) unionstore.Change[Item]) []unionstore.Changes[Item] {
	tb.Helper()
	batches := make([]unionstore.Changes[Item], 0, rounds)
	for round := range rounds {
		var batch unionstore.Changes[Item]
		for range 1 + r.IntN(40) {
			c := change(round)
			c.Timestamp = c.Timestamp.Add(time.Duration(r.IntN(3)))
			if r.IntN(4) == 0 {
				c.ChangeType = unionstore.ChangeTypeUnset
			}
			batch = append(batch, c)
		}
		if err := s.Save(context.Background(), batch); err != nil {
			tb.Fatalf("Save of batch %d: %v", round, err)
		}
		batches = append(batches, batch)
	}
	return batches
}
