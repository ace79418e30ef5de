package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// Writes describes the random batches that [ConcurrentWriters] saves.
// Every field must be positive, and Namespaces not empty.
type Writes struct {
	// Writers is the number of goroutines; writer w saves through the
	// store w modulo the number of stores.
	Writers int
	// SavesPerWriter is the number of batches each writer saves, one after
	// the other.
	SavesPerWriter int
	// MaxBatch bounds the size of a batch, drawn between 1 and MaxBatch.
	MaxBatch int
	// IDs and Timestamps are the numbers of distinct ids (of kind "k") and
	// of distinct timestamps drawn from: few of them make writers overlap
	// and tie often.
	IDs, Timestamps int
	// Namespaces are the namespaces drawn from.
	Namespaces []string
	// Seed seeds the draws: the same Writes give the same batches.
	Seed uint64
}

// key is the identity of a change.
type key struct{ ns, kind, id string }

func keyOf(c unionstore.Change[Item]) key {
	ns, kind, id := c.Key()
	return key{ns, kind, id}
}

// batches draws the batches of each writer of w. A quarter of the changes
// are unsets.
func (w Writes) batches() [][]unionstore.Changes[Item] {
	rng := rand.New(rand.NewPCG(w.Seed, 2))
	out := make([][]unionstore.Changes[Item], w.Writers)
	for wr := range out {
		for s := range w.SavesPerWriter {
			batch := make(unionstore.Changes[Item], 1+rng.IntN(w.MaxBatch))
			for i := range batch {
				ns := w.Namespaces[rng.IntN(len(w.Namespaces))]
				id := fmt.Sprint(rng.IntN(w.IDs))
				ts := t0.Add(time.Duration(rng.IntN(w.Timestamps)))
				batch[i] = set(ns, "k", id, fmt.Sprintf("w%d-s%d-c%d", wr, s, i), ts)
				if rng.IntN(4) == 0 {
					batch[i].ChangeType = unionstore.ChangeTypeUnset
				}
			}
			out[wr] = append(out[wr], batch)
		}
	}
	return out
}

// naiveWinners returns, per identity, the change of batch that a store must
// keep from it: the latest timestamp, the later change on a tie.
func naiveWinners(batch unionstore.Changes[Item]) map[key]unionstore.Change[Item] {
	out := map[key]unionstore.Change[Item]{}
	for _, c := range batch {
		if old, ok := out[keyOf(c)]; ok && c.Timestamp.Before(old.Timestamp) {
			continue
		}
		out[keyOf(c)] = c
	}
	return out
}

// candidates returns, per identity, the batch winners with the latest
// timestamp saved for it: which of several tied batches a store keeps
// depends on the order the saves reached it, so any of them will do.
func candidates(batches [][]unionstore.Changes[Item]) map[key]unionstore.Changes[Item] {
	out := map[key]unionstore.Changes[Item]{}
	for _, ws := range batches {
		for _, b := range ws {
			for k, c := range naiveWinners(b) {
				cur := out[k]
				switch {
				case len(cur) == 0 || c.Timestamp.After(cur[0].Timestamp):
					out[k] = unionstore.Changes[Item]{c}
				case c.Timestamp.Equal(cur[0].Timestamp):
					out[k] = append(cur, c)
				}
			}
		}
	}
	return out
}

// ConcurrentWriters is a model-based test of a store's conflict handling.
// It draws the batches described by w up front, so that the model does not
// depend on the schedule, saves them from w.Writers goroutines at once
// through stores (several stores on the same data stand for several
// processes), then reads every namespace from reader and compares it with
// the model: each identity must hold a change with the latest timestamp
// saved for it, one that won its own batch.
//
// It returns the differences from the model, one sentence each, and none
// when the store kept every latest change; a caller that wants them fails
// the test with them, and one showing that the test can fail expects some.
// It fails t, and stops it, when a Save or a read fails. When reader
// implements [unionstore.Scanner] or [unionstore.Getter], it also fails t
// (without stopping) when Scan or Get disagrees with Load.
func ConcurrentWriters(t *testing.T, stores []unionstore.Store[Item], reader unionstore.Store[Item], w Writes) []string {
	t.Helper()
	if len(stores) == 0 || w.Writers <= 0 || w.SavesPerWriter <= 0 || w.MaxBatch <= 0 || w.IDs <= 0 || w.Timestamps <= 0 || len(w.Namespaces) == 0 {
		t.Fatalf("ConcurrentWriters: %d stores and %+v: every count must be positive", len(stores), w)
	}
	batches := w.batches()
	SaveConcurrently(t, stores, batches)
	got := readAll(t, reader, w.Namespaces)
	want := candidates(batches)
	diffs, ties := compareModel(got, want)
	if g, ok := reader.(unionstore.Getter[Item]); ok {
		for k, c := range got {
			expectGetAgrees(t, g, k, c)
		}
	}
	t.Logf("%d identities, %d decided between tied saves, %d differences from the model", len(want), ties, len(diffs))
	return diffs
}

