package pgstore_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// offlineStore returns a store whose pool never connects: decoding a row
// needs no server.
func offlineStore[E unionstore.Entity](tb testing.TB) *pgstore.Store[E] {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1:1/none")
	if err != nil {
		tb.Fatalf("pgxpool.New: %v", err)
	}
	tb.Cleanup(pool.Close)
	s, err := pgstore.New[E](context.Background(), pool)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

// FuzzDecodeRow feeds hostile columns to the decoding of a row, as another
// program or a damaged table could leave them: any payload, change type and
// timestamp, and keys that PostgreSQL text would not even hold. Decoding
// must return either an error that wraps ErrDecode and names the row, or a
// change that is valid and is the row's: its namespace, kind, id and
// timestamp. It runs for an entity type that is a struct and one that is a
// pointer, whose CompactionKey panics when the payload decodes to nil.
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
		{"k", "a", "set", 0, `{"kind":"k","id":"a","n":1e400}`},
		{"k", "a", "set", 0, `[{"kind":"k"}]`},
		{"k", "a", "set", 0, `{"kind":"k","id":"a"`},
		{"", "a", "set", 0, `{"id":"a"}`},
		{"k", "", "set", 0, `{"kind":"k"}`},
		{"k\x00", "a\xff", "set\x00", 0, "{\"kind\":\"k\\u0000\",\"id\":\"a\\ufffd\"}"},
		{"k", "a", "set", 0, "\xff\xfe\x00"},
	} {
		f.Add(seed.kind, seed.id, seed.changeType, seed.ts, []byte(seed.payload))
	}
	items := offlineStore[storetest.Item](f)
	nodes := offlineStore[*node](f)
	f.Fuzz(func(t *testing.T, kind, id, changeType string, ts int64, payload []byte) {
		c, err := pgstore.DecodeRow(items, "ns", kind, id, changeType, ts, payload)
		checkDecoded(t, c, err, kind, id, ts)
		n, err := pgstore.DecodeRow(nodes, "ns", kind, id, changeType, ts, payload)
		checkDecoded(t, n, err, kind, id, ts)
	})
}

// checkDecoded checks the result of decoding the row (ns, kind, id) whose
// timestamp is ts.
func checkDecoded[E unionstore.Entity](t *testing.T, c unionstore.Change[E], err error, kind, id string, ts int64) {
	t.Helper()
	if err != nil {
		var de *unionstore.DecodeError
		if !errors.Is(err, unionstore.ErrDecode) || !errors.As(err, &de) || de.Namespace != "ns" || de.Kind != kind || de.ID != id {
			t.Fatalf("decode error %v does not wrap ErrDecode in a DecodeError naming ns/%q/%q", err, kind, id)
		}
		return
	}
	ns, k, i := c.Key()
	if ns != "ns" || k != kind || i != id {
		t.Fatalf("decoded change has identity %q/%q/%q, want ns/%q/%q", ns, k, i, kind, id)
	}
	if got := c.Timestamp.UnixNano(); got != ts {
		t.Fatalf("decoded timestamp = %d ns, want %d", got, ts)
	}
	if !c.ChangeType.Valid() {
		t.Fatalf("decoded change type %q is not valid", c.ChangeType)
	}
	// What Save could have stored must validate: a portable identity with
	// an id.
	if id != "" && portable(kind) && portable(id) {
		if err := (unionstore.Changes[E]{c}).Validate(); err != nil {
			t.Fatalf("decoded change does not validate: %v", err)
		}
	}
}

// portable reports whether s is valid UTF-8 without NUL bytes.
func portable(s string) bool {
	return utf8.ValidString(s) && !strings.Contains(s, "\x00")
}
