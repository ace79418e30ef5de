package mysqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestSaveRetriesADeadlock makes a save of two statements deadlock with
// another transaction, which InnoDB resolves by rolling the save back as
// the smaller of the two, and requires Save to try the batch again and
// succeed once the other transaction commits.
func TestSaveRetriesADeadlock(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s := newStoreOn(t, newDB(t), table)
	fill := unionstore.Changes[storetest.Item]{set("ns", "k", "a", "old", at(1)), set("ns", "k", "z", "old", at(1))}
	for i := range 100 {
		fill = append(fill, set("ns", "k", fmt.Sprintf("m-%03d", i), "old", at(1)))
	}
	save(t, s, fill...)
	// Each row of the batch goes in a statement of its own, in one
	// transaction.
	mysqlstore.SetMaxPacket(s, 16<<10+300)

	// The other transaction, made the larger by the rows it changes,
	// holds the rows from m-000 to z, read as a range of the primary key
	// so that it locks none before them.
	tx := otherTx(t, "update in the other transaction", "UPDATE `"+table+"` SET ts = ts - 1 WHERE namespace = 'ns' AND kind = 'k' AND id >= 'm'")
	// The save writes a, then waits for z.
	done := startLockWaiting(t, func() error {
		return s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "new", at(5)), set("ns", "k", "z", "new", at(5))})
	})
	// The other transaction now waits for a: a deadlock, whose victim is
	// the save.
	if _, err := tx.ExecContext(ctx, "UPDATE `"+table+"` SET ts = ts - 1 WHERE namespace = 'ns' AND kind = 'k' AND id = 'a'"); err != nil {
		t.Fatalf("the other transaction was rolled back, not the save: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit the other transaction: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Save = %v, want it to succeed once tried again", err)
	}
	for _, id := range []string{"a", "z"} {
		if r, _ := readRow(t, table, "ns", "k", id); valueOf(r.payload) != `"new"` || r.ts != at(5).UnixNano() {
			t.Errorf("row %s = %+v, want the save's", id, r)
		}
	}
}

// TestSaveEndsAtItsDeadline saves a batch of two statements whose second
// waits for a row another transaction holds, with a deadline: Save must
// return an error wrapping the context's, and leave nothing of the batch
// written, the first statement's row included.
func TestSaveEndsAtItsDeadline(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s := newStoreOn(t, newDB(t), table)
	save(t, s, set("ns", "k", "a", "old", at(1)), set("ns", "k", "z", "old", at(1)))
	mysqlstore.SetMaxPacket(s, 16<<10+300)

	tx := otherTx(t, "lock z in the other transaction", "UPDATE `"+table+"` SET ts = ts WHERE namespace = 'ns' AND kind = 'k' AND id = 'z'")
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err := s.Save(short, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "new", at(5)), set("ns", "k", "z", "new", at(5))})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Save = %v, want an error wrapping context.DeadlineExceeded", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("roll back the other transaction: %v", err)
	}
	for _, id := range []string{"a", "z"} {
		if r, _ := readRow(t, table, "ns", "k", id); valueOf(r.payload) != `"old"` {
			t.Errorf("row %s holds %s after the failed save, want it unchanged", id, r.payload)
		}
	}
}
