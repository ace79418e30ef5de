package mysqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
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
	for _, seed := range []struct {
		kind, id, changeType string
		ts                   int64
		payload              string
	}{
		{"k", "a", "set", 1, `{"kind":"k","id":"a","value":"v"}`},
		{"k", "a", "unset", -1, `{"kind":"k","id":"a"}`},
		{"k", "a", "set", math.MaxInt64, `{"kind":"k","id":"a"}`},
		{"k", "a", "set", math.MinInt64, `{"kind":"k","id":"a"}`},
		{"k", "a", "SET", 0, `{"kind":"k","id":"a"}`},
		{"k", "a", "", 0, ``},
		{"k", "a", "set", 0, `null`},
		{"k", "a", "set", 0, `{"kind":"k","id":"b"}`},
		{"k", "a", "set", 0, `{"kind":"k","id":"A"}`},
		{"k", "a", "set", 0, `{"kind":"k","id":"a","n":1e400}`},
		{"k", "a", "set", 0, `[{"kind":"k"}]`},
		{"k", "a", "set", 0, `{"kind":"k","id":"a"`},
		{"", "a", "set", 0, `{"id":"a"}`},
		{"k", "", "set", 0, `{"kind":"k"}`},
		{"k\x00", "a\xff", "set\x00", 0, "{\"kind\":\"k\\u0000\",\"id\":\"a\\ufffd\"}"},
		{"k", "a ", "set", 0, `{"kind":"k","id":"a "}`},
		{"k", "a", "set", 0, "\xff\xfe\x00"},
	} {
		f.Add([]byte(seed.kind), []byte(seed.id), seed.changeType, seed.ts, []byte(seed.payload))
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

// checkDecoded checks one read of the row want of namespace "ns": a
// change type other than set or unset must be an error.
func checkDecoded[E unionstore.Entity](t *testing.T, op string, c unionstore.Change[E], err error, want row) {
	t.Helper()
	kind, id, ts := want.kind, want.id, want.ts
	if err == nil && !want.changeType.Valid() {
		t.Fatalf("%s: a row of change type %q read as %v", op, want.changeType, c)
	}
	if err != nil {
		var de *unionstore.DecodeError
		if !errors.Is(err, unionstore.ErrDecode) || !errors.As(err, &de) || de.Namespace != "ns" || de.Kind != kind || de.ID != id {
			t.Fatalf("%s: error %v does not wrap ErrDecode in a DecodeError naming ns/%q/%q", op, err, kind, id)
		}
		return
	}
	ns, k, i := c.Key()
	if ns != "ns" || k != kind || i != id {
		t.Fatalf("%s: change has identity %q/%q/%q, want ns/%q/%q", op, ns, k, i, kind, id)
	}
	if got := c.Timestamp.UnixNano(); got != ts {
		t.Fatalf("%s: timestamp = %d ns, want %d", op, got, ts)
	}
	if c.ChangeType != want.changeType {
		t.Fatalf("%s: change type %q, want %q", op, c.ChangeType, want.changeType)
	}
}
