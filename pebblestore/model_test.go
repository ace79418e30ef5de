package pebblestore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// TestConcurrentWritersMatchModel runs writers that save random batches over
// a small set of identities at once, then compares Load, Scan, Get and
// Namespaces with the in-memory reference store fed the same batches one
// writer after the other. Timestamps are unique across writers, so the
// latest change per identity does not depend on how the writers
// interleave; a store whose comparison with the stored version races with
// another save keeps an older change and fails.
func TestConcurrentWritersMatchModel(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []pebblestore.Option
	}{
		{"synced", nil},
		{"no sync", []pebblestore.Option{pebblestore.WithNoSync()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, tt.opts...)
			const writers, rounds = 8, 40
			namespaces := []string{"a", "b", "b:c"}
			batches := make([][]unionstore.Changes[storetest.Item], writers)
			for w := range writers {
				r := rand.New(rand.NewPCG(uint64(w), 99))
				for round := range rounds {
					var batch unionstore.Changes[storetest.Item]
					for range 1 + r.IntN(20) {
						c := item(namespaces[r.IntN(len(namespaces))], fmt.Sprint("k", r.IntN(2)), fmt.Sprint(r.IntN(30)), fmt.Sprintf("w%d r%d", w, round), 0)
						// Unique across writers; ties within one writer are
						// ordered by that writer alone.
						c.Timestamp = t0.Add(time.Duration(r.IntN(500)*writers + w))
						if r.IntN(4) == 0 {
							c.ChangeType = unionstore.ChangeTypeUnset
						}
						batch = append(batch, c)
					}
					batches[w] = append(batches[w], batch)
				}
			}
			storetest.SaveConcurrently(t, []unionstore.Store[storetest.Item]{s}, batches)
			storetest.ExpectModel(t, s, storetest.Model(t, slices.Concat(batches...)...), namespaces...)
		})
	}
}

// TestLargeBatch saves a batch bigger than pebble's large-batch threshold
// (half the memtable), which pebble applies as a memtable of its own, and
// overwrites part of it.
func TestLargeBatch(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	const n = 8000 // of about 450 bytes: 3.6 MB, over the 2 MiB threshold
	value := strings.Repeat("v", 400)
	in := make(unionstore.Changes[storetest.Item], n)
	for i := range in {
		in[i] = item("big", "k", fmt.Sprintf("%06d", i), value, i)
	}
	if err := s.Save(ctx, in); err != nil {
		t.Fatal(err)
	}
	older := slices.Clone(in[:n/2])
	for i := range older {
		older[i].Timestamp = older[i].Timestamp.Add(-time.Hour)
		older[i].Entity.Value = "older"
	}
	if err := s.Save(ctx, older); err != nil {
		t.Fatal(err)
	}
	ref := unionstore.NewMemory[storetest.Item]()
	_ = ref.Save(ctx, in)
	storetest.ExpectModel(t, s, ref, "big")
}
