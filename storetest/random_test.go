package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

func TestChange(t *testing.T) {
	ts := time.Unix(1_700_000_005, 0)
	for _, tc := range []struct {
		unset bool
		want  unionstore.Change[Item]
	}{
		{false, unionstore.Change[Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "k", ID: "a", Value: "v"}, Timestamp: ts}},
		{true, unionstore.Change[Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: Item{Kind: "k", ID: "a", Value: "v"}, Timestamp: ts}},
	} {
		got := Change("a", "v", 5, tc.unset)
		if got.Namespace != tc.want.Namespace || got.ChangeType != tc.want.ChangeType || got.Entity != tc.want.Entity || !got.Timestamp.Equal(tc.want.Timestamp) {
			t.Errorf("Change(a, v, 5, %v) = %+v, want %+v", tc.unset, got, tc.want)
		}
	}
}

// TestRandomBatches checks that the batches RandomBatches returns are
// those it saved, in order, that their sizes, timestamps and unsets vary
// within the bounds it states, and that the same seed gives the same
// batches.
func TestRandomBatches(t *testing.T) {
	const rounds = 50
	base := time.Unix(1_700_000_000, 0)
	run := func() ([]unionstore.Changes[Item], []unionstore.Changes[Item]) {
		r := rand.New(rand.NewPCG(1, 2))
		rec := &batchRecorder{Memory: unionstore.NewMemory[Item]()}
		got := RandomBatches(t, rec, r, rounds, func(round int) unionstore.Change[Item] {
			return Set("ns", "k", fmt.Sprint(r.IntN(10)), fmt.Sprint(round), base)
		})
		return got, rec.saved
	}
	got, saved := run()
	again, _ := run()
	if len(got) != rounds || len(saved) != rounds {
		t.Fatalf("RandomBatches returned %d batches and saved %d, want %d", len(got), len(saved), rounds)
	}
	sizes, offsets, unsets := map[int]bool{}, map[time.Duration]bool{}, 0
	for i := range got {
		if fmt.Sprint(describe(got[i])) != fmt.Sprint(describe(saved[i])) {
			t.Fatalf("batch %d returned %v, saved %v", i, describe(got[i]), describe(saved[i]))
		}
		if fmt.Sprint(describe(got[i])) != fmt.Sprint(describe(again[i])) {
			t.Fatalf("batch %d differs between two runs of one seed: %v and %v", i, describe(got[i]), describe(again[i]))
		}
		if n := len(got[i]); n < 1 || n > 40 {
			t.Errorf("batch %d holds %d changes, want 1 to 40", i, n)
		}
		sizes[len(got[i])] = true
		for _, c := range got[i] {
			if c.Entity.Value != fmt.Sprint(i) {
				t.Errorf("batch %d holds a change of round %s", i, c.Entity.Value)
			}
			offsets[c.Timestamp.Sub(base)] = true
			if c.ChangeType == unionstore.ChangeTypeUnset {
				unsets++
			}
		}
	}
	if len(sizes) < 10 {
		t.Errorf("batch sizes %v, want them to vary", sizes)
	}
	if len(offsets) != 3 || !offsets[0] || !offsets[1] || !offsets[2] {
		t.Errorf("timestamp offsets %v, want 0, 1 and 2 ns", offsets)
	}
	if unsets == 0 {
		t.Errorf("no unsets, want one change in four")
	}
}

// batchRecorder is a Memory that keeps the batches given to Save.
type batchRecorder struct {
	*unionstore.Memory[Item]
	saved []unionstore.Changes[Item]
}

func (b *batchRecorder) Save(ctx context.Context, changes unionstore.Changes[Item]) error {
	b.saved = append(b.saved, changes)
	return b.Memory.Save(ctx, changes)
}
