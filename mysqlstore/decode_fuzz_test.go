package mysqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// FuzzDecodeRow writes hostile rows into a table, as another program or a
// damaged table could leave them, and reads each back through the store's
// Get, Load and Scan: any keys the columns hold, any change type (the
// server keeps an invalid one as ""), any timestamp and payload. Each read
// must return either an error that wraps ErrDecode in a DecodeError naming
// the row, or a change that is the row's: its namespace, kind, id and
// timestamp, and a valid change type. It runs for an entity type that is a
// struct and one that is a pointer, whose CompactionKey panics when the
// payload decodes to nil.
func FuzzDecodeRow(f *testing.F) {
	seeds := append(storetest.HostileRows(),
		// Ids that MySQL's collations would take for "a".
		storetest.Row{Kind: "k", ID: "a", ChangeType: "set", Payload: `{"kind":"k","id":"A"}`},
		storetest.Row{Kind: "k", ID: "a ", ChangeType: "set", Payload: `{"kind":"k","id":"a "}`})
	for _, seed := range seeds {
		f.Add([]byte(seed.Kind), []byte(seed.ID), seed.ChangeType, seed.Timestamp, []byte(seed.Payload))
	}
	ctx := context.Background()
	table := newTable(f)
	items := newStoreOn(f, adminDB(f), table)
	pointers, err := mysqlstore.New[*storetest.Item](ctx, adminDB(f), mysqlstore.WithTable(table))
	if err != nil {
		f.Fatalf("New: %v", err)
	}
	f.Cleanup(func() { _ = pointers.Close() })
	// A connection of its own, whose lax SQL mode keeps an invalid change
	// type as "" where the strict mode would refuse it.
	conn, err := adminDB(f).Conn(ctx)
	if err != nil {
		f.Fatalf("Conn: %v", err)
	}
	f.Cleanup(func() { _ = conn.Close() })
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = ''"); err != nil {
		f.Fatalf("set sql_mode: %v", err)
	}
	f.Fuzz(func(t *testing.T, kind, id []byte, changeType string, ts int64, payload []byte) {
		if len(kind) > mysqlstore.MaxKey || len(id) > mysqlstore.MaxKey {
			t.Skip("a key longer than its column")
		}
		if payload == nil {
			payload = []byte{}
		}
		writeRow(t, conn, table, kind, id, changeType, ts, payload)
		want := row{kind: string(kind), id: string(id), changeType: unionstore.ChangeType(changeType), ts: ts}
		checkReads(t, items, want)
		checkReads(t, pointers, want)
	})
}

// writeRow makes the row (ns, kind, id) the only row of table.
func writeRow(t *testing.T, conn *sql.Conn, table string, kind, id []byte, changeType string, ts int64, payload []byte) {
	t.Helper()
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "DELETE FROM `"+table+"`"); err != nil {
		t.Fatalf("empty the table: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO `"+table+"` (namespace, kind, id, change_type, ts, payload) VALUES ('ns', ?, ?, ?, ?, ?)", kind, id, changeType, ts, payload); err != nil {
		t.Fatalf("insert the row: %v", err)
	}
}

// row is what a fuzzed row holds.
type row struct {
	kind, id   string
	changeType unionstore.ChangeType
	ts         int64
}

// checkReads reads the only row of s's namespace "ns" by Get, Load and
// Scan.
func checkReads[E unionstore.Entity](t *testing.T, s *mysqlstore.Store[E], want row) {
	t.Helper()
	ctx := context.Background()
	c, ok, err := s.Get(ctx, "ns", want.kind, want.id)
	if err == nil && !ok {
		t.Fatalf("Get found no row")
	}
	checkDecoded(t, "Get", c, err, want)
	changes, err := s.Load(ctx, "ns")
	if len(changes)+boolInt(err != nil) != 1 {
		t.Fatalf("Load = %d changes, %v, want one change or one error", len(changes), err)
	}
	if err == nil {
		checkDecoded(t, "Load", changes[0], nil, want)
	} else {
		checkDecoded(t, "Load", unionstore.Change[E]{}, err, want)
	}
	n := 0
	for c, err := range s.Scan(ctx, "ns") {
		n++
		checkDecoded(t, "Scan", c, err, want)
	}
	if n != 1 {
		t.Fatalf("Scan yielded %d pairs, want 1", n)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkDecoded checks one read of the row want of namespace "ns" (see
// [storetest.CheckDecoded]): a change type other than set or unset must be
// an error, and a change must have the row's change type.
func checkDecoded[E unionstore.Entity](t *testing.T, op string, c unionstore.Change[E], err error, want row) {
	t.Helper()
	if err == nil && !want.changeType.Valid() {
		t.Fatalf("%s: a row of change type %q read as %v", op, want.changeType, c)
	}
	storetest.CheckDecoded(t, op, c, err, "ns", want.kind, want.id, want.ts)
	if err == nil && c.ChangeType != want.changeType {
		t.Fatalf("%s: change type %q, want %q", op, c.ChangeType, want.changeType)
	}
}