// compareModel returns how got differs from the model: each identity of
// want must hold one of its candidate changes, and no other identity may
// be held. It also counts the identities decided between tied saves.
func compareModel(got map[key]unionstore.Change[Item], want map[key]unionstore.Changes[Item]) (diffs []string, ties int) {
	if len(got) != len(want) {
		diffs = append(diffs, fmt.Sprintf("the store holds %d identities, want %d", len(got), len(want)))
	}
	for k, cs := range want {
		if len(cs) > 1 {
			ties++
		}
		c, ok := got[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%v: missing", k))
			continue
		}
		if !slices.ContainsFunc(cs, func(w unionstore.Change[Item]) bool {
			return w.ChangeType == c.ChangeType && w.Entity == c.Entity && w.Timestamp.Equal(c.Timestamp)
		}) {
			diffs = append(diffs, fmt.Sprintf("%v = %s %+v at %d, want one of %v", k, c.ChangeType, c.Entity, c.Timestamp.UnixNano(), describe(cs)))
		}
	}
	return diffs, ties
}

// SaveConcurrently saves batches[w] from one goroutine per writer w, one
// batch after the other, through stores[w modulo their number], and
// returns once every writer is done: the part of a model-based test that
// races the writers, the batches being drawn beforehand so that the model
// can be fed the same ones. A writer stops at its first failed Save; when
// any fails, SaveConcurrently fails tb and stops it with every writer's
// error, each naming its writer. It fails tb at once when stores is empty.
func SaveConcurrently(tb testing.TB, stores []unionstore.Store[Item], batches [][]unionstore.Changes[Item]) {
	tb.Helper()
	if len(stores) == 0 {
		tb.Fatalf("SaveConcurrently: no store for %d writers", len(batches))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(batches))
	for w := range batches {
		wg.Go(func() {
			s := stores[w%len(stores)]
			for i, b := range batches[w] {
				if err := s.Save(context.Background(), b); err != nil {
					errs[w] = fmt.Errorf("writer %d: batch %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatalf("SaveConcurrently: %v", err)
	}
}

// readAll loads every namespace from reader, checks that Scan agrees with
// Load when reader is a Scanner, and returns the changes by identity.
func readAll(t *testing.T, reader unionstore.Store[Item], namespaces []string) map[key]unionstore.Change[Item] {
	t.Helper()
	got := map[key]unionstore.Change[Item]{}
	for _, ns := range namespaces {
		loaded := load(t, reader, ns)
		if sc, ok := reader.(unionstore.Scanner[Item]); ok {
			if a, b := describe(loaded), describe(scanAll(t, sc, ns)); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("Scan(%q) = %v, Load = %v", ns, b, a)
			}
		}
		for _, c := range loaded {
			got[keyOf(c)] = c
		}
	}
	return got
}

// expectGetAgrees fails t, without stopping it, unless Get of k returns c,
// the change Load returned.
func expectGetAgrees(t *testing.T, g unionstore.Getter[Item], k key, c unionstore.Change[Item]) {
	t.Helper()
	gc, ok, err := g.Get(context.Background(), k.ns, k.kind, k.id)
	if err != nil {
		t.Fatalf("Get%v: %v", k, err)
	}
	if one := describe(unionstore.Changes[Item]{c}); !ok || describe(unionstore.Changes[Item]{gc})[0] != one[0] {
		t.Errorf("Get%v = %v, %v; Load gave %v", k, describe(unionstore.Changes[Item]{gc}), ok, one)
	}
}
