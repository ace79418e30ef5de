package mysqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// splitBatch returns n sets of values of 1 KiB in namespace "ns", and the
// number of statements a store whose packet is packet bytes sends them in.
func splitBatch(t *testing.T, s *mysqlstore.Store[storetest.Item], n int) unionstore.Changes[storetest.Item] {
	t.Helper()
	batch := make(unionstore.Changes[storetest.Item], n)
	recs := make([]backend.Record, n)
	for i := range batch {
		id := fmt.Sprintf("id-%04d", i)
		batch[i] = set("ns", "k", id, strings.Repeat("v", 1024), at(i+1))
		recs[i] = backend.Record{Namespace: "ns", Kind: "k", ID: id, Payload: make([]byte, 1040)}
	}
	if got := mysqlstore.Statements(s, recs); got < 3 {
		t.Fatalf("the batch takes %d statements, want several", got)
	}
	return batch
}

// TestSplitBatchIsWhole saves a batch larger than the server's packet, as
// the store sees it, which goes in several statements, and loads it whole.
func TestSplitBatchIsWhole(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mysqlstore.SetMaxPacket(s, 48<<10)
	batch := splitBatch(t, s, 200)
	save(t, s, batch...)
	got, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(got) != len(batch) {
		t.Fatalf("Load returned %d changes, want %d", len(got), len(batch))
	}
}

// TestSplitBatchIsAllOrNothing saves a batch of several statements whose
// last row the server refuses, by a trigger standing for any failure of
// the server, and requires that none of the batch was written: the
// statements run in one transaction.
func TestSplitBatchIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s := newStoreOn(t, adminDB(t), table)
	mysqlstore.SetMaxPacket(s, 48<<10)
	save(t, s, set("ns", "k", "id-0000", "before", at(0)))
	_, err := adminDB(t).ExecContext(ctx, "CREATE TRIGGER `"+table+"_refuse` BEFORE INSERT ON `"+table+"` FOR EACH ROW "+
		"IF NEW.id = 'zz-refused' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF")
	if err != nil {
		t.Fatalf("create trigger: %v", err)
	}
	batch := append(splitBatch(t, s, 200), set("ns", "k", "zz-refused", "v", at(1)))
	err = s.Save(ctx, batch)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "refused by the test") {
		t.Fatalf("Save = %v, want the trigger's error", err)
	}
	if n := rowCount(t, table); n != 1 {
		t.Errorf("the table holds %d rows after the failed save, want the 1 saved before", n)
	}
	if r, _ := readRow(t, table, "ns", "k", "id-0000"); valueOf(r.payload) != `"before"` {
		t.Errorf("the row saved before holds %.60s…, want it unchanged", r.payload)
	}
}
