package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
)

// A Memory keeps the last n changes of a namespace: a cursor older than
// them expires, one within them resumes.
func TestMemoryHistoryBound(t *testing.T) {
	ctx := context.Background()
	m := unionstore.NewMemory[Item](unionstore.MemoryHistory(3))
	_, old, err := m.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	var cursors []unionstore.Cursor
	for i := range 5 {
		if err := m.Save(ctx, batch(set(fmt.Sprint("e", i), "v", at(i+1)))); err != nil {
			t.Fatal(err)
		}
		_, c, _ := m.Snapshot(ctx, "ns")
		cursors = append(cursors, c)
	}
	if err := firstErr(m.Watch(ctx, "ns", old)); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch from 5 changes back with a history of 3 = %v, want ErrCursorExpired", err)
	}
	// cursors[1] is after e1: e2, e3 and e4 are kept.
	var got []string
	for ev, err := range m.Watch(ctx, "ns", cursors[1]) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Change.Entity.ID)
		if len(got) == 3 {
			break
		}
	}
	if fmt.Sprint(got) != "[e2 e3 e4]" {
		t.Fatalf("Watch from after e1 = %v, want [e2 e3 e4]", got)
	}
	if err := firstErr(m.Watch(ctx, "ns", cursors[0])); !errors.Is(err, unionstore.ErrCursorExpired) {
		t.Fatalf("Watch from after e0 with e1 evicted = %v, want ErrCursorExpired", err)
	}
}
