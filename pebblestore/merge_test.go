package pebblestore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// mergeRounds returns batches that overwrite a few hundred identities out
// of order: each round holds later and earlier changes than the stored
// ones, tombstones, changes equal in time to a stored one (the later save
// must win), and repeated identities within one batch.
func mergeRounds(rounds int) []unionstore.Changes[storetest.Item] {
	r := rand.New(rand.NewPCG(7, 11))
	var out []unionstore.Changes[storetest.Item]
	for round := range rounds {
		var batch unionstore.Changes[storetest.Item]
		for range 300 {
			c := item([]string{"m", "m:x"}[r.IntN(2)], "k", fmt.Sprint(r.IntN(200)), fmt.Sprintf("r%d #%d", round, len(batch)), 0)
			c.Timestamp = t0.Add(time.Duration(r.IntN(40)) * time.Second)
			if r.IntN(5) == 0 {
				c.ChangeType = unionstore.ChangeTypeUnset
			}
			batch = append(batch, c)
		}
		out = append(out, batch)
	}
	return out
}

// TestMergedReadsAcrossCompactions saves rounds of out-of-order changes so
// that each key holds merge operands in several places (tables flushed
// between rounds and the memory table), and checks Load, Scan, Get and
// Namespaces against the reference store while the merges are pending,
// after a compaction of everything into the bottom level, and after a
// reopen. Pebble then merges the operands on the read, in the compaction
// (where it may see only some of a key's operands) and from compacted
// tables respectively.
func TestMergedReadsAcrossCompactions(t *testing.T) {
	steps := []struct {
		name string
		do   func(t *testing.T, s *pebblestore.Store[storetest.Item]) *pebblestore.Store[storetest.Item]
	}{
		{"merges pending", func(t *testing.T, s *pebblestore.Store[storetest.Item]) *pebblestore.Store[storetest.Item] { return s }},
		{"after a compaction", func(t *testing.T, s *pebblestore.Store[storetest.Item]) *pebblestore.Store[storetest.Item] {
			if err := pebblestore.CompactAll(s); err != nil {
				t.Fatalf("Compact: %v", err)
			}
			return s
		}},
		{"after a reopen", func(t *testing.T, s *pebblestore.Store[storetest.Item]) *pebblestore.Store[storetest.Item] {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, s.Dir())
		}},
	}
	for _, flush := range []bool{false, true} {
		t.Run(fmt.Sprintf("flush between rounds=%v", flush), func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			ref := unionstore.NewMemory[storetest.Item]()
			for _, b := range mergeRounds(6) {
				if err := s.Save(ctx, b); err != nil {
					t.Fatal(err)
				}
				if err := ref.Save(ctx, b); err != nil {
					t.Fatal(err)
				}
				if flush {
					if err := pebblestore.Flush(s); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, step := range steps {
				s = step.do(t, s)
				t.Run(step.name, func(t *testing.T) { storetest.ExpectModel(t, s, ref, "m", "m:x") })
			}
		})
	}
}

// TestNamespacesDuringSaves lists namespaces over and over while writers
// save, and then checks the counts against the reference store: a listing
// that wrote back the counts of its snapshot over a save that came after
// the snapshot would leave them wrong for good. Every batch also saves to
// a namespace of some thousands of records, so that each listing spends
// a while counting between its snapshot and its write.
func TestNamespacesDuringSaves(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) { namespacesDuringSaves(t, uint64(round)) })
	}
}

func namespacesDuringSaves(t *testing.T, seed uint64) {
	ctx := context.Background()
	s := open(t, pebblestore.WithNoSync())
	ref := unionstore.NewMemory[storetest.Item]()
	var bulk unionstore.Changes[storetest.Item]
	for i := range 5000 {
		bulk = append(bulk, item("bulk", "k", fmt.Sprint(i), "", 0))
	}
	for _, st := range []unionstore.Store[storetest.Item]{s, ref} {
		if err := st.Save(ctx, bulk); err != nil {
			t.Fatal(err)
		}
	}
	const writers, rounds = 4, 50
	namespaces := []string{"bulk"}
	for i := range 16 {
		namespaces = append(namespaces, fmt.Sprint("n", i))
	}
	batches := make([][]unionstore.Changes[storetest.Item], writers)
	for w := range writers {
		r := rand.New(rand.NewPCG(uint64(w), seed))
		for round := range rounds {
			batch := unionstore.Changes[storetest.Item]{item("bulk", "k", fmt.Sprint(r.IntN(5000)), "", round+1)}
			for range 1 + r.IntN(8) {
				// Each writer its own ids and rising timestamps: every
				// change adds or flips an identity, so nearly every save
				// moves the counts.
				c := item(namespaces[1+r.IntN(len(namespaces)-1)], "k", fmt.Sprintf("w%d-%d", w, r.IntN(40)), "", 0)
				c.Timestamp = t0.Add(time.Duration(round*100 + len(batch)))
				if r.IntN(2) == 0 {
					c.ChangeType = unionstore.ChangeTypeUnset
				}
				batch = append(batch, c)
			}
			batches[w] = append(batches[w], batch)
			if err := ref.Save(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	done := make(chan struct{})
	var lister sync.WaitGroup
	lister.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := s.Namespaces(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for _, b := range batches[w] {
				if err := s.Save(ctx, b); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	lister.Wait()
	storetest.ExpectModel(t, s, ref, namespaces...)
}
