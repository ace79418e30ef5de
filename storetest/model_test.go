package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// TestModel gives Model two values of one identity at one timestamp, in
// two batches: the model holds the second, as a store saving them in that
// order does.
func TestModel(t *testing.T) {
	ts := time.Unix(1_700_000_000, 0)
	m := Model(t,
		unionstore.Changes[Item]{Set("ns", "k", "a", "first", ts), Set("ns", "k", "b", "kept", ts)},
		unionstore.Changes[Item]{Set("ns", "k", "a", "second", ts)})
	got, err := m.Load(context.Background(), "ns")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a=second", "b=kept"}
	if len(got) != len(want) {
		t.Fatalf("Model(...).Load = %v, want %v", describe(got), want)
	}
	for i, c := range got {
		if c.Entity.ID+"="+c.Entity.Value != want[i] {
			t.Fatalf("Model(...).Load = %v, want %v", describe(got), want)
		}
	}
}
