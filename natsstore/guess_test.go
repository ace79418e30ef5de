package natsstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestSaveGuessesNewIdentities saves batches over one store and checks
// how each learnt what the stream holds, and what the namespace holds
// after each: a batch of new identities keeps the guess that subjects are
// empty; one of stored identities fails it, and the next batches read
// first, then guess again, by the backoff; a batch whose probe holds new
// identities and whose rest does not still keeps the latest change of
// each.
func TestSaveGuessesNewIdentities(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	type took struct {
		path    string
		refused int
	}
	var paths []took
	defer natsstore.SetSavePath(func(p string, refused int) { paths = append(paths, took{p, refused}) })()

	// batch returns changes to the ids from to to-1 of kind k, each of
	// value v at timestamp ts.
	batchOf := func(kind string, from, to int, v string, ts int) unionstore.Changes[storetest.Item] {
		var out unionstore.Changes[storetest.Item]
		for i := from; i < to; i++ {
			out = append(out, set("ns", kind, fmt.Sprintf("%04d", i), v, at(ts)))
		}
		return out
	}
	batch := func(from, to int, v string, ts int) unionstore.Changes[storetest.Item] {
		return batchOf("k", from, to, v, ts)
	}
	// A failed guess costs the refusal of its probe only: the rest of the
	// batch is read first.
	for _, step := range []struct {
		name  string
		saves unionstore.Changes[storetest.Item]
		want  took
	}{
		{"new identities", batch(0, 200, "a", 10), took{"guess held", 0}},
		{"stored identities, later", batch(0, 200, "b", 20), took{"guess failed", 64}},
		{"after a failure", batch(0, 200, "c", 30), took{"read", 0}},
		{"the guess again", batch(0, 200, "d", 40), took{"guess failed", 64}},
		{"twice backed off", batch(0, 200, "e", 50), took{"read", 0}},
		{"twice backed off, second", batch(0, 200, "f", 60), took{"read", 0}},
		// Its probe, the first 64 in key order, of kind "a", is new: the
		// guess holds and the rest, stored, is refused and read again;
		// half of the rest is older than the stream's change and dropped.
		{"a probe of new identities", slices.Concat(batchOf("a", 0, 64, "g", 70), batch(0, 100, "g", 70), batch(100, 200, "old", 1)), took{"guess held", 200}},
	} {
		paths = nil
		if err := s.Save(ctx, step.saves); err != nil {
			t.Fatalf("%s: Save: %v", step.name, err)
		}
		if len(paths) != 1 || paths[0] != step.want {
			t.Errorf("%s: Save took %+v, want %+v", step.name, paths, step.want)
		}
	}
	got, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 264 {
		t.Fatalf("Load = %d changes, want 264", len(got))
	}
	for i, c := range got {
		want := "g"
		if i >= 164 { // kind "k", ids 100 to 199
			want = "f"
		}
		if c.Entity.Value != want {
			t.Errorf("%s = %q, want %q", c.Entity.ID, c.Entity.Value, want)
		}
	}
}
