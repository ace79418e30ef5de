package mysqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// TestPurgeTombstonesKeepsANewerSave purges the tombstones of a namespace
// while another transaction holds one of them, replaced by a newer set but
// not yet committed. The purge waits for that row's lock, then must find
// the set and keep it: its DELETE checks the change type and timestamp on
// the row as it is when it deletes it.
func TestPurgeTombstonesKeepsANewerSave(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s := newStoreOn(t, adminDB(t), table)
	save(t, s, unset("ns", "k", "a", at(1)), unset("ns", "k", "b", at(1)), unset("ns", "k", "c", at(1)))

	newer := at(2).UnixNano()
	tx := otherTx(t, "update in the other transaction", "UPDATE `"+table+"` SET change_type = 'set', ts = ?, payload = ? WHERE namespace = 'ns' AND kind = 'k' AND id = 'b'",
		newer, []byte(`{"kind":"k","id":"b","value":"newer"}`))

	var n int
	done := startLockWaiting(t, func() (err error) {
		n, err = s.PurgeTombstones(ctx, "ns", at(3))
		return err
	})
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit the other transaction: %v", err)
	}
	if err := <-done; err != nil || n != 2 {
		t.Fatalf("PurgeTombstones = %d, %v, want 2 (a and c)", n, err)
	}
	c, ok, err := s.Get(ctx, "ns", "k", "b")
	if err != nil || !ok || c.ChangeType != unionstore.ChangeTypeSet || c.Entity.Value != "newer" {
		t.Fatalf("Get(b) = %+v, %v, %v, want the newer set", c, ok, err)
	}
}

// startLockWaiting runs op in a goroutine of its own and returns once a
// transaction of the server waits for a lock (see waitForLockWait), as op
// must come to. The channel yields op's error when op returns.
func startLockWaiting(t *testing.T, op func() error) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- op() }()
	waitForLockWait(t)
	return done
}

// waitForLockWait returns once a transaction of the server waits for a
// lock, and fails the test after 10 seconds. It polls every 200 ms: InnoDB
// refreshes the table it reads only after 100 ms without a read.
func waitForLockWait(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := adminDB(t).QueryRow("SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'").Scan(&n); err != nil {
			t.Fatalf("read information_schema.innodb_trx: %v", err)
		}
		if n > 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no transaction waited for a lock within 10 seconds")
}
