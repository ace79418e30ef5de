package storetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// FillPhase saves sets of the entities ids of namespace ns with save, in
// batches of at most batch entities that [FillCustomers] makes from r,
// all at one timestamp taken when it starts, and returns the time the
// saves took, the making of the batches left out. It fails tb and stops
// at the first error of save. The fill benchmarks call it twice on the
// same ids: once to insert the entities, then to update every one.
func FillPhase(tb testing.TB, r *rand.Rand, ns string, ids []string, batch int, save func(unionstore.Changes[Item]) error) time.Duration {
	tb.Helper()
	var took time.Duration
	ts := unionstore.Now()
	for i := 0; i < len(ids); i += batch {
		changes := FillCustomers(r, ns, ids[i:min(i+batch, len(ids))], ts)
		start := time.Now()
		if err := save(changes); err != nil {
			tb.Fatalf("Save of %d entities: %v", len(changes), err)
		}
		took += time.Since(start)
	}
	return took
}
